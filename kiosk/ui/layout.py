"""Sizes and colours that scale one 800×480 design to any kiosk panel (1024×600, 1280×800, …) and to large text."""

from __future__ import annotations

from dataclasses import dataclass

import pygame

DESIGN_W, DESIGN_H = 800, 480
LARGE_TEXT_FACTOR = 1.3

BG = (246, 247, 250)
INK = (20, 24, 33)
MUTED = (88, 96, 110)
HEADER_BG = (22, 56, 110)
HEADER_INK = (255, 255, 255)
PRIMARY = (25, 103, 210)
PRIMARY_INK = (255, 255, 255)
SECONDARY = (226, 230, 238)
SECONDARY_INK = (20, 24, 33)
DANGER = (196, 43, 28)
OK = (22, 140, 70)
WARN = (214, 140, 0)
DISABLED = (200, 204, 212)
CARD_BG = (255, 255, 255)
OUTLINE = (190, 196, 206)


@dataclass(frozen=True)
class Layout:
    """Everything measured in design pixels goes through `px`; text sizes also through the large-text factor."""

    rect: pygame.Rect
    large_text: bool = False

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
    def body(self) -> pygame.Rect:
        top = self.header.bottom + self.margin // 2
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
