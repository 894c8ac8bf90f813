"""Shaped text on screen: TLWG fonts with the Thai script set, cached glyph runs, wrapped and fitted text blocks."""

from __future__ import annotations

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

    def fit(
        self, s: str, size_px: int, rect: pygame.Rect, bold: bool = False, min_px: int = 12
    ) -> tuple[int, list[str]]:
        """The largest size <= `size_px` at which `s`, wrapped to the rect's width, fits its height."""
        size = size_px
        while True:
            lines = self.lines(s, size, rect.width, bold)
            if size <= min_px or len(lines) * self.line_height(size, bold) <= rect.height:
                return size, lines
            size = max(min_px, int(size * 0.9))

    def label(
        self, surface: pygame.Surface, s: str, rect: pygame.Rect, size_px: int, color: Color, *, bold: bool = False
    ) -> pygame.Rect:
        """One line, shrunk until it fits the rect's width (for field labels that must not wrap)."""
        if self.journal is not None:
            self.journal.append(s)
        size = size_px
        while size > 10 and self.width(s, size, bold) > rect.width:
            size = max(10, int(size * 0.92))
        run = self.run(s, size, color, bold)
        surface.blit(run, rect.topleft)
        return pygame.Rect(rect.left, rect.top, run.get_width(), self.line_height(size, bold))

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
        """Draw `s` wrapped into `rect` (shrunk to fit); returns the area actually covered."""
        if self.journal is not None:
            self.journal.append(s)
        size, lines = self.fit(s, size_px, rect, bold)
        lh = self.line_height(size, bold)
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
        return covered
