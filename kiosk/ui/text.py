"""Shaped text on screen: TLWG fonts with the Thai script set, cached glyph runs, wrapped and fitted text blocks."""

from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path
from typing import Literal

import pygame

from kiosk.errors import KioskError
from kiosk.setup_check import find_font
from kiosk.text import wrap

Color = tuple[int, int, int]
Align = Literal["left", "center", "right"]


class FontMissing(KioskError):
    """No TLWG font is installed: Thai cannot be drawn correctly, so the screen refuses to start."""


def font_files(family: str) -> tuple[Path, Path]:
    """Regular and bold files of `family`, falling back to Garuda then Loma (both shape Thai correctly)."""
    for fam in (family, "Garuda", "Loma"):
        regular = find_font(fam)
        if regular is not None:
            return regular, find_font(fam, "Bold") or regular
    raise FontMissing(f"no Thai font found for {family!r}: install fonts-tlwg-garuda-ttf")


class Text:
    """Fonts by (size, weight) and rendered runs by content; both cached so a steady screen costs only blits."""

    def __init__(self, family: str = "Garuda", *, cache_size: int = 512) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self._files = font_files(family)
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}
        self._runs: OrderedDict[tuple[str, int, bool, Color], pygame.Surface] = OrderedDict()
        self._cache_size = cache_size
        self.journal: list[str] | None = None  # when a list, every label and block drawn is appended (tests, scenarios)
        # Text may shrink to fit only down to this fraction of the size asked for: the view sets 1/LARGE_TEXT_FACTOR
        # with large text (never below the normal size) and 1.0 otherwise (never below the normal size either).
        self.floor = 1.0
        # When a list, every drawn text as (text, covered rect, size px, fits): the layout check reads it.
        self.drawn: list[tuple[str, pygame.Rect, int, bool]] | None = None

    def font(self, size_px: int, bold: bool = False) -> pygame.font.Font:
        key = (max(6, size_px), bold)
        f = self._fonts.get(key)
        if f is None:
            f = pygame.font.Font(str(self._files[1] if bold else self._files[0]), key[0])
            f.set_script("Thai")  # HarfBuzz places above/below marks only with the script set
            self._fonts[key] = f
        return f

    def width(self, s: str, size_px: int, bold: bool = False) -> int:
        return int(self.font(size_px, bold).size(s)[0])

    def line_height(self, size_px: int, bold: bool = False) -> int:
        return int(self.font(size_px, bold).get_linesize())

    def run(self, s: str, size_px: int, color: Color, bold: bool = False) -> pygame.Surface:
        key = (s, size_px, bold, color)
        surf = self._runs.get(key)
        if surf is not None:
            self._runs.move_to_end(key)
            return surf
        surf = self.font(size_px, bold).render(s, True, color)
        self._runs[key] = surf
        if len(self._runs) > self._cache_size:
            self._runs.popitem(last=False)
        return surf

    def lines(self, s: str, size_px: int, width_px: int, bold: bool = False) -> list[str]:
        return wrap(s, lambda t: self.width(t, size_px, bold), width_px)

    def floor_px(self, size_px: int) -> int:
        """The smallest size text asked for at `size_px` may shrink to."""
        return min(size_px, math.ceil(size_px * self.floor - 1e-6))

    def fit(
        self, s: str, size_px: int, rect: pygame.Rect, bold: bool = False, min_px: int | None = None
    ) -> tuple[int, list[str]]:
        """The largest size <= `size_px` (and >= the floor) at which `s`, wrapped to the rect's width, fits its height.

        At the floor the lines may still be taller than the rect: callers that can page (`pages`) do so.
        """
        min_px = self.floor_px(size_px) if min_px is None else max(min_px, self.floor_px(size_px))
        size = size_px
        while True:
            lines = self.lines(s, size, rect.width, bold)
            if size <= min_px or len(lines) * self.line_height(size, bold) <= rect.height:
                return size, lines
            size = max(min_px, int(size * 0.9))

    def label(
        self, surface: pygame.Surface, s: str, rect: pygame.Rect, size_px: int, color: Color, *, bold: bool = False
    ) -> pygame.Rect:
        """One line, shrunk (not below the floor) until it fits the rect's width, for field labels that must not wrap.

        A label still too wide at the floor is clipped to its rect and recorded as not fitting."""
        if self.journal is not None:
            self.journal.append(s)
        size = size_px
        least = self.floor_px(size_px)
        while size > least and self.width(s, size, bold) > rect.width:
            size = max(least, int(size * 0.92))
        run = self.run(s, size, color, bold)
        clip = surface.get_clip()
        surface.set_clip(rect.clip(clip) if clip else rect)
        surface.blit(run, rect.topleft)
        surface.set_clip(clip)
        covered = pygame.Rect(rect.left, rect.top, run.get_width(), self.line_height(size, bold))
        if self.drawn is not None:
            self.drawn.append((s, covered.clip(rect) if rect.height else covered, size, run.get_width() <= rect.width))
        return covered

    def block(
        self,
        surface: pygame.Surface,
        s: str,
        rect: pygame.Rect,
        size_px: int,
        color: Color,
        *,
        bold: bool = False,
        align: Align = "left",
        valign: Literal["top", "middle"] = "top",
    ) -> pygame.Rect:
        """Draw `s` wrapped into `rect` (shrunk to fit, not below the floor); returns the area actually covered.

        Lines that do not fit the rect even at the floor are not drawn over what lies below: they are left out and
        the text is recorded as not fitting (screens with long text page it instead, see `pages`)."""
        if self.journal is not None:
            self.journal.append(s)
        size, lines = self.fit(s, size_px, rect, bold)
        lh = self.line_height(size, bold)
        # A line box is taller than the glyphs (Garuda leaves room for stacked marks): one line fits a box of 3/4 its
        # height, as a header title or a button label does.
        room = max(1 if rect.height * 4 >= lh * 3 else 0, rect.height // lh) if lh else len(lines)
        fits = len(lines) <= room and all(self.width(line, size, bold) <= rect.width for line in lines)
        lines = lines[:room]
        y = rect.top
        if valign == "middle":
            y = rect.top + max(0, (rect.height - lh * len(lines)) // 2)
        covered = pygame.Rect(rect.left, y, 0, 0)
        for line in lines:
            run = self.run(line, size, color, bold)
            x = rect.left
            if align == "center":
                x = rect.centerx - run.get_width() // 2
            elif align == "right":
                x = rect.right - run.get_width()
            surface.blit(run, (x, y))
            covered.union_ip(pygame.Rect(x, y, run.get_width(), lh))
            y += lh
        if self.drawn is not None:
            self.drawn.append((s, covered, size, fits))
        return covered

    def pages(self, paragraphs: list[tuple[str, int, bool]], width_px: int, height_px: int, gap_px: int) -> list[int]:
        """Split (text, size, bold) paragraphs, wrapped at full size, into pages of `height_px`; returns the index of
        each page's first paragraph. A paragraph taller than a page gets a page of its own."""
        starts = [0]
        used = 0
        for i, (s, size, bold) in enumerate(paragraphs):
            h = len(self.lines(s, size, width_px, bold)) * self.line_height(size, bold)
            if used and used + h > height_px:
                starts.append(i)
                used = 0
            used += h + gap_px
        return starts
