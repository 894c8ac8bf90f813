"""The device panel: its buttons pull the rig's levers; a device the machine lacks shows why and cannot be used."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame
import pytest

from kiosk.ui.text import Text
from simulator.app import window_layout
from simulator.panel import Panel
from simulator.rig import Rig


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    pygame.display.init()
    pygame.font.init()
    r = Rig()
    r.start(("printer", "finger"))
    yield r
    r.stop()


def draw(panel: Panel) -> pygame.Surface:
    lay = window_layout(800, 480)
    surface = pygame.Surface(lay.size)
    panel.draw(surface, pygame.Rect(lay.panel), pygame.Rect(lay.camera))
    return surface


def press(panel: Panel, name: str) -> None:
    draw(panel)
    hit = next((h for h in panel.hits if h.name == name), None)
    assert hit is not None, f"no enabled button {name}: {[h.name for h in panel.hits]}"
    assert panel.click(hit.rect.center) == name


def test_printer_buttons_toggle_the_simulated_printer(rig: Rig) -> None:
    panel = Panel(rig, Text())
    press(panel, "printer:paper_out")
    assert rig.levers.paper_out and rig.printer is not None and rig.printer.status.paper_out
    press(panel, "printer:paper_out")
    assert not rig.levers.paper_out and not rig.printer.status.paper_out
    press(panel, "printer:cover_open")
    assert rig.printer.status.cover_open
    press(panel, "printer:cover_open")


def test_finger_buttons_place_the_selected_citizens_finger(rig: Rig) -> None:
    panel = Panel(rig, Text())
    press(panel, "citizen:ruethai")
    press(panel, "finger:worn")
    assert rig.levers.finger_on == "worn:ruethai"
    assert rig.sensor is not None and rig.sensor.finger_on == rig.citizen("ruethai").finger
    press(panel, "finger:lift")
    assert rig.sensor.finger_on is None
    press(panel, "finger:silent")
    assert rig.levers.sensor_silent
    press(panel, "finger:silent")
    assert not rig.levers.sensor_silent


def test_a_device_that_did_not_start_cannot_be_pressed(rig: Rig) -> None:
    panel = Panel(rig, Text())
    draw(panel)
    names = {h.name for h in panel.hits}
    assert "card:insert" not in names  # this rig was started without the card stack
    assert "card" in rig.missing


def test_the_camera_chooser_steps_through_photos_or_says_there_are_none(rig: Rig, tmp_path: Path) -> None:
    panel = Panel(rig, Text())
    if rig.photos:
        press(panel, "camera:next")
        assert rig.levers.photo == 0
        press(panel, "camera:none")
        assert rig.levers.photo == -1
    empty = Rig(faces_dir=tmp_path)
    p = Panel(empty, Text())
    draw(p)
    assert "camera:next" not in {h.name for h in p.hits}


def test_the_selected_citizens_id_and_an_officers_pin_are_on_the_panel(rig: Rig) -> None:
    """Defect 11: the officer PIN and the test IDs were only in a JSON file."""
    from kiosk.text.numbers import format_citizen_id

    panel = Panel(rig, Text())
    officer = next(c for c in rig.citizens if c.officer)
    press(panel, f"citizen:{officer.key}")
    assert panel.selected_details() == f"ID {format_citizen_id(officer.cid)} · officer PIN {officer.pin}"
    citizen = next(c for c in rig.citizens if not c.officer)
    press(panel, f"citizen:{citizen.key}")
    assert panel.selected_details() == f"ID {format_citizen_id(citizen.cid)}"


def test_every_panel_label_fits_its_button_at_the_normal_size(rig: Rig) -> None:
    text = Text()
    panel = Panel(rig, text)
    draw(panel)
    labels = [(h.name, h.rect) for h in panel.hits]
    assert labels
    for c in rig.citizens:
        label = c.key + (" *" if c.officer else "")
        rect = next(r for n, r in labels if n == f"citizen:{c.key}")
        assert text.width(label, 14) <= rect.width - 8, (label, rect)


def test_the_paper_roll_scrolls_back_to_older_prints(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    """Defect 11: the roll showed only its newest end."""
    from PIL import Image

    panel = Panel(rig, Text())
    tall = Image.new("L", (384, 20000), 255)
    monkeypatch.setattr(rig, "roll", lambda: tall)
    draw(panel)
    assert "roll:newer" not in {h.name for h in panel.hits}
    press(panel, "roll:older")
    assert panel.roll_back_px > 0
    press(panel, "roll:newer")
    assert panel.roll_back_px == 0


def test_every_panel_label_fits_its_button(rig: Rig) -> None:
    """'Pull mid-read' was cut to 'Pull' once kiosk text stopped shrinking: the panel's own labels may shrink."""
    text = Text()
    panel = Panel(rig, text)
    text.drawn = []
    try:
        draw(panel)
        cut = [s for s, _rect, _px, fits in text.drawn if not fits]
    finally:
        text.drawn = None
    assert cut == []
