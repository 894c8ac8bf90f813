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
        label = "English" if other == "en" else "ไทย"
        button(cv, lang_rect, label, events.LANGUAGE, other, kind="header", size_px=L.small_px)
        size_rect = pygame.Rect(lang_rect.left - pad - L.px(72), lang_rect.top, L.px(72), lang_rect.height)
        button(
            cv,
            size_rect,
            "ก-" if L.large_text else "ก+",
            events.LARGE_TEXT,
            "off" if L.large_text else "on",
            kind="header",
            size_px=L.small_px,
        )
        contrast_rect = pygame.Rect(size_rect.left - pad - L.px(72), lang_rect.top, L.px(72), lang_rect.height)
        toggle = "off" if L.high_contrast else "on"
        button(cv, contrast_rect, "", events.HIGH_CONTRAST, toggle, kind="header", size_px=L.small_px)
        contrast_icon(cv, contrast_rect)
        right = contrast_rect.left - pad
    cv.title = title
    title_rect = pygame.Rect(h.left + L.margin, h.top, right - h.left - L.margin, h.height)
    cv.text.block(cv.surface, title, title_rect, L.title_px, C.HEADER_INK, bold=True, valign="middle")
    if cv.step is not None:
        step_line(cv, *cv.step)


def step_line(cv: Canvas, n: int, m: int) -> None:
    """ "Step 2 of 5" and a bar of m segments, the first n filled: every journey screen says where it is."""
    L = cv.layout
    r = L.step_line
    words = cv._("Step {n} of {m}").format(n=n, m=m)
    got = cv.text.block(cv.surface, words, r, L.small_px, C.MUTED, bold=True, valign="middle")
    gap = L.px(6)
    bar = pygame.Rect(got.right + L.margin, 0, r.right - got.right - L.margin, max(4, L.px(8)))
    bar.centery = r.centery
    seg = (bar.width - gap * (m - 1)) // max(1, m)
    for i in range(m):
        s = pygame.Rect(bar.left + i * (seg + gap), bar.top, seg, bar.height)
        pygame.draw.rect(cv.surface, C.PRIMARY if i < n else C.OUTLINE, s, border_radius=bar.height // 2)


def speaker_button(cv: Canvas, rect: pygame.Rect) -> None:
    """ "Listen again" as the usual loudspeaker symbol (no room for its words beside the footer's buttons); its
    words are the control's label, which the spoken guidance reads out."""
    L = cv.layout
    pygame.draw.rect(cv.surface, C.PRIMARY, rect, border_radius=L.px(10))
    u = rect.height / 10
    cx, cy = rect.centerx - u, rect.centery
    box = pygame.Rect(0, 0, round(1.6 * u), round(2.4 * u))
    box.midright = (round(cx - 0.6 * u), cy)
    pygame.draw.rect(cv.surface, C.PRIMARY_INK, box)
    cone = [
        (cx - 0.6 * u, cy - 1.2 * u),
        (cx + 1.2 * u, cy - 3 * u),
        (cx + 1.2 * u, cy + 3 * u),
        (cx - 0.6 * u, cy + 1.2 * u),
    ]
    pygame.draw.polygon(cv.surface, C.PRIMARY_INK, cone)
    for k in (1, 2):
        arc = pygame.Rect(0, 0, round((2 + 2.2 * k) * u), round((2 + 2.2 * k) * u))
        arc.center = (round(cx + 1.2 * u), cy)
        pygame.draw.arc(cv.surface, C.PRIMARY_INK, arc, -0.9, 0.9, max(2, L.px(2)))
    cv.touch(rect, events.LISTEN_AGAIN, label=cv._("Listen again"), kind="primary")


def contrast_icon(cv: Canvas, key: pygame.Rect) -> None:
    """The usual contrast symbol, a circle half ink and half paper, drawn as shapes (no word to translate)."""
    r = key.height * 3 // 10
    c = key.center
    pygame.draw.circle(cv.surface, C.PRIMARY_INK, c, r)
    pygame.draw.circle(cv.surface, C.PRIMARY, c, r - max(1, cv.layout.px(2)), draw_top_left=True, draw_bottom_left=True)
    pygame.draw.circle(cv.surface, C.PRIMARY_INK, c, r, width=max(2, cv.layout.px(2)))


def footer(cv: Canvas, buttons: Footer) -> None:
    """The journey's buttons, and "Listen again" (a loudspeaker) at the bottom left of every screen with a footer."""
    L = cv.layout
    f = L.footer.inflate(-2 * L.margin, -L.px(16))
    speaker_button(cv, pygame.Rect(f.left, f.top, L.px(72), f.height))
    f.width -= L.px(72) + L.px(12)
    f.left += L.px(72) + L.px(12)
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
    """Paragraphs top-down in `rect`; returns the y below the last one. Paragraphs that do not all fit at full size
    are paged (`paged`), and the whole rect is taken."""
    L = cv.layout
    specs = [
        (
            s,
            L.body_px if i == 0 or not first_bold else L.body_px - L.px(2),
            first_bold and i == 0,
            C.INK if i == 0 else C.MUTED,
        )
        for i, s in enumerate(lines)
    ]
    if len(cv.text.pages([(s, z, b) for s, z, b, _ in specs], rect.width, rect.height, L.px(10))) > 1:
        paged(cv, rect, specs)
        return rect.bottom
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
    rows = [(label, value) for label, value in rows if value]
    widest = max((cv.text.width(label, L.small_px) for label, _ in rows), default=0) + L.px(20)
    label_w = max(label_w, min(widest, rect.width * 2 // 5))  # labels keep their size: the column widens instead
    value_w = rect.width - label_w
    size = L.body_px
    gap = L.px(6)
    while True:
        heights = [
            max(cv.text.line_height(L.small_px), len(cv.text.lines(v, size, value_w)) * cv.text.line_height(size))
            for _, v in rows
        ]
        if sum(heights) + gap * len(rows) <= rect.height or size <= cv.text.floor_px(L.body_px):
            break
        size = max(cv.text.floor_px(L.body_px), int(size * 0.9))
    shown = list(zip(rows, heights, strict=True))
    if sum(heights) + gap * len(rows) > rect.height:
        # Even at the normal size the rows do not fit: they go on pages turned at the bottom of `rect`.
        nav = pygame.Rect(rect.left, rect.bottom - L.touch_min, rect.width, L.touch_min)
        room = nav.top - gap - rect.top
        pages: list[list[tuple[tuple[str, str], int]]] = [[]]
        used = 0
        for row, h in shown:
            if pages[-1] and used + h > room:
                pages.append([])
                used = 0
            pages[-1].append((row, h))
            used += h + gap
        pg = min(max(0, cv.view_page), len(pages) - 1)
        shown = pages[pg]
        half = (nav.width - gap) // 2
        if pg > 0:
            prev = pygame.Rect(nav.left, nav.top, half, nav.height)
            button(cv, prev, cv._("Previous"), events.VIEW_PAGE, str(pg - 1), kind="secondary")
        if pg < len(pages) - 1:
            nxt = pygame.Rect(nav.right - half, nav.top, half, nav.height)
            button(cv, nxt, cv._("Next"), events.VIEW_PAGE, str(pg + 1), kind="secondary")
    y = rect.top
    for (label, value), h in shown:
        label_rect = pygame.Rect(
            rect.left,
            y + max(0, (cv.text.line_height(size) - cv.text.line_height(L.small_px)) // 2),
            label_w - L.px(8),
            h,
        )
        cv.text.label(cv.surface, label, label_rect, min(L.small_px, size), C.MUTED)
        cv.text.block(cv.surface, value, pygame.Rect(rect.left + label_w, y, value_w, h), size, C.INK)
        y += h + gap


def page_turns(cv: Canvas, pg: int, pages: int, next_kind: str = "secondary") -> list[tuple[str, str, str, str]]:
    """The footer's Previous / Next for page `pg` (from 0) of `pages` (events.VIEW_PAGE), a blank slot where one
    has nowhere to go so the other keeps its place; nothing when everything fits on one page."""
    if pages <= 1:
        return []
    blank = ("", "", "", "")
    return [
        (cv._("Previous"), events.VIEW_PAGE, str(pg - 1), "secondary") if pg > 0 else blank,
        (cv._("Next"), events.VIEW_PAGE, str(pg + 1), next_kind) if pg < pages - 1 else blank,
    ]


def paged(cv: Canvas, rect: pygame.Rect, paragraphs: Sequence[tuple[str, int, bool, C.Color]]) -> None:
    """(text, size, bold, colour) paragraphs top-down in `rect` at full size; what does not fit goes on further
    pages, turned with Previous / Next buttons at the bottom of `rect` (the view keeps the page: events.VIEW_PAGE)."""
    L = cv.layout
    gap = L.px(10)
    specs = [(s, size, bold) for s, size, bold, _ in paragraphs]
    starts = cv.text.pages(specs, rect.width, rect.height, gap)
    area = rect
    if len(starts) > 1:
        nav_h = L.touch_min
        area = pygame.Rect(rect.left, rect.top, rect.width, rect.height - nav_h - gap)
        starts = cv.text.pages(specs, area.width, area.height, gap)
        pg = min(max(0, cv.view_page), len(starts) - 1)
        nav = pygame.Rect(rect.left, rect.bottom - nav_h, rect.width, nav_h)
        half = (nav.width - gap) // 2
        if pg > 0:
            prev = pygame.Rect(nav.left, nav.top, half, nav.height)
            button(cv, prev, cv._("Previous"), events.VIEW_PAGE, str(pg - 1), kind="secondary")
        if pg < len(starts) - 1:
            nxt = pygame.Rect(nav.right - half, nav.top, half, nav.height)
            button(cv, nxt, cv._("Next"), events.VIEW_PAGE, str(pg + 1), kind="secondary")
    else:
        pg = 0
    end = starts[pg + 1] if pg + 1 < len(starts) else len(paragraphs)
    y = area.top
    for s, size, bold, color in paragraphs[starts[pg] : end]:
        got = cv.text.block(
            cv.surface, s, pygame.Rect(area.left, y, area.width, area.bottom - y), size, color, bold=bold
        )
        y = got.bottom + gap


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
