"""What most screens share: the header (title, language and large-text switches) and the footer's buttons."""

from __future__ import annotations

from collections.abc import Sequence

import pygame

from kiosk.ui import events
from kiosk.ui import layout as C
from kiosk.ui.canvas import Canvas
from kiosk.ui.widgets import button, button_row

Footer = Sequence[tuple[str, str, str, str]]  # (label, action, value, kind)


def header(cv: Canvas, title: str, *, switches: bool = True) -> None:
    L = cv.layout
    h = L.header
    pygame.draw.rect(cv.surface, C.HEADER_BG, h)
    pad = L.px(12)
    right = h.right - pad
    if switches:
        bw = L.px(104)
        other = "en" if cv.language == "th" else "th"
        lang_rect = pygame.Rect(right - bw, h.top + pad // 2, bw, h.height - pad)
        button(cv, lang_rect, "English" if other == "en" else "ไทย", events.LANGUAGE, other, size_px=L.small_px)
        size_rect = pygame.Rect(lang_rect.left - pad - L.px(72), lang_rect.top, L.px(72), lang_rect.height)
        button(
            cv,
            size_rect,
            "ก-" if L.large_text else "ก+",
            events.LARGE_TEXT,
            "off" if L.large_text else "on",
            size_px=L.small_px,
        )
        right = size_rect.left - pad
        listen = cv._("Listen again")
        lw = max(L.px(72), cv.text.width(listen, L.small_px, True) + 2 * L.px(10))
        listen_rect = pygame.Rect(right - lw, lang_rect.top, lw, lang_rect.height)
        button(cv, listen_rect, listen, events.LISTEN_AGAIN, size_px=L.small_px)
        right = listen_rect.left - pad
    cv.title = title
    title_rect = pygame.Rect(h.left + L.margin, h.top, right - h.left - L.margin, h.height)
    cv.text.block(cv.surface, title, title_rect, L.title_px, C.HEADER_INK, bold=True, valign="middle")


def footer(cv: Canvas, buttons: Footer) -> None:
    L = cv.layout
    f = L.footer.inflate(-2 * L.margin, -L.px(16))
    if len(buttons) == 1:
        # One action sits on the right, where a thumb expects "next".
        w = max(f.width // 3, L.px(220))
        label, action, value, kind = buttons[0]
        button(cv, pygame.Rect(f.right - w, f.top, w, f.height), label, action, value, kind=kind)
        return
    button_row(cv, f, buttons)


def page(cv: Canvas, title: str, buttons: Footer = (), *, switches: bool = True) -> pygame.Rect:
    """Draw the header and footer; returns the body rect for the screen's own content."""
    header(cv, title, switches=switches)
    footer(cv, buttons)
    return cv.layout.body


def cancel(cv: Canvas) -> tuple[str, str, str, str]:
    return (cv._("Cancel"), "cancel", "", "secondary")


def message(cv: Canvas, rect: pygame.Rect, lines: Sequence[str], *, first_bold: bool = True) -> int:
    """Paragraphs top-down in `rect`; returns the y below the last one."""
    y = rect.top
    for i, s in enumerate(lines):
        size = cv.layout.body_px if i == 0 or not first_bold else cv.layout.body_px - cv.layout.px(2)
        area = cv.text.block(
            cv.surface,
            s,
            pygame.Rect(rect.left, y, rect.width, rect.bottom - y),
            size,
            C.INK if i == 0 else C.MUTED,
            bold=first_bold and i == 0,
        )
        y = area.bottom + cv.layout.px(10)
    return y


def field_rows(cv: Canvas, rect: pygame.Rect, rows: Sequence[tuple[str, str]], label_w: int) -> None:
    """(label, value) rows: values wrap beside one-line labels; the whole table shrinks together until it fits."""
    L = cv.layout
    value_w = rect.width - label_w
    rows = [(label, value) for label, value in rows if value]
    size = L.body_px
    gap = L.px(6)
    while True:
        heights = [
            max(cv.text.line_height(L.small_px), len(cv.text.lines(v, size, value_w)) * cv.text.line_height(size))
            for _, v in rows
        ]
        if sum(heights) + gap * len(rows) <= rect.height or size <= 12:
            break
        size = int(size * 0.9)
    y = rect.top
    for (label, value), h in zip(rows, heights, strict=True):
        label_rect = pygame.Rect(
            rect.left,
            y + max(0, (cv.text.line_height(size) - cv.text.line_height(L.small_px)) // 2),
            label_w - L.px(8),
            h,
        )
        cv.text.label(cv.surface, label, label_rect, min(L.small_px, size), C.MUTED)
        cv.text.block(cv.surface, value, pygame.Rect(rect.left + label_w, y, value_w, h), size, C.INK)
        y += h + gap


def warning_overlay(cv: Canvas, seconds_left: int) -> None:
    """Drawn over any screen whose journey is about to time out for inactivity."""
    _ = cv._
    L = cv.layout
    shade = pygame.Surface(cv.rect.size, pygame.SRCALPHA)
    shade.fill((0, 0, 0, 150))
    cv.surface.blit(shade, cv.rect.topleft)
    box = cv.rect.inflate(-cv.rect.width // 4, -cv.rect.height // 3)
    pygame.draw.rect(cv.surface, C.CARD_BG, box, border_radius=L.px(16))
    inner = box.inflate(-2 * L.margin, -2 * L.margin)
    top = cv.text.block(cv.surface, _("Do you need more time?"), inner, L.title_px, C.INK, bold=True, align="center")
    note = _("The session will end in {n} seconds.").format(n=max(0, seconds_left))
    rest = pygame.Rect(inner.left, top.bottom + L.px(8), inner.width, inner.bottom - top.bottom)
    cv.text.block(cv.surface, note, rest, L.body_px, C.MUTED, align="center")
    btn = pygame.Rect(0, 0, inner.width * 2 // 3, L.touch_min)
    btn.midbottom = inner.midbottom
    button(cv, btn, _("More time"), "more_time")
