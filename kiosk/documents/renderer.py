"""Documents to 1-bit rasters of the paper's width: Thai shaped by raqm in TLWG fonts, the QR seal drawn last.

The same image is sent to the printer (`GS v 0`), shown on the screen as a preview and kept by the simulator.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont, features

from kiosk.documents import qr
from kiosk.documents.blocks import Banner, Block, Field, Flow, Gap, Rule, Seal, Text
from kiosk.documents.layout import DASH, layout
from kiosk.documents.model import Document
from kiosk.errors import KioskError
from kiosk.setup_check import find_font
from kiosk.text.wrap import wrap

WHITE = 255
BLACK = 0
INK_THRESHOLD = 128  # grey coverage from anti-aliased glyph edges at or below this value becomes a dot
TO_DOTS = [WHITE if v > INK_THRESHOLD else BLACK for v in range(256)]  # grey level -> paper, as a lookup table
QR_QUIET_MODULES = 4
QR_MIN_SYMBOL_DOTS = 160  # 20 mm: a short code (a booking reference) gets larger modules, for the counter's scanner
GLYPH_CACHE_LINES = 512
FLOW_PITCH_SAMPLE = "ญู ฐู ปั้น ฎีกา กุ้ง ฤๅ Ågj|"  # the highest and lowest ink Thai and Latin text reach
FLOW_LINE_GAP_DOTS = 4  # shaped lines kept per renderer (a document has about 50)


class DocumentError(KioskError):
    """A document cannot be rendered."""


class TextLayoutUnavailable(DocumentError):
    """Pillow has no raqm layout (libfribidi0 missing): Thai marks would collide, so nothing is printed."""


class FontMissing(DocumentError):
    """The TLWG font for this paper width is not installed (fonts-tlwg-loma-ttf / fonts-tlwg-garuda-ttf)."""


class SealTooLarge(DocumentError):
    """The seal does not fit across the paper with whole modules of at least `min_module_dots`."""


@dataclass(frozen=True)
class TypeScale:
    """Sizes in printer dots (203 dpi: 8 dots per mm)."""

    family: str
    small_px: int
    body_px: int
    title_px: int
    margin_dots: int
    line_gap_dots: int
    label_fraction: float = 0.38
    min_module_dots: int = 2
    # 2 dots = 0.25 mm at 203 dpi: the smallest whole module; zxing-cpp reads it from the printed roll
    # (tests/printer/test_forms.py). Larger modules only lengthen the paper and the wire: at 3 dots the seal of an
    # extract is a quarter of the document's bytes. Whether a phone camera reads 0.25 mm modules on thermal paper
    # was not checked here (no camera): a printer profile that needs more sets 3.
    max_module_dots: int = 2


def type_scale(width_dots: int) -> TypeScale:
    """Loma for 58 mm paper (384 dots), Garuda for 80 mm (576 dots); sizes scale with the width."""
    if width_dots < 480:
        return TypeScale("Loma", small_px=19, body_px=22, title_px=28, margin_dots=8, line_gap_dots=2)
    return TypeScale("Garuda", small_px=22, body_px=26, title_px=34, margin_dots=16, line_gap_dots=0)


def require_raqm() -> None:
    if not features.check("raqm"):
        raise TextLayoutUnavailable("Pillow cannot lay out Thai (raqm missing): install libfribidi0")


@dataclass(frozen=True)
class _Fonts:
    small: ImageFont.FreeTypeFont
    body: ImageFont.FreeTypeFont
    body_bold: ImageFont.FreeTypeFont
    title: ImageFont.FreeTypeFont


def _load(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)


def _font_path(family: str, style: str = "") -> Path:
    path = find_font(family, style)
    if path is None:
        raise FontMissing(f"TLWG font {family} {style} not installed")
    return path


def qr_matrix(payload: str) -> NDArray[np.bool_]:
    """The QR symbol of `payload` with error correction Q, True = dark module, without quiet zone."""
    try:
        return qr.qr_matrix(payload)
    except qr.QrTooLarge as e:
        raise SealTooLarge(f"a {len(payload)}-character seal does not fit any QR version at level Q") from e


class Renderer:
    """Lays out and draws documents for one paper width. Checks raqm and the fonts when built."""

    def __init__(self, width_dots: int, scale: TypeScale | None = None) -> None:
        require_raqm()
        if width_dots % 8 or width_dots < 128:
            raise DocumentError(f"width_dots must be a multiple of 8 and at least 128, not {width_dots}")
        self.width_dots = width_dots
        self.scale = scale or type_scale(width_dots)
        regular, bold = _font_path(self.scale.family), _font_path(self.scale.family, "Bold")
        self.fonts = _Fonts(
            small=_load(regular, self.scale.small_px),
            body=_load(regular, self.scale.body_px),
            body_bold=_load(bold, self.scale.body_px),
            title=_load(bold, self.scale.title_px),
        )
        self.content_dots = width_dots - 2 * self.scale.margin_dots
        self._glyph_cache: dict[tuple[str, int], tuple[Any, tuple[int, int]]] = {}
        self._pitch = self._flow_pitch()

    # -- public -------------------------------------------------------------------------------------------------

    def render(self, doc: Document) -> Image.Image:
        """`doc` as a 1-bit image (mode '1', white = paper) `width_dots` wide."""
        return self.render_blocks(layout(doc))

    def render_png(self, doc: Document) -> bytes:
        buf = io.BytesIO()
        self.render(doc).save(buf, format="PNG")
        return buf.getvalue()

    def render_blocks(self, blocks: list[Block]) -> Image.Image:
        strips = list(self.strips_of_blocks(blocks))
        page = Image.new("1", (self.width_dots, sum(s.height for s in strips)), 1)
        y = 0
        for strip in strips:
            page.paste(strip, (0, y))
            y += strip.height
        return page

    def strips(self, doc: Document) -> Iterator[Image.Image]:
        """`render(doc)` cut into strips (1-bit, full width, top to bottom), each drawn only when asked for: the
        printer sends the first bands while later blocks are still to be drawn."""
        return self.strips_of_blocks(layout(doc))

    def strips_of_blocks(self, blocks: list[Block]) -> Iterator[Image.Image]:
        top = self.scale.margin_dots // 2
        yield self._strip(Image.new("L", (self.width_dots, top), WHITE))
        for block in blocks:
            part = self._block(block)
            if part.height:
                yield self._strip(part)
        yield self._strip(Image.new("L", (self.width_dots, self.scale.margin_dots - top), WHITE))

    def _strip(self, part: Image.Image) -> Image.Image:
        strip = Image.new("L", (self.width_dots, part.height), WHITE)
        strip.paste(part, (0, 0))
        return strip.point(TO_DOTS, mode="1")

    # -- blocks -------------------------------------------------------------------------------------------------

    def _block(self, block: Block) -> Image.Image:
        match block:
            case Text():
                return self._text(block)
            case Field():
                return self._field(block)
            case Flow():
                return self._flow(block)
            case Banner():
                return self._banner(block)
            case Rule():
                return self._rule()
            case Gap(lines=lines):
                return Image.new("L", (self.width_dots, int(lines * self._line_h(self.fonts.body))), WHITE)
            case Seal(payload=payload):
                return self._seal(payload)
        raise TypeError(f"unknown block {block!r}")

    def _font(self, size: str, bold: bool) -> ImageFont.FreeTypeFont:
        if size == "title":
            return self.fonts.title
        if size == "small":
            return self.fonts.small
        return self.fonts.body_bold if bold else self.fonts.body

    def _line_h(self, font: ImageFont.FreeTypeFont) -> int:
        ascent, descent = font.getmetrics()
        return ascent + descent + self.scale.line_gap_dots

    def _draw_lines(
        self,
        img: Image.Image,
        lines: list[str],
        font: ImageFont.FreeTypeFont,
        x: int,
        y: int,
        width: int,
        *,
        center: bool = False,
        fill: int = BLACK,
    ) -> None:
        draw = ImageDraw.Draw(img)
        for line in lines:
            dx = (width - int(font.getlength(line, language="th"))) // 2 if center else 0
            mask, (ox, oy) = self._glyphs(line, font)
            draw.draw.draw_bitmap((x + max(dx, 0) + ox, y + oy), mask, fill)  # as ImageDraw.text draws it
            y += self._line_h(font)

    def _glyphs(self, line: str, font: ImageFont.FreeTypeFont) -> tuple[Any, tuple[int, int]]:
        """A line shaped and rasterised once: labels, notes and the kiosk's own words recur on every document."""
        key = (line, id(font))
        hit = self._glyph_cache.pop(key, None)
        if hit is None:
            hit = font.getmask2(line, "L", None, None, "th", 0, "la", 0, (0.0, 0.0), stroke_filled=True)
            if len(self._glyph_cache) >= GLYPH_CACHE_LINES:
                del self._glyph_cache[next(iter(self._glyph_cache))]
        self._glyph_cache[key] = hit  # most recently used last
        return hit

    def _text(self, block: Text) -> Image.Image:
        font = self._font(block.size, block.bold)
        lines = wrap(block.text, font, self.content_dots)
        img = Image.new("L", (self.width_dots, len(lines) * self._line_h(font)), WHITE)
        m = self.scale.margin_dots
        self._draw_lines(img, lines, font, m, 0, self.content_dots, center=block.align == "center")
        return img

    def _value_font(self, block: Field) -> ImageFont.FreeTypeFont:
        return self.fonts.body_bold if block.bold else self.fonts.body

    def _label_w(self) -> int:
        return int(self.content_dots * self.scale.label_fraction)

    def value_lines(self, block: Field) -> tuple[list[str], bool]:
        """The lines of a field's value, and whether they stand under the label (a `whole` value too long for its
        column). A `whole` value wider than the paper is refused, never broken."""
        font, value = self._value_font(block), block.value.strip() or DASH  # an unknown value shows as a dash
        value_w = self.content_dots - self._label_w() - self.scale.margin_dots
        if not block.whole:
            return wrap(value, font, value_w), False
        width = font.getlength(value, language="th")
        if width > self.content_dots:
            raise DocumentError(f"{block.label}: {value!r} is wider than the paper and may not be broken")
        return [value], width > value_w

    def _field(self, block: Field) -> Image.Image:
        label_font, value_font = self.fonts.small, self._value_font(block)
        label_w = self._label_w()
        gap = self.scale.margin_dots
        value_w = self.content_dots - label_w - gap
        value_lines, under = self.value_lines(block)
        if under:
            return self._stacked_field(block, value_lines)
        label_lines = wrap(block.label, label_font, label_w)
        # align the first baselines of the label and the value
        label_dy = value_font.getmetrics()[0] - label_font.getmetrics()[0]
        height = max(
            label_dy + len(label_lines) * self._line_h(label_font), len(value_lines) * self._line_h(value_font)
        )
        img = Image.new("L", (self.width_dots, height), WHITE)
        m = self.scale.margin_dots
        self._draw_lines(img, label_lines, label_font, m, label_dy, label_w)
        self._draw_lines(img, value_lines, value_font, m + label_w + gap, 0, value_w)
        return img

    def _flow(self, block: Flow) -> Image.Image:
        """Fields as running lines: label (small) then value; each field at the middle of the line or just after its
        left neighbour where it fits whole, else at the start of the next line. A value too long to
        follow its label goes under it, indented, whole when it fits a line, else wrapped there."""
        label_font, gap = self.fonts.small, self.scale.margin_dots
        width, half, indent = self.content_dots, self.content_dots // 2, 2 * self.scale.margin_dots
        line_h = self._pitch
        label_dy = self.fonts.body.getmetrics()[0] - label_font.getmetrics()[0]
        draws: list[tuple[ImageFont.FreeTypeFont, list[str], int, int, int]] = []  # font, lines, x, line, width
        x, line = 0, 0  # x: where the current line's ink ends (0: the line is empty)
        for f in block.fields:
            font, value = self._value_font(f), f.value.strip() or DASH
            label_w = int(label_font.getlength(f.label, language="th")) + 1
            value_w = int(font.getlength(value, language="th"))
            need = label_w + gap + value_w
            stop = 0
            if x > 0:  # at the middle if it fits there, else just after its neighbour, else on the next line
                stop = next((at for at in (max(half, x + 2 * gap), x + 2 * gap) if at + need <= width), 0)
                line += 0 if stop else 1
            draws.append((label_font, [f.label], stop, line, label_w))
            if stop + need <= width:
                draws.append((font, [value], stop + label_w + gap, line, value_w + 1))
                x = stop + need
                continue
            if f.whole or value_w <= width - indent:  # whole, under its label
                if value_w > width - indent:
                    raise DocumentError(f"{f.label}: {value!r} is wider than the paper and may not be broken")
                draws.append((font, [value], indent, line + 1, width - indent))
                line, x = line + 2, 0
                continue
            after = width - stop - label_w - gap  # as much as fits after the label, the rest under it
            first = wrap(value, font, after)[0] if after > 0 else ""
            if not value.startswith(first) or font.getlength(first, language="th") > after:
                first = ""
            rest = wrap(value[len(first) :].strip(), font, width - indent)
            if first:
                draws.append((font, [first], stop + label_w + gap, line, after))
            draws.append((font, rest, indent, line + 1, width - indent))
            line, x = line + 1 + len(rest), 0
        lines_used = line + (1 if x > 0 else 0)
        img = Image.new("L", (self.width_dots, lines_used * line_h), WHITE)
        m = self.scale.margin_dots
        for font, lines, at, row, w in draws:
            dy = label_dy if font is label_font else 0
            self._draw_lines(img, lines, font, m + at, row * line_h + dy, w)
        return img

    def _flow_pitch(self) -> int:
        """A Flow's line pitch: the ink height of the tallest Thai stack (a below vowel under ญ, a tone mark over an
        upper vowel) plus a few dots, tighter than the font's ascent + descent, which reserve room no glyph uses."""
        top, bottom = self.fonts.body_bold.getbbox(FLOW_PITCH_SAMPLE, language="th")[1::2]
        top_r, bottom_r = self.fonts.body.getbbox(FLOW_PITCH_SAMPLE, language="th")[1::2]
        return int(max(bottom, bottom_r) - min(top, top_r)) + FLOW_LINE_GAP_DOTS

    def _stacked_field(self, block: Field, value_lines: list[str]) -> Image.Image:
        label_font, value_font = self.fonts.small, self._value_font(block)
        label_lines = wrap(block.label, label_font, self.content_dots)
        label_h = len(label_lines) * self._line_h(label_font)
        img = Image.new("L", (self.width_dots, label_h + len(value_lines) * self._line_h(value_font)), WHITE)
        m = self.scale.margin_dots
        self._draw_lines(img, label_lines, label_font, m, 0, self.content_dots)
        self._draw_lines(img, value_lines, value_font, m, label_h, self.content_dots)
        return img

    def _banner(self, block: Banner) -> Image.Image:
        font = self.fonts.title
        lines = wrap(block.text, font, self.content_dots)
        pad = self.scale.margin_dots // 2
        img = Image.new("L", (self.width_dots, len(lines) * self._line_h(font) + 2 * pad), BLACK)
        self._draw_lines(img, lines, font, self.scale.margin_dots, pad, self.content_dots, center=True, fill=WHITE)
        return img

    def _rule(self) -> Image.Image:
        h = self._line_h(self.fonts.small) // 2
        img = Image.new("L", (self.width_dots, h), WHITE)
        ImageDraw.Draw(img).rectangle(
            (self.scale.margin_dots, h // 2 - 1, self.width_dots - self.scale.margin_dots, h // 2), fill=BLACK
        )
        return img

    def qr_module_dots(self, modules: int) -> int:
        """The module size: `max_module_dots`, larger for a symbol under 20 mm, and never wider than the paper."""
        wanted = max(self.scale.max_module_dots, -(-QR_MIN_SYMBOL_DOTS // modules))  # a small symbol stays 20 mm
        module = min(wanted, self.width_dots // (modules + 2 * QR_QUIET_MODULES))
        if module < self.scale.min_module_dots:
            raise SealTooLarge(f"a {modules}-module QR does not fit {self.width_dots} dots")
        return module

    def _seal(self, payload: str) -> Image.Image:
        matrix = qr_matrix(payload)
        module = self.qr_module_dots(matrix.shape[0])
        symbol = np.kron(matrix, np.ones((module, module), dtype=bool))
        quiet = QR_QUIET_MODULES * module
        side = symbol.shape[0]
        img = Image.new("L", (self.width_dots, side + 2 * quiet), WHITE)
        x = self.scale.margin_dots + quiet  # at the left: raster rows end at their last dot, so a centred
        # symbol would send its blank left half on every row
        img.paste(Image.fromarray(np.where(symbol, BLACK, WHITE).astype(np.uint8), mode="L"), (x, quiet))
        return img


def render(doc: Document, width_dots: int) -> Image.Image:
    """Convenience: `Renderer(width_dots).render(doc)` (build a Renderer once where documents are frequent)."""
    return Renderer(width_dots).render(doc)


def render_png(doc: Document, width_dots: int) -> bytes:
    return Renderer(width_dots).render_png(doc)
