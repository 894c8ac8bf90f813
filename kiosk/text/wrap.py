"""Line breaking measured with a Pillow font: only at Thai word boundaries (thaibreak with the kiosk's word list) or
after spaces."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from itertools import pairwise

import thaibreak
from PIL import ImageFont

from kiosk.text.words import glued

THAI_FIRST = "\u0e01"
THAI_LAST = "\u0e5b"
LEADING_VOWELS = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44")  # เ แ โ ใ ไ: written before their consonant
TRAILING_SPACING = frozenset("\u0e33\u0e45")  # sara am, lakkhangyao: spacing, yet part of the preceding syllable
NO_BREAK_SPACES = frozenset("\u00a0\u202f")  # callers glue '14:05 น.' or '15 นาที' with these


# A Pillow font (measured with its own layout engine, raqm for Thai) or any text -> width_px function,
# e.g. `lambda s: pygame_font.size(s)[0]` for the screen.
MeasuringFont = ImageFont.FreeTypeFont | Callable[[str], float]


def is_thai(ch: str) -> bool:
    return THAI_FIRST <= ch <= THAI_LAST


def break_points(text: str) -> list[int]:
    """Indices where a line may break: after whitespace (not a no-break space), or between two Thai words.

    Not inside a kiosk word or a prefixed place name (`kiosk.text.words`): หน้าจอ, บัตรประชาชน, เขตพญาไท.
    A boundary inside a run of digits and punctuation ("ท.ร.14/1", "123/4", "1-2345-67890-12-3") is not a break point.
    """
    out: list[int] = []
    inside = glued(text)
    for i in thaibreak.boundaries(text)[1:-1]:
        if i in inside:
            continue
        before, after = text[i - 1], text[i]
        after_space = before.isspace() and before not in NO_BREAK_SPACES and not after.isspace()
        if after_space or (is_thai(before) and is_thai(after)):
            out.append(i)
    return out


def clusters(text: str) -> list[str]:
    """`text` cut into units that are never split: a base with its marks, a leading vowel with its consonant."""
    out: list[str] = []
    for ch in text:
        joins = out and (
            unicodedata.category(ch) in ("Mn", "Me") or ch in TRAILING_SPACING or out[-1][-1] in LEADING_VOWELS
        )
        if joins:
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _pieces(paragraph: str) -> Iterator[str]:
    start = 0
    for i in break_points(paragraph):
        yield paragraph[start:i]
        start = i
    yield paragraph[start:]


def _width(font: MeasuringFont, text: str) -> float:
    if not text:
        return 0.0
    if isinstance(font, ImageFont.FreeTypeFont):
        return font.getlength(text, language="th")
    return font(text)


def _split_long(piece: str, font: MeasuringFont, max_width_px: float) -> list[str]:
    """A single word wider than the line: a kiosk compound (บัตรประชาชน) is cut at its dictionary parts
    first; only a part still wider than the line is cut between clusters, never inside one."""
    parts = [piece[start:end] for start, end in pairwise(thaibreak.boundaries(piece))]
    lines: list[str] = []
    current = ""
    for part in parts or [piece]:
        if _width(font, current + part) <= max_width_px:
            current += part
            continue
        if current:
            lines.append(current)
        current = part
        if _width(font, current) > max_width_px:
            *whole, current = _split_clusters(current, font, max_width_px)
            lines.extend(whole)
    if current:
        lines.append(current)
    return lines


def _split_clusters(piece: str, font: MeasuringFont, max_width_px: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for cl in clusters(piece):
        if current and _width(font, current + cl) > max_width_px:
            lines.append(current)
            current = cl
        else:
            current += cl
    if current:
        lines.append(current)
    return lines


def _wrap_paragraph(paragraph: str, font: MeasuringFont, max_width_px: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for piece in _pieces(paragraph):
        candidate = current + piece
        if _width(font, candidate.rstrip()) <= max_width_px:
            current = candidate
            continue
        if current.strip():
            lines.append(current.rstrip())
        current = piece.lstrip() if lines else piece
        if _width(font, current.rstrip()) > max_width_px:
            *whole, current = _split_long(current.rstrip(), font, max_width_px)
            lines.extend(whole)
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def wrap(text: str, font: MeasuringFont, max_width_px: float) -> list[str]:
    """`text` as lines no wider than `max_width_px` in `font`, broken at word boundaries; '\\n' forces a break.

    A word wider than a whole line is cut between grapheme clusters (never between a base and its marks).
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph, font, max_width_px))
    return lines
