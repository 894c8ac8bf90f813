"""Golden screenshots of key screens in Thai and English (reviewed by eye for Thai mark placement when accepted).

A mismatch saves the screen and a difference image under artifacts/ui/. After a deliberate change, regenerate with
`KIOSK_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/ui/test_golden.py` and look at every changed PNG.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pygame
import pytest

from kiosk.ui.text import Text
from kiosk.ui.view import KioskView
from tests.ui.samples import SAMPLES

GOLDEN = Path(__file__).resolve().parent / "golden"
KEY_SCREENS = [
    "attract",
    "menu",
    "consent",
    "card_data",
    "face_capture",
    "passcode",
    "activation_qr",
    "extract_preview",
    "booking_calendar",
    "error",
]
CASES = [(name, lang, (800, 480), False, False) for name in KEY_SCREENS for lang in ("th", "en")] + [
    ("card_data", "th", (1280, 800), True, False),
    ("menu", "th", (1024, 600), True, False),
    # large text and high contrast on the key screens: the menu, a consent, a record, a result
    *[
        (name, lang, (800, 480), large, hc)
        for name in ("menu", "consent", "card_data", "error")
        for lang in ("th", "en")
        for large, hc in ((True, False), (False, True), (True, True))
    ],
]
MAX_DIFFERENT_PIXELS = 0.002  # font hinting may move a few edge pixels between FreeType builds, not a glyph


def render(text: Text, name: str, lang: str, size: tuple[int, int], large: bool, hc: bool) -> pygame.Surface:
    surface = pygame.Surface(size)
    view = KioskView(text, language=lang, large_text=large, high_contrast=hc)
    view.show(name, SAMPLES[name])
    view.draw(surface, now_s=0.25)
    return surface


@pytest.mark.parametrize(("name", "lang", "size", "large", "hc"), CASES, ids=lambda v: str(v))
def test_screen_matches_golden(
    text: Text, shots: Path, name: str, lang: str, size: tuple[int, int], large: bool, hc: bool
) -> None:
    stem = f"{name}-{lang}-{size[0]}x{size[1]}{'-large' if large else ''}{'-contrast' if hc else ''}"
    got = render(text, name, lang, size, large, hc)
    golden = GOLDEN / f"{stem}.png"
    if os.environ.get("KIOSK_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        pygame.image.save(got, str(golden))
        return
    assert golden.exists(), f"no golden {golden.name}: generate with KIOSK_UPDATE_GOLDEN=1"
    want = pygame.image.load(str(golden))
    a = pygame.surfarray.array3d(got).astype(np.int16)
    b = pygame.surfarray.array3d(want).astype(np.int16)
    assert a.shape == b.shape
    differ = np.any(np.abs(a - b) > 48, axis=-1)
    if differ.mean() > MAX_DIFFERENT_PIXELS:
        pygame.image.save(got, str(shots / f"{stem}.actual.png"))
        diff = np.zeros_like(a)
        diff[differ] = (255, 0, 0)
        pygame.image.save(pygame.surfarray.make_surface(diff.astype(np.uint8)), str(shots / f"{stem}.diff.png"))
        pytest.fail(f"{stem}: {differ.mean():.2%} of pixels differ (saved to {shots})")
