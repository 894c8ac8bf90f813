"""`kiosk coproc ...` against the firmware running under MicroPython on a pty."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.config import load
from kiosk.drivers.coproc.commands import watchdog_settings
from simulator.coproc import SimulatedCoproc


@pytest.fixture
def config(tmp_path: Path, sim: SimulatedCoproc) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[coproc]\nport = "{sim.link_path}"\nreply_timeout_s = 1.5\nwatchdog_warn_s = 4.0\nwatchdog_grace_s = 9.0\n'
    )
    return path


def kiosk(config: Path, *args: str) -> int:
    return cli.main(["--config", str(config), "coproc", *args])


def test_info(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert kiosk(config, "info") == 0
    out = capsys.readouterr().out
    assert "firmware 1.0.0, protocol 1, booted by power_on" in out
    assert "0x18" in out


def test_light_pattern_and_status(config: Path, sim: SimulatedCoproc, capsys: pytest.CaptureFixture[str]) -> None:
    assert kiosk(config, "light", "255", "--rgb", "ff8000") == 0
    assert sim.wait_state(lambda s: s.ring_rgb == (255, 128, 0), 2.0)
    assert kiosk(config, "pattern", "error") == 0
    assert sim.wait_state(lambda s: s.red == 1, 2.0)
    capsys.readouterr()
    assert kiosk(config, "status") == 0
    out = capsys.readouterr().out
    assert "light: level 255, colour #ff8000" in out  # the board keeps its state between connections
    assert "pattern: error" in out
    assert "enclosure: closed" in out


def test_bad_colour_is_a_usage_error(config: Path) -> None:
    assert kiosk(config, "light", "10", "--rgb", "zz") == 2


def test_ack_tamper_refused_while_open(config: Path, sim: SimulatedCoproc, capsys: pytest.CaptureFixture[str]) -> None:
    sim.set_tamper_open(True)
    assert sim.sync()
    assert kiosk(config, "ack-tamper") == 1
    assert "CoprocRejected" in capsys.readouterr().err


def test_watch_prints_events(config: Path, sim: SimulatedCoproc, capsys: pytest.CaptureFixture[str]) -> None:
    someone = threading.Timer(0.3, sim.set_presence, (True,))  # arrives while the command is watching
    someone.start()
    try:
        assert kiosk(config, "watch", "--seconds", "1.0") == 0
    finally:
        someone.join()
    assert "PresenceDetected()" in capsys.readouterr().out


def test_an_absent_board_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('[coproc]\nport = "/dev/nonexistent-coproc"\n')
    assert kiosk(path, "info") == 1
    assert "CoprocPortError" in capsys.readouterr().err


def test_watchdog_settings_come_from_the_config(config: Path) -> None:
    settings = watchdog_settings(load(config).coproc)
    assert settings.enabled and settings.warn_after_s == 4.0 and settings.grace_s == 9.0
    assert settings.boot_grace_s == 120.0
