"""The sensor's port is the kiosk's alone: a second opener (`kiosk finger ...`, `kiosk doctor`) is refused with
SensorUnavailable reason `port_busy` (pyserial's exclusive flock on the real pty), and the holder keeps working."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.drivers.finger import SensorUnavailable
from kiosk.drivers.finger.uart import FingerUart, open_port
from simulator.finger import SimulatedSensor
from tests.finger.conftest import FAST


@pytest.fixture
def sensor() -> Iterator[SimulatedSensor]:
    with SimulatedSensor(seed=3) as s:
        yield s


KIOSK_CLI = [sys.executable, "-c", "import sys; from kiosk import cli; sys.exit(cli.main(sys.argv[1:]))"]  # a process


def test_a_second_open_of_the_held_port_is_port_busy_and_the_holder_still_talks(sensor: SimulatedSensor) -> None:
    held = open_port(sensor.path, 57600)
    try:
        with pytest.raises(SensorUnavailable) as refused:
            open_port(sensor.path, 57600)
        assert refused.value.reason == "port_busy"
        assert refused.value.device == "finger"
        assert "in use by another process" in str(refused.value)
        assert FingerUart(held, FAST).handshake().library_size > 0
    finally:
        held.close()
    again = open_port(sensor.path, 57600)  # closing gives the port back
    try:
        assert FingerUart(again, FAST).handshake().library_size > 0
    finally:
        again.close()


def test_a_port_that_does_not_exist_is_unavailable_not_busy(tmp_path: Path) -> None:
    with pytest.raises(SensorUnavailable) as refused:
        open_port(str(tmp_path / "no-such-sensor"), 57600)
    assert refused.value.reason == "unavailable"


def test_kiosk_finger_info_from_another_process_beside_the_holder_is_a_clear_error(
    sensor: SimulatedSensor, tmp_path: Path
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[finger]\nport = "{sensor.path}"\n')
    held = open_port(sensor.path, 57600)
    try:
        other = subprocess.run(
            [*KIOSK_CLI, "--config", str(config), "finger", "info"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert other.returncode == 1, other.stderr
        assert "SensorUnavailable" in other.stderr
        assert "in use by another process" in other.stderr
        assert FingerUart(held, FAST).handshake().library_size > 0  # nothing was said over the holder's line
    finally:
        held.close()
