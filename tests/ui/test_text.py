"""Screen text: Thai wrapped only at word boundaries, shrunk to fit, shaped with the Thai script set."""

from __future__ import annotations

import pygame

from kiosk.text import break_points
from kiosk.ui.text import Text

LONG_TH = "เพื่อให้บริการนี้ ตู้จะอ่านข้อมูลจากบัตรประชาชนของท่าน และเปรียบเทียบใบหน้าของท่านกับรูปในบัตร"


def test_thai_lines_break_only_at_word_boundaries(text: Text) -> None:
    for width in (120, 200, 333, 500):
        lines = text.lines(LONG_TH, 24, width)
        assert len(lines) > 1
        assert "".join(lines).replace(" ", "") == LONG_TH.replace(" ", "")
        allowed = set(break_points(LONG_TH))
        pos = 0
        for line in lines[:-1]:
            pos = LONG_TH.index(line, pos) + len(line)
            while LONG_TH[pos] == " ":
                pos += 1
            if pos not in allowed:  # only a word wider than the whole line is cut (บัตรประชาชน at 120 px)
                start = max([0, *(b for b in allowed if b < pos)])
                end = min([len(LONG_TH), *(b for b in allowed if b > pos)])
                assert text.width(LONG_TH[start:end].strip(), 24) > width, (width, line)
        assert all(text.width(line, 24) <= width for line in lines if " " in line or len(line) > 6)


def test_fit_shrinks_large_text_only_down_to_the_normal_size(text: Text) -> None:
    box = pygame.Rect(0, 0, 300, 90)
    try:
        text.floor = 1 / 1.3
        size, _ = text.fit(LONG_TH, 40, box)
        assert 31 <= size < 40  # shrunk, but not below 40 / 1.3
        size, _ = text.fit("ก", 40, box)
        assert size == 40
    finally:
        text.floor = 1.0
    size, _lines = text.fit(LONG_TH, 40, box)
    assert size == 40  # normal-size text never shrinks: it wraps, and the screen pages what does not fit


def test_a_block_that_does_not_fit_leaves_out_lines_instead_of_drawing_past_its_box(text: Text) -> None:
    surface = pygame.Surface((400, 400))
    box = pygame.Rect(10, 10, 300, 90)
    text.drawn = []
    try:
        covered = text.block(surface, LONG_TH, box, 40, (0, 0, 0))
        assert box.contains(covered)
        assert text.drawn[-1][3] is False  # recorded as not fitting, for the layout check
    finally:
        text.drawn = None


def test_fonts_are_set_to_the_thai_script(text: Text) -> None:
    """Without the Thai script, HarfBuzz stacks sara am's ring onto the tone mark in น้ำ (seen in Garuda and Loma)."""
    shaped = text.font(40)
    unshaped = pygame.font.Font(str(text._files[0]), 40)
    for sample in ("น้ำ", "ทำน้ำ"):
        a = pygame.image.tobytes(shaped.render(sample, True, (0, 0, 0), (255, 255, 255)), "RGB")
        b = pygame.image.tobytes(unshaped.render(sample, True, (0, 0, 0), (255, 255, 255)), "RGB")
        assert a != b, sample
    assert text.font(40) is shaped, "fonts are cached, so the script is set once per size"


def test_every_catalogued_string_has_glyphs_in_the_font(text: Text) -> None:
    """A character the font lacks is drawn as an empty box: every UI string must be fully covered (Thai and English)."""
    from kiosk.ui.i18n import catalogue

    font = text.font(20)
    missing_box = font.metrics("\ue000")[0]  # a private-use code point: the font's "no glyph" box
    for lang in ("th", "en"):
        cat = catalogue(lang)
        messages = getattr(cat, "_catalog", {})
        assert messages, lang
        for msgstr in messages.values():
            for ch in str(msgstr):
                if not ch.isspace():
                    assert font.metrics(ch)[0] != missing_box, (lang, msgstr, ch)
