"""The scenario player: steps touch the screen and pull levers, expectations wait, failures are reported with a
screenshot. The journey here is a small test double so the player is tested on its own."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pytest
from PIL import Image

from kiosk.config import Config
from kiosk.runner import Runner, Tick
from kiosk.ui.events import Tapped
from kiosk.ui.port import ScreenPort
from simulator.rig import Rig
from simulator.scenarios.replay import ScenarioError, load, replay


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    r = Rig()
    r.start(("printer",))
    yield r
    r.stop()


def double(cfg: Config, runner: Runner, port: ScreenPort, **devices: object) -> Callable[[], None]:
    """attract -> language -> menu; "print" prints a page with a QR through the real driver; 30 s idle -> timed_out;
    "done" (on any ending screen) -> attract, as every journey ends."""
    from kiosk.drivers.printer.escpos import PrinterProfile, open_printer

    idle_since = [runner.clock.monotonic()]

    def on(event: object, now: float) -> None:
        if isinstance(event, Tapped):
            idle_since[0] = now
            if event.action == "start":
                port.show("language")
            elif event.action == "language":
                port.show("menu", {"services": ["extract"]})
            elif event.action == "service":
                port.show("extract_preview", {"document": "tr14_1", "rows": [{"field": "name", "value": "ทดสอบ"}]})
            elif event.action == "done":
                port.show("attract")
            elif event.action == "print":
                port.show("printing", {})
                runner.spawn("print", print_page)
        elif event == "printed":
            port.show("printed", {"document_no": "T-1"})
        elif isinstance(event, Tick) and now - idle_since[0] > 30 and port.history[-1] != "error":
            port.show("error", {"reason": "timed_out"})

    def print_page() -> object:
        printer = open_printer(cfg.printer.transport, baud=115200, profile=PrinterProfile(width_dots=384))
        try:
            printer.print_image(qr_page("T-1"))
        finally:
            printer.close()
        return "printed"

    runner.subscribe(on)
    return lambda: None


def qr_page(text: str, module: int = 4) -> Image.Image:
    """A 384-dot-wide page with `text` as a QR code in black on white (4 modules of quiet zone)."""
    import numpy as np

    from kiosk.documents.qr import qr_matrix

    dark = np.pad(np.kron(np.asarray(qr_matrix(text), dtype=bool), np.ones((module, module), dtype=bool)), 4 * module)
    page = np.full((dark.shape[0], 384), 255, dtype=np.uint8)
    page[:, : dark.shape[1]][dark] = 0
    return Image.fromarray(page).convert("1")


def write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "case.toml"
    p.write_text(body, encoding="utf-8")
    return p


def test_a_scenario_touches_through_to_a_printed_document(
    rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_ARTIFACTS", str(tmp_path / "out"))
    before = rig.documents_printed()
    path = write(
        tmp_path,
        f"""
name = "double"
[[step]]
tap = "start"
[[step]]
tap = "language"
value = "en"
[[step]]
expect_screen = "menu"
language = "en"
[[step]]
expect_text = "Certified extract"
[[step]]
tap = "service"
value = "extract"
[[step]]
tap = "print"
[[step]]
expect_printed = {before + 1}
[[step]]
expect_screen = "printed"
[[step]]
screenshot = "done"
[[step]]
tap = "done"
""",
    )
    result = replay(path, Config(), rig=rig, compose=double)
    assert result.passed, result.message
    assert result.screens[-5:] == ["menu", "extract_preview", "printing", "printed", "attract"]
    out = tmp_path / "out" / "scenarios" / "case"
    assert (out / "done.png").exists() and (out / "roll.png").exists()


def test_advancing_the_clock_reaches_deadlines_without_waiting(
    rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_ARTIFACTS", str(tmp_path / "out"))
    steps = '[[step]]\ntap = "start"\n[[step]]\nadvance_s = 31\n[[step]]\nexpect_text = "หมดเวลาการใช้งาน"\n'
    steps += '[[step]]\ntap = "done"\n'
    path = write(tmp_path, steps)
    result = replay(path, Config(), rig=rig, compose=double)
    assert result.passed, result.message


def test_a_failed_expectation_is_reported_with_a_screenshot(
    rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_ARTIFACTS", str(tmp_path / "out"))
    path = write(tmp_path, '[[step]]\ntap = "start"\n[[step]]\nexpect_screen = "menu"\ntimeout_s = 0.3\n')
    result = replay(path, Config(), rig=rig, compose=double)
    assert not result.passed
    assert result.steps_done == 1
    assert "'menu'" in result.message and "language" in result.message
    assert (tmp_path / "out" / "scenarios" / "case" / "failed.png").exists()


def test_touching_a_control_that_is_not_there_fails(rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_ARTIFACTS", str(tmp_path / "out"))
    path = write(tmp_path, '[[step]]\ntap = "print"\ntimeout_s = 0.2\n')
    result = replay(path, Config(), rig=rig, compose=double)
    assert not result.passed and "print" in result.message


@pytest.mark.parametrize(
    "body",
    ['[[step]]\ntap = "start"\ninsert_card = "x"\n', "[[step]]\nvalue = 1\n", 'nam = "typo"\n', "[[step\n"],
)
def test_malformed_scenarios_are_refused(tmp_path: Path, body: str) -> None:
    with pytest.raises(ScenarioError):
        load(write(tmp_path, body))
