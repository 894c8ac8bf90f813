"""The drawn controls: buttons, the passcode keypad with masked digits, QR codes, progress, the camera preview."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pygame
import qrcode

from kiosk.ui import layout as C
from kiosk.ui.canvas import Canvas, Frame

KEYPAD_ROWS: tuple[tuple[str, ...], ...] = (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"), ("clear", "0", "back"))


def button(
    cv: Canvas,
    rect: pygame.Rect,
    label: str,
    action: str,
    value: str = "",
    *,
    kind: str = "primary",
    enabled: bool = True,
    size_px: int | None = None,
) -> None:
    fill, ink = {
        "primary": (C.PRIMARY, C.PRIMARY_INK),
        "secondary": (C.SECONDARY, C.SECONDARY_INK),
        "danger": (C.DANGER, C.PRIMARY_INK),
        "ok": (C.OK, C.PRIMARY_INK),
        "header": (C.PRIMARY, C.PRIMARY_INK),
    }.get(kind, (C.PRIMARY, C.PRIMARY_INK))
    if not enabled:
        fill, ink = C.DISABLED, C.MUTED
    radius = cv.layout.px(10)
    pygame.draw.rect(cv.surface, fill, rect, border_radius=radius)
    if kind == "secondary":
        pygame.draw.rect(cv.surface, C.OUTLINE, rect, width=max(1, cv.layout.px(1.5)), border_radius=radius)
    pad = cv.layout.px(8)
    inner = rect.inflate(-2 * pad, 0)
    cv.text.block(
        cv.surface, label, inner, size_px or cv.layout.button_px, ink, bold=True, align="center", valign="middle"
    )
    if enabled:
        cv.touch(rect, action, value, label=label, kind=kind)


def button_row(cv: Canvas, rect: pygame.Rect, specs: Sequence[tuple[str, str, str, str]]) -> None:
    """Buttons side by side: each spec is (label, action, value, kind); empty label leaves a gap."""
    if not specs:
        return
    gap = cv.layout.px(12)
    w = (rect.width - gap * (len(specs) - 1)) // len(specs)
    for i, (label, action, value, kind) in enumerate(specs):
        if label:
            button(
                cv, pygame.Rect(rect.left + i * (w + gap), rect.top, w, rect.height), label, action, value, kind=kind
            )


def panel(cv: Canvas, rect: pygame.Rect) -> None:
    pygame.draw.rect(cv.surface, C.CARD_BG, rect, border_radius=cv.layout.px(12))
    pygame.draw.rect(cv.surface, C.OUTLINE, rect, width=1, border_radius=cv.layout.px(12))


def masked_digits(cv: Canvas, rect: pygame.Rect, entered: int, length: int) -> None:
    """One slot per digit: a filled dot for each digit entered, never the digit itself."""
    length = max(1, length)
    slot = min(rect.width // length, rect.height)
    r = max(3, slot // 4)
    left = rect.centerx - slot * length // 2
    for i in range(length):
        c = (left + i * slot + slot // 2, rect.centery)
        if i < entered:
            pygame.draw.circle(cv.surface, C.INK, c, r)
        else:
            pygame.draw.circle(cv.surface, C.OUTLINE, c, r, width=max(2, r // 3))


def keypad(cv: Canvas, rect: pygame.Rect, *, ok_enabled: bool = False) -> None:
    """A 4×3 keypad of large keys (digits, clear, backspace) and an OK key on the right: Tapped('digit', d) etc."""
    gap = cv.layout.px(8)
    ok_w = rect.width // 4
    grid = pygame.Rect(rect.left, rect.top, rect.width - ok_w - gap, rect.height)
    kw = (grid.width - 2 * gap) // 3
    kh = (grid.height - 3 * gap) // 4
    for r, row in enumerate(KEYPAD_ROWS):
        for c, key in enumerate(row):
            k = pygame.Rect(grid.left + c * (kw + gap), grid.top + r * (kh + gap), kw, kh)
            if key == "clear":
                button(cv, k, cv._("Clear"), "clear", kind="secondary", size_px=cv.layout.small_px)
            elif key == "back":
                button(cv, k, "", "backspace", kind="secondary")
                backspace_icon(cv, k)
            else:
                button(cv, k, key, "digit", key, kind="secondary", size_px=cv.layout.font_px(32))
    ok = pygame.Rect(grid.right + gap, rect.top, ok_w, rect.height)
    button(cv, ok, cv._("OK"), "ok", kind="ok", enabled=ok_enabled)


def backspace_icon(cv: Canvas, key: pygame.Rect) -> None:
    """The erase-left symbol drawn as shapes: the font has no ⌫ glyph."""
    h = key.height // 3
    w = h * 3 // 2
    box = pygame.Rect(0, 0, w, h)
    box.center = key.center
    tip = h // 2
    pts = [
        (box.left, box.centery),
        (box.left + tip, box.top),
        (box.right, box.top),
        (box.right, box.bottom),
        (box.left + tip, box.bottom),
    ]
    line = max(2, cv.layout.px(3))
    pygame.draw.polygon(cv.surface, C.INK, pts, width=line)
    cx, cy, r = box.left + tip + (w - tip) // 2, box.centery, h // 4
    pygame.draw.line(cv.surface, C.INK, (cx - r, cy - r), (cx + r, cy + r), line)
    pygame.draw.line(cv.surface, C.INK, (cx - r, cy + r), (cx + r, cy - r), line)


@lru_cache(maxsize=8)
def _qr_modules(payload: str) -> tuple[tuple[bool, ...], ...]:
    q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=0)
    q.add_data(payload)
    q.make(fit=True)
    return tuple(tuple(bool(x) for x in row) for row in q.get_matrix())


@lru_cache(maxsize=8)
def _qr_surface(payload: str, side_px: int) -> pygame.Surface:
    modules = _qr_modules(payload)
    n = len(modules) + 8  # four-module quiet zone each side
    cell = max(1, side_px // n)
    grid = np.full((n, n), 255, dtype=np.uint8)
    for y, row in enumerate(modules):
        for x, dark in enumerate(row):
            if dark:
                grid[y + 4, x + 4] = 0
    big = np.repeat(np.repeat(grid, cell, axis=0), cell, axis=1)
    rgb = np.stack([big.T] * 3, axis=-1)
    return pygame.surfarray.make_surface(rgb)


def qr(cv: Canvas, rect: pygame.Rect, payload: str) -> pygame.Rect:
    """The payload as a QR code (error correction Q), whole modules only so phones read it; centred in rect."""
    surf = _qr_surface(payload, min(rect.width, rect.height))
    at = surf.get_rect(center=rect.center)
    cv.surface.blit(surf, at)
    return at


def progress(cv: Canvas, rect: pygame.Rect, fraction: float | None) -> None:
    """A bar: filled to `fraction`, or (unknown length) a band sweeping across so the screen visibly lives."""
    radius = rect.height // 2
    pygame.draw.rect(cv.surface, C.SECONDARY, rect, border_radius=radius)
    if fraction is not None:
        w = int(rect.width * min(1.0, max(0.0, fraction)))
        if w > 0:
            pygame.draw.rect(
                cv.surface,
                C.PRIMARY,
                pygame.Rect(rect.left, rect.top, max(w, rect.height), rect.height),
                border_radius=radius,
            )
        return
    cv.animating = True
    band = rect.width // 4
    phase = (cv.now_s % 1.6) / 1.6
    x = rect.left - band + int((rect.width + band) * phase)
    clip = cv.surface.get_clip()
    cv.surface.set_clip(rect)
    pygame.draw.rect(cv.surface, C.PRIMARY, pygame.Rect(x, rect.top, band, rect.height), border_radius=radius)
    cv.surface.set_clip(clip)


def progress_bar(cv: Canvas, rect: pygame.Rect, fraction: float | None, words: str) -> int:
    """The bar every screen with a `progress` in its data draws (the contract with the journeys), two thirds of
    `rect`'s width at its top, and under it `words` with the percentage done ("… {pct}%"); returns the y below."""
    L = cv.layout
    bar = pygame.Rect(0, rect.top, rect.width * 2 // 3, L.px(20))
    bar.centerx = rect.centerx
    progress(cv, bar, fraction)
    if fraction is None:
        return bar.bottom
    pct = round(100 * min(1.0, max(0.0, fraction)))
    below = pygame.Rect(rect.left, bar.bottom + L.px(8), rect.width, rect.bottom - bar.bottom - L.px(8))
    got = cv.text.block(cv.surface, words.format(pct=pct), below, L.body_px, C.INK, bold=True, align="center")
    return got.bottom


def spinner(cv: Canvas, center: tuple[int, int], radius: int) -> None:
    cv.animating = True
    head = (cv.now_s * 1.5) % 1.0 * 2 * math.pi
    for i in range(12):
        a = head - i * (2 * math.pi / 12)
        shade = min(230, 40 + i * 16)
        p = (center[0] + int(radius * math.cos(a)), center[1] + int(radius * math.sin(a)))
        pygame.draw.circle(cv.surface, (shade, shade + 10 if shade < 245 else shade, 240), p, max(2, radius // 6))


def frame_surface(frame: Frame, size: tuple[int, int], *, mirror: bool = True) -> pygame.Surface:
    """An RGB frame as a surface scaled to cover `size` (cropped, not stretched), mirrored like a looking glass."""
    h, w = frame.shape[:2]
    surf = pygame.image.frombuffer(np.ascontiguousarray(frame).tobytes(), (w, h), "RGB")
    if mirror:
        surf = pygame.transform.flip(surf, True, False)
    k = max(size[0] / w, size[1] / h)
    scaled = pygame.transform.scale(surf, (max(1, round(w * k)), max(1, round(h * k))))
    crop = pygame.Rect(0, 0, *size)
    crop.center = scaled.get_rect().center
    return scaled.subsurface(crop.clip(scaled.get_rect()))


def camera_preview(cv: Canvas, rect: pygame.Rect, guide_color: tuple[int, int, int]) -> bool:
    """The live camera with an oval face guide; returns whether a frame was available."""
    frame = cv.camera() if cv.camera else None
    cv.animating = True
    pygame.draw.rect(cv.surface, (30, 30, 34), rect)
    if frame is not None:
        cv.surface.blit(frame_surface(frame, rect.size), rect.topleft)
    guide = pygame.Rect(0, 0, int(rect.height * 0.62), int(rect.height * 0.82))
    guide.center = rect.center
    shade = pygame.Surface(rect.size, pygame.SRCALPHA)
    shade.fill((0, 0, 0, 110))
    pygame.draw.ellipse(shade, (0, 0, 0, 0), guide.move(-rect.left, -rect.top))
    cv.surface.blit(shade, rect.topleft)
    pygame.draw.ellipse(cv.surface, guide_color, guide, width=max(3, cv.layout.px(4)))
    return frame is not None
