"""`kiosk finger ...` end to end: the real CLI, config file and driver against the simulated sensor's pty."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import cli
from simulator.finger import SimulatedSensor

SOMCHAI = "somchai-right-index"


@pytest.fixture
def sensor() -> Iterator[SimulatedSensor]:
    with SimulatedSensor(seed=5, packet_size=64) as s:
        yield s


@pytest.fixture
def config(sensor: SimulatedSensor, tmp_path: Path) -> str:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[finger]\nport = "{sensor.path}"\npacket_size = 64\ncapture_timeout_s = 1.0\nhas_led = true\n')
    return str(path)


def test_info_enroll_verify_search(sensor: SimulatedSensor, config: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--config", config, "finger", "info"]) == 0
    out = capsys.readouterr().out
    assert "0 of 200 pages used" in out and "64 bytes" in out and "57600" in out

    sensor.present(SOMCHAI, times=2)
    assert cli.main(["--config", config, "finger", "enroll"]) == 0
    out = capsys.readouterr().out
    assert "template        512 bytes" in out and "stored in page  0" in out
    assert sensor.library[0].hex() not in out  # the template itself is never printed

    sensor.present(SOMCHAI)
    assert cli.main(["--config", config, "finger", "verify", "--page", "0"]) == 0
    assert "MATCH" in capsys.readouterr().out
    sensor.present("ruethai-right-index")
    assert cli.main(["--config", config, "finger", "verify", "--page", "0"]) == 3
    assert "NO MATCH" in capsys.readouterr().out

    sensor.present(SOMCHAI)
    assert cli.main(["--config", config, "finger", "search"]) == 0
    assert "FOUND page 0" in capsys.readouterr().out

    assert cli.main(["--config", config, "finger", "led", "--color", "purple", "--mode", "flashing"]) == 0
    assert cli.main(["--config", config, "finger", "empty", "--yes"]) == 0
    assert sensor.library == {}


def test_errors_are_reported_not_raised(
    sensor: SimulatedSensor, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--config", config, "finger", "search", "--timeout", "0.1"]) == 1
    assert "NoFinger" in capsys.readouterr().err
    assert cli.main(["--config", config, "finger", "info", "--port", "/dev/no-such-sensor"]) == 1
    assert "SensorUnavailable" in capsys.readouterr().err
