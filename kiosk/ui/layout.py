"""Sizes and colours that scale one 800×480 design to any kiosk panel (1024×600, 1280×800, …) and to large text."""

from __future__ import annotations

from dataclasses import dataclass

import pygame

DESIGN_W, DESIGN_H = 800, 480
LARGE_TEXT_FACTOR = 1.3

Color = tuple[int, int, int]

# The default palette. Screens read these module names at draw time (`C.INK`), so `use_palette` can swap them.
DEFAULT_PALETTE: dict[str, Color] = {
    "BG": (246, 247, 250),
    "INK": (20, 24, 33),
    "MUTED": (88, 96, 110),
    "HEADER_BG": (22, 56, 110),
    "HEADER_INK": (255, 255, 255),
    "PRIMARY": (25, 103, 210),
    "PRIMARY_INK": (255, 255, 255),
    "SECONDARY": (226, 230, 238),
    "SECONDARY_INK": (20, 24, 33),
    "DANGER": (196, 43, 28),
    "OK": (22, 140, 70),
    "WARN": (214, 140, 0),
    "DISABLED": (200, 204, 212),
    "CARD_BG": (255, 255, 255),
    "OUTLINE": (190, 196, 206),
    "PULSE": (25, 103, 210),
}

# High contrast: light ink on black, black ink on bright fills; every pair used for text is >= 7:1 (WCAG AAA).
HIGH_CONTRAST_PALETTE: dict[str, Color] = {
    "BG": (0, 0, 0),
    "INK": (255, 255, 255),
    "MUTED": (225, 225, 225),
    "HEADER_BG": (0, 0, 0),
    "HEADER_INK": (255, 255, 0),
    "PRIMARY": (255, 255, 0),
    "PRIMARY_INK": (0, 0, 0),
    "SECONDARY": (0, 0, 0),
    "SECONDARY_INK": (255, 255, 255),
    "DANGER": (255, 150, 150),
    "OK": (120, 230, 140),
    "WARN": (255, 200, 0),
    "DISABLED": (48, 48, 48),
    "CARD_BG": (0, 0, 0),
    "OUTLINE": (255, 255, 255),
    "PULSE": (56, 56, 56),
}

# (text colour, background) for every way the screens draw text on a palette colour.
TEXT_PAIRS: tuple[tuple[str, str], ...] = (
    ("INK", "BG"),
    ("MUTED", "BG"),
    ("INK", "CARD_BG"),
    ("MUTED", "CARD_BG"),
    ("PRIMARY", "CARD_BG"),
    ("PRIMARY", "BG"),
    ("DANGER", "BG"),
    ("DANGER", "CARD_BG"),
    ("MUTED", "SECONDARY"),
    ("HEADER_INK", "HEADER_BG"),
    ("HEADER_INK", "PULSE"),
    ("PRIMARY_INK", "PRIMARY"),
    ("PRIMARY_INK", "DANGER"),
    ("PRIMARY_INK", "OK"),
    ("SECONDARY_INK", "SECONDARY"),
    ("MUTED", "DISABLED"),
)

BG = DEFAULT_PALETTE["BG"]
INK = DEFAULT_PALETTE["INK"]
MUTED = DEFAULT_PALETTE["MUTED"]
HEADER_BG = DEFAULT_PALETTE["HEADER_BG"]
HEADER_INK = DEFAULT_PALETTE["HEADER_INK"]
PRIMARY = DEFAULT_PALETTE["PRIMARY"]
PRIMARY_INK = DEFAULT_PALETTE["PRIMARY_INK"]
SECONDARY = DEFAULT_PALETTE["SECONDARY"]
SECONDARY_INK = DEFAULT_PALETTE["SECONDARY_INK"]
DANGER = DEFAULT_PALETTE["DANGER"]
OK = DEFAULT_PALETTE["OK"]
WARN = DEFAULT_PALETTE["WARN"]
DISABLED = DEFAULT_PALETTE["DISABLED"]
CARD_BG = DEFAULT_PALETTE["CARD_BG"]
OUTLINE = DEFAULT_PALETTE["OUTLINE"]
PULSE = DEFAULT_PALETTE["PULSE"]


def use_palette(high_contrast: bool) -> None:
    """Make the module's colour names the high-contrast (or default) palette for the frame being drawn."""
    globals().update(HIGH_CONTRAST_PALETTE if high_contrast else DEFAULT_PALETTE)


def contrast_ratio(a: Color, b: Color) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (1 to 21)."""

    def luminance(c: Color) -> float:
        lin = [(v / 255) / 12.92 if v / 255 <= 0.04045 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@dataclass(frozen=True)
class Layout:
    """Everything measured in design pixels goes through `px`; text sizes also through the large-text factor."""

    rect: pygame.Rect
    large_text: bool = False
    high_contrast: bool = False
    stepped: bool = False  # a journey screen: a step line ("Step 2 of 5") sits between the header and the body

    @property
    def scale(self) -> float:
        return min(self.rect.width / DESIGN_W, self.rect.height / DESIGN_H)

    def px(self, design_px: float) -> int:
        return max(1, round(design_px * self.scale))

    def font_px(self, design_px: float) -> int:
        return self.px(design_px * (LARGE_TEXT_FACTOR if self.large_text else 1.0))

    @property
    def margin(self) -> int:
        return self.px(20)

    @property
    def header(self) -> pygame.Rect:
        return pygame.Rect(self.rect.left, self.rect.top, self.rect.width, self.px(64 if self.large_text else 56))

    @property
    def footer(self) -> pygame.Rect:
        h = self.px(88 if self.large_text else 76)
        return pygame.Rect(self.rect.left, self.rect.bottom - h, self.rect.width, h)

    @property
    def step_line(self) -> pygame.Rect:
        """Where a journey screen says which step it is: under the header, one small line high (empty otherwise)."""
        h = round(self.font_px(18) * 1.9) if self.stepped else 0  # Garuda's line height is about 1.9 × the size
        return pygame.Rect(self.rect.left + self.margin, self.header.bottom, self.rect.width - 2 * self.margin, h)

    @property
    def body(self) -> pygame.Rect:
        top = self.step_line.bottom + self.margin // 2
        bottom = self.footer.top - self.margin // 4
        return pygame.Rect(self.rect.left + self.margin, top, self.rect.width - 2 * self.margin, bottom - top)

    @property
    def title_px(self) -> int:
        return self.font_px(30)

    @property
    def body_px(self) -> int:
        return self.font_px(24)

    @property
    def small_px(self) -> int:
        return self.font_px(18)

    @property
    def button_px(self) -> int:
        return self.font_px(24)

    @property
    def touch_min(self) -> int:
        """Smallest touch target: about 9 mm on a 7-inch 800×480 panel, larger with large text."""
        return self.px(64 if self.large_text else 56)
