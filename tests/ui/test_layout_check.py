"""The layout check: every screen × language × text size × contrast × panel size, and every drawn text must stay in
its box and on the screen, keep off the controls it is not part of, keep at least the normal size, and read as words.

Text that does not fit wraps, pages or scrolls; `Text` records text it had to cut (`fits` False) so it fails here.
"""

from __future__ import annotations

import itertools

import pygame
import pytest

from kiosk.ui.layout import Layout
from kiosk.ui.text import Text
from kiosk.ui.view import KioskView
from tests.ui.samples import SAMPLES
from tests.ui.test_words import problems

SIZES = [(800, 480), (1024, 600), (1280, 800)]
COMBINATIONS = list(itertools.product(("th", "en"), (False, True), (False, True), SIZES))


def check(text: Text, language: str, large: bool, hc: bool, size: tuple[int, int]) -> list[str]:
    surface = pygame.Surface(size)
    screen = surface.get_rect()
    least = Layout(screen, False).small_px  # the smallest normal-size text at this resolution
    view = KioskView(text, language=language, large_text=large, high_contrast=hc)
    found: list[str] = []
    stepped = {"journey": "thaid", "journey_step": 4, "journey_steps": 5}  # as every journey screen is drawn
    for (name, data), step in itertools.product(SAMPLES.items(), ({}, stepped)):
        view.show(name, {**data, **step})
        text.drawn = []
        try:
            view.draw(surface, now_s=0.25)
            drawn = text.drawn
        finally:
            text.drawn = None
        controls = [h.rect for h in view.controls]
        for s, rect, px, fits in drawn:
            where = f"{name}: {s[:40]!r}"
            if not fits:
                found.append(f"{where} does not fit its box")
            if not screen.contains(rect):
                found.append(f"{where} leaves the screen at {rect}")
            if px < least:
                found.append(f"{where} drawn at {px} px, below the normal {least} px")
            for c in controls:
                if rect.colliderect(c) and not c.inflate(2, 2).contains(rect):
                    found.append(f"{where} at {rect} runs over a control at {c}")
        found += [f"{name}: {p}" for p in problems(view.texts)]
    return found


@pytest.mark.parametrize(
    ("language", "large", "hc", "size"),
    COMBINATIONS,
    ids=[
        f"{lang}-{'large' if lg else 'normal'}-{'contrast' if hc else 'default'}-{w}x{h}"
        for lang, lg, hc, (w, h) in COMBINATIONS
    ],
)
def test_every_screen_fits(text: Text, language: str, large: bool, hc: bool, size: tuple[int, int]) -> None:
    found = check(text, language, large, hc, size)
    assert not found, "\n".join(found[:40])
