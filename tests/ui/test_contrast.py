"""High contrast: a toggle beside large text, a WCAG AAA palette for every text pair, reset for the next person."""

from __future__ import annotations

import pygame
import pytest

from kiosk.ui import events
from kiosk.ui import layout as C
from kiosk.ui.events import Tapped
from kiosk.ui.text import Text
from kiosk.ui.view import KioskView
from tests.ui.samples import SAMPLES


@pytest.mark.parametrize(("ink", "ground"), C.TEXT_PAIRS)
def test_every_text_pair_of_the_high_contrast_palette_is_at_least_7_to_1(ink: str, ground: str) -> None:
    p = C.HIGH_CONTRAST_PALETTE
    assert C.contrast_ratio(p[ink], p[ground]) >= 7.0, (ink, ground)


def test_the_contrast_ratio_is_the_wcag_one() -> None:
    assert C.contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert C.contrast_ratio((118, 118, 118), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)


def test_the_toggle_sits_beside_large_text_and_switches_the_palette_until_the_next_person(text: Text) -> None:
    surface = pygame.Surface((800, 480))
    view = KioskView(text, language="th")
    view.show("menu", SAMPLES["menu"])
    view.draw(surface)
    toggles = {h.event.action: h.rect for h in view.controls if h.event.action != "service"}
    assert events.HIGH_CONTRAST in toggles and events.LARGE_TEXT in toggles
    hc, lt = toggles[events.HIGH_CONTRAST], toggles[events.LARGE_TEXT]
    assert hc.top == lt.top and abs(hc.right - lt.left) < 40  # same row, next to each other
    normal_bg = surface.get_at((surface.get_width() // 2, surface.get_height() - 2))[:3]
    assert normal_bg == C.DEFAULT_PALETTE["BG"]

    ev = view.hit(hc.center)
    assert ev == Tapped(events.HIGH_CONTRAST, "on")
    view.apply(ev)
    view.draw(surface)
    assert surface.get_at((surface.get_width() // 2, surface.get_height() - 2))[:3] == C.HIGH_CONTRAST_PALETTE["BG"]
    assert C.DEFAULT_PALETTE["BG"] == C.BG  # the palette is switched only while the kiosk's frame is drawn
    assert view.hit(hc.center) == Tapped(events.HIGH_CONTRAST, "off")

    view.show("thank_you", {})
    assert view.high_contrast
    view.show("attract", {})
    assert not view.high_contrast  # the next person starts from the default


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_screen_draws_on_the_high_contrast_background(text: Text, name: str) -> None:
    surface = pygame.Surface((800, 480))
    view = KioskView(text, language="en", high_contrast=True)
    view.show(name, SAMPLES[name])
    view.draw(surface, now_s=0.25)
    pixels = pygame.surfarray.array3d(surface).reshape(-1, 3)
    default_bg = sum(1 for p in pixels[::97] if tuple(p) == C.DEFAULT_PALETTE["BG"])
    assert default_bg == 0, name
