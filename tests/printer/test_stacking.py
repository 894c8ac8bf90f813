"""Thai stacking, measured: tone marks sit above upper vowels, below-vowels below the baseline, with raqm layout.

Each mark's ink is isolated by rendering a syllable with and without it at the same origin; its box is then compared
with the glyphs it must clear. The same checks against Pillow's basic layout (no shaping) show what they catch.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from kiosk.documents import Renderer
from kiosk.setup_check import find_font

BASELINE = 60


def ink(text: str, font: ImageFont.FreeTypeFont) -> NDArray[np.bool_]:
    img = Image.new("L", (200, 100), 255)
    shaped = font.layout_engine == ImageFont.Layout.RAQM
    ImageDraw.Draw(img).text((20, BASELINE), text, font=font, fill=0, anchor="ls", language="th" if shaped else None)
    return np.asarray(img) < 128


def rows(mask: NDArray[np.bool_]) -> tuple[int, int]:
    r = np.where(mask.any(axis=1))[0]
    assert r.size, "no ink"
    return int(r[0]), int(r[-1])


def tone_clears_vowel(syllable_without_tone: str, tone: str, font: ImageFont.FreeTypeFont) -> bool:
    """The tone mark's ink lies wholly above the upper vowel's ink (no collision)."""
    base = syllable_without_tone[0]
    plain, with_vowel = ink(base, font), ink(syllable_without_tone, font)
    full = ink(syllable_without_tone + tone, font)
    vowel_ink = with_vowel & ~plain
    tone_ink = full & ~with_vowel
    return rows(tone_ink)[1] < rows(vowel_ink)[0]


def below_vowel_under_baseline(syllable: str, font: ImageFont.FreeTypeFont) -> bool:
    mark_ink = ink(syllable, font) & ~ink(syllable[0], font)
    return rows(mark_ink)[0] >= BASELINE - 1


@pytest.fixture(scope="module", params=["Loma", "Garuda"])
def family(request: pytest.FixtureRequest) -> str:
    if find_font(request.param) is None:
        pytest.fail(f"TLWG font {request.param} missing")
    return str(request.param)


def fonts(family: str, size: int = 44) -> tuple[ImageFont.FreeTypeFont, ImageFont.FreeTypeFont]:
    path = str(find_font(family))
    return (
        ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.RAQM),
        ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC),
    )


@pytest.mark.parametrize(("syllable", "tone"), [("ที", "่"), ("ปี", "่"), ("ตั", "้"), ("ชื", "่")])
def test_tone_marks_stack_above_upper_vowels(family: str, syllable: str, tone: str) -> None:
    raqm, _ = fonts(family)
    assert tone_clears_vowel(syllable, tone, raqm)


@pytest.mark.parametrize("syllable", ["ผู", "พุ", "ฤุ", "ฎุ"])
def test_below_vowels_sit_under_the_baseline(family: str, syllable: str) -> None:
    raqm, _ = fonts(family)
    assert below_vowel_under_baseline(syllable, raqm)


def tone_bottom(base: str, middle: str, tone: str, font: ImageFont.FreeTypeFont) -> int:
    return rows(ink(base + middle + tone, font) & ~ink(base + middle, font))[1]


@pytest.mark.parametrize("base", ["ท", "ผ", "น"])
def test_tone_mark_sits_low_alone_and_high_over_an_upper_vowel(family: str, base: str) -> None:
    """ท่ keeps the tone close to the consonant; ที่ lifts it over the vowel. Basic layout cannot tell them apart."""
    raqm, basic = fonts(family)
    assert tone_bottom(base, "", "่", raqm) > tone_bottom(base, "ี", "่", raqm) + 2
    assert tone_bottom(base, "", "่", basic) == tone_bottom(base, "ี", "่", basic)


def ink_below_baseline(text: str, font: ImageFont.FreeTypeFont) -> int:
    return int(ink(text, font)[BASELINE + 1 :].sum())


@pytest.mark.parametrize(("with_descender", "without"), [("ญู", "นู"), ("ฐุ", "นุ")])
def test_descender_gives_way_to_a_below_vowel(family: str, with_descender: str, without: str) -> None:
    """ญ and ฐ drop their tails under ุ ู (a glyph substitution): below the baseline only the vowel remains."""
    raqm, basic = fonts(family)
    assert ink_below_baseline(with_descender, raqm) <= ink_below_baseline(without, raqm) * 1.15
    assert ink_below_baseline(with_descender, basic) > ink_below_baseline(without, basic) * 1.15


def test_printed_name_keeps_marks_inside_the_line(renderer: Renderer) -> None:
    """In the document font, the marks of 'ผู้ใหญ่บ้าน' stay inside the line box (not clipped by the next line)."""
    font = renderer.fonts.body
    ascent, descent = font.getmetrics()
    img = Image.new("L", (300, ascent + descent), 255)
    ImageDraw.Draw(img).text((0, 0), "ผู้ใหญ่บ้าน ปั้น กุ้ง", font=font, fill=0, language="th")
    top, bottom = rows(np.asarray(img) < 128)
    assert top > 0 and bottom < img.height - 1
