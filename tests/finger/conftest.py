"""Fixtures for the fingerprint tests: a simulated sensor on a real pty and the real driver opened on its path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kiosk.drivers.finger import FingerSettings
from kiosk.drivers.finger.uart import FingerUart, open_port
from simulator.finger import SimulatedSensor

FAST = FingerSettings(capture_timeout_s=1.0, reply_timeout_s=0.3, poll_interval_s=0.01)

Rig = tuple[SimulatedSensor, FingerUart]


@pytest.fixture
def make_rig() -> Iterator[Callable[..., Rig]]:
    opened: list[tuple[SimulatedSensor, Any]] = []

    def make(settings: FingerSettings = FAST, *, handshake: bool = True, **sim: Any) -> Rig:
        sensor = SimulatedSensor(**({"seed": 7} | sim))
        sensor.start()
        port = open_port(sensor.path, 57600)
        opened.append((sensor, port))
        driver = FingerUart(port, settings)
        if handshake:
            driver.handshake()
        return sensor, driver

    yield make
    for sensor, port in opened:
        port.close()
        sensor.stop()


@pytest.fixture
def rig(make_rig: Callable[..., Rig]) -> Rig:
    return make_rig()
