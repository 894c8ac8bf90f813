"""The simulated sensor's luck is per touch: the n-th touch of a finger captures the same way whatever happened on
the sensor before it (other fingers, more or fewer polls), so scenarios with worn fingers replay identically."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.drivers.finger import CaptureQuality, FingerSettings
from kiosk.drivers.finger.uart import FingerUart, open_port
from simulator.finger import SimulatedSensor

FAST = FingerSettings(capture_timeout_s=1.0, reply_timeout_s=0.3, poll_interval_s=0.01)
WORN = "boonmee-worn"


@pytest.fixture
def sensors() -> Iterator[list[tuple[SimulatedSensor, FingerUart]]]:
    opened = []
    for _ in range(2):
        sensor = SimulatedSensor(seed=11)
        sensor.start()
        port = open_port(sensor.path, 57600)
        driver = FingerUart(port, FAST)
        driver.handshake()
        opened.append((sensor, driver, port))
    yield [(s, d) for s, d, _ in opened]
    for sensor, _, port in opened:
        port.close()
        sensor.stop()


def qualities(sensor: SimulatedSensor, driver: FingerUart, captures: int = 12) -> list[CaptureQuality]:
    sensor.place_finger(WORN, quality=0.1)
    try:
        return [driver.capture().quality for _ in range(captures)]
    finally:
        sensor.lift()


def test_the_nth_touch_of_a_finger_captures_the_same_whatever_came_before(
    sensors: list[tuple[SimulatedSensor, FingerUart]],
) -> None:
    (a, da), (b, db) = sensors
    # Sensor a sees other fingers and a different number of captures first; b sees none.
    a.place_finger("somchai-right-index", quality=0.2)
    for _ in range(7):
        da.capture()
    a.lift()
    first_a, first_b = qualities(a, da, 5), qualities(b, db, 9)
    assert first_a == first_b[:5]  # the same touch: the same captures, however many are taken
    second_a, second_b = qualities(a, da), qualities(b, db)
    assert second_a == second_b
    assert second_a[:9] != first_b  # the next touch has its own luck
    assert CaptureQuality.GOOD in second_a and set(second_a) - {CaptureQuality.GOOD}
