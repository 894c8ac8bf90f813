"""Service screens: certified extracts (choice, preview, printing), booking (calendar, slots), one's own data."""

from __future__ import annotations

import re

import pygame

from kiosk.booking_rules import grouped_reference
from kiosk.flows.events import event_parts
from kiosk.ui import layout as C
from kiosk.ui.canvas import Canvas, Data
from kiosk.ui.dates import day_label, long_date
from kiosk.ui.i18n import N_
from kiosk.ui.screens.chrome import cancel, field_rows, message, page, page_turns, paged
from kiosk.ui.screens.common import busy
from kiosk.ui.speech import MAX_BUTTONS
from kiosk.ui.view import screen
from kiosk.ui.widgets import button, panel

DOCUMENTS: dict[str, tuple[str, str]] = {
    "tr14_1": ("ท.ร.14/1", N_("Certified person entry of a house register")),
    "tr12_2": ("ท.ร.12/2", N_("Certified civil-registration history")),
}

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # also '1937-00-00': a birth whose day and month are unknown
OWN_DATA_FIELDS: dict[str, str] = {
    "name": N_("Name"),
    "name_en": N_("Name in English"),
    "citizen_id": N_("ID number"),
    "birth_date": N_("Date of birth"),
    "sex": N_("Sex"),
    "nationality": N_("Nationality"),
    "address": N_("Address"),
    "house_no": N_("House number"),
    "house_code": N_("House code"),
    "moved_in": N_("Moved in"),
    "father": N_("Father"),
    "mother": N_("Mother"),
    "status": N_("Status"),
    "card_expires": N_("Card expires"),
}
# The civil-registration events a record lists (the registry's kinds, as on the ท.ร.12/2).
EVENT_KINDS: dict[str, str] = {
    "birth": N_("Birth registered"),
    "move_in": N_("Moved in"),
    "move_out": N_("Moved out"),
    "name_change": N_("Name changed"),
    "surname_change": N_("Surname changed"),
    "marriage": N_("Marriage registered"),
    "divorce": N_("Divorce registered"),
    "id_card_issued": N_("ID card issued"),
    "death_of_spouse": N_("Death of spouse registered"),
}


def record_row(cv: Canvas, field: str, value: str) -> tuple[str, str]:
    """One record row in the citizen's words: the field's name, dates as Thai or English dates, offices by name."""
    _ = cv._
    if field.startswith("event:"):
        kind = field.removeprefix("event:")
        label = _(EVENT_KINDS[kind]) if kind in EVENT_KINDS else _("Registration")
        day, office_th, office_en, detail = event_parts(value)
        office = (office_en if cv.language == "en" else "") or office_th
        return label, " · ".join(p for p in (long_date(day, cv.language), office, detail) if p)
    label = _(OWN_DATA_FIELDS[field]) if field in OWN_DATA_FIELDS else field
    return label, long_date(value, cv.language) if ISO_DATE.fullmatch(value) else value


@screen("extract_choice")
def extract_choice(cv: Canvas, d: Data) -> None:
    _ = cv._
    L = cv.layout
    body = page(cv, _("Which document do you need?"), [cancel(cv)])
    names = [n for n in d.strings("documents") if n in DOCUMENTS] or list(DOCUMENTS)
    gap = L.px(14)
    h = min(L.px(130), (body.height - gap * (len(names) - 1)) // len(names))
    for i, name in enumerate(names):
        code, title = DOCUMENTS[name]
        rect = pygame.Rect(body.left, body.top + i * (h + gap), body.width, h)
        button(cv, rect, f"{code}  {_(title)}", "document", name, kind="secondary")


@screen("extract_preview")
def extract_preview(cv: Canvas, d: Data) -> None:
    _ = cv._
    L = cv.layout
    code, title = DOCUMENTS.get(d.text("document"), ("", ""))
    buttons = [cancel(cv)]
    if d.flag("print", True):
        buttons.append((_("Print"), "print", "", "primary"))
    body = page(cv, _("Check before printing"), buttons)
    paper = pygame.Rect(body.left, body.top, body.width * 3 // 5, body.height)
    panel(cv, paper)
    inner = paper.inflate(-L.px(20), -L.px(12))
    y = inner.top
    heading = f"{code} {_(title)}" if code else ""
    rows = [record_row(cv, r.text("field"), r.text("value")) for r in d.items("rows")]
    lines = [f"{label}: {value}" for label, value in rows]
    heading_h = 0
    if heading:
        heading_lines = len(cv.text.lines(heading, L.body_px, inner.width, bold=True))
        heading_h = heading_lines * cv.text.line_height(L.body_px, bold=True) + L.px(4)
    pages = preview_pages(cv, lines, inner.width, inner.height - heading_h)
    pg = min(max(1, d.integer("page", 1)), len(pages))
    shown = [heading] if heading else []
    for i, line in enumerate(shown + pages[pg - 1]):
        size = L.small_px if i or not heading else L.body_px
        got = cv.text.block(
            cv.surface, line, pygame.Rect(inner.left, y, inner.width, inner.bottom - y), size, C.INK, bold=i == 0
        )
        y = got.bottom + L.px(4)
    side = pygame.Rect(paper.right + L.margin, body.top, body.right - paper.right - L.margin, body.height)
    if len(pages) > 1:
        nav = pygame.Rect(side.left, side.bottom - L.touch_min, side.width, L.touch_min)
        half = (nav.width - L.px(8)) // 2
        # the document's own pages, told apart (by eye and by ear) from the notes' Previous / Next beside them
        if pg > 1:
            button(cv, pygame.Rect(nav.left, nav.top, half, nav.height), _("Previous page"), "page", str(pg - 1),
                   kind="secondary")  # fmt: skip
        if pg < len(pages):
            button(cv, pygame.Rect(nav.right - half, nav.top, half, nav.height), _("Next page"), "page", str(pg + 1))
        side.height -= nav.height + L.px(8)
    lines = [_("The document will carry a signed QR seal that anyone can check offline.")]
    if not d.flag("print", True):
        lines.insert(0, _("The printer cannot print right now. Please ask an officer, or use another kiosk."))
    if len(pages) > 1:
        lines.insert(0, _("Page {n} of {m}: the printed document has every entry.").format(n=pg, m=len(pages)))
    if d.flag("reprint"):
        lines.insert(0, _("This is a reprint of document {no}.").format(no=d.text("document_no")))
    paged(cv, side, [(s, L.body_px if i == 0 else L.body_px - L.px(2), i == 0, C.INK if i == 0 else C.MUTED)
                     for i, s in enumerate(lines)])  # fmt: skip


def preview_pages(cv: Canvas, lines: list[str], width: int, height: int) -> list[list[str]]:
    """The preview's lines split into pages that fit `height` at the small size: nothing is cut off."""
    L = cv.layout
    step = cv.text.line_height(L.small_px)
    pages: list[list[str]] = [[]]
    used = 0
    for line in lines:
        need = len(cv.text.lines(line, L.small_px, width)) * step + L.px(4)
        if pages[-1] and used + need > height:
            pages.append([])
            used = 0
        pages[-1].append(line)
        used += need
    return pages


@screen("printing")
def printing(cv: Canvas, d: Data) -> None:
    _ = cv._
    if d.text("document") in DOCUMENTS and not d.text("document_no"):  # the registry issues it before paper moves
        title, note = _("Preparing your document"), _("Getting your certified record from the registration service.")
    else:
        title, note = _("Printing your document"), _("Please wait and do not pull the paper.")
    fraction = d.optional_number("progress")
    if fraction is not None:  # the paper moves: what to do when it stops
        note = _("Do not pull the paper: when it stops, tear it off gently at the slot.")
    busy(cv, title, [note], fraction, _("Printing: {pct}%"))


@screen("printed")
def printed(cv: Canvas, d: Data) -> None:
    _ = cv._
    body = page(cv, _("Please take your document"), [(_("Finish"), "done", "", "primary")])
    lines = [_("Tear the paper off gently at the slot.")]
    if d.text("document_no"):
        lines.append(_("Document number: {no}").format(no=d.text("document_no")))
    message(cv, body, lines)


# Why a day is greyed, in the words on its button (booking_rules' verdicts; "full": no free time left that day).
CLOSED_DAYS: dict[str, str] = {
    "holiday": N_("Public holiday"),
    "office_closed": N_("Office closed"),
    "not_open_day": N_("Office closed"),
    "weekend": N_("Weekend"),
    "full": N_("Fully booked"),
    "too_far_ahead": N_("Not yet open for booking"),
    "in_past": N_("Past"),
    "after_cutoff": N_("Booking closed"),
}


def closed_reason(cv: Canvas, day: Data) -> str:
    """The words for a greyed day; a closed Saturday or Sunday is a weekend."""
    reason = day.text("reason")
    if reason == "not_open_day" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", day.text("date")):
        from datetime import date

        if date.fromisoformat(day.text("date")).weekday() >= 5:
            reason = "weekend"
    return cv._(CLOSED_DAYS.get(reason, N_("Not available")))


def per_page_for(choices: int, fit: int, footer: int) -> int:
    """How many choices one page shows: what fits, and no more than the spoken prompt lists with the footer's
    `footer` buttons (and Previous and Next once the choices page)."""
    if choices <= min(fit, MAX_BUTTONS - footer):
        return max(1, choices)
    return max(1, min(fit, MAX_BUTTONS - footer - 2))


@screen("booking_calendar")
def booking_calendar(cv: Canvas, d: Data) -> None:
    """Up to 15 days ahead; days the journey marks unavailable are greyed and cannot be touched."""
    _ = cv._
    L = cv.layout
    office = d.text("office")
    body = L.body
    days = d.items("days")
    cols = 4 if L.large_text else 5
    gap = L.px(8)
    # A day's button keeps room for two lines (a greyed day's date and its reason): days that do not fit page.
    least = max(L.touch_min, 2 * cv.text.line_height(L.small_px, True) + L.px(10))
    office_h = L.px(34) + L.px(6) if office else 0
    rows_fit = max(1, (body.height - office_h - cv.text.line_height(L.small_px) + gap) // (least + gap))
    per_page = per_page_for(len(days), rows_fit * cols, 2)
    pages = max(1, -(-len(days) // per_page))
    pg = min(max(0, cv.view_page), pages - 1)
    footer: list[tuple[str, str, str, str]] = [(_("Back"), "back", "", "secondary"), cancel(cv)]
    footer += page_turns(cv, pg, pages)
    page(cv, _("Choose a day"), footer)
    days = days[pg * per_page : (pg + 1) * per_page]
    top = _error_line(cv, body, _booking_error(cv, d))
    if office:
        got = cv.text.block(cv.surface, office, pygame.Rect(body.left, top, body.width, L.px(34)), L.small_px, C.MUTED)
        top = got.bottom + L.px(6)
    rows = max(1, (len(days) + cols - 1) // cols)
    w = (body.width - gap * (cols - 1)) // cols
    h = max(least, min(L.px(90), (body.bottom - top - gap * (rows - 1)) // rows))
    for i, day in enumerate(days):
        iso = day.text("date")
        weekday, label = day_label(iso, cv.language)
        rect = pygame.Rect(body.left + (i % cols) * (w + gap), top + (i // cols) * (h + gap), w, h)
        open_day = day.flag("available", True)
        if open_day:
            button(cv, rect, f"{weekday} {label}", "day", iso, kind="secondary", size_px=L.small_px)
            continue
        # A greyed day: its date above, why it cannot be booked below, each on a line of its own.
        button(cv, rect, "", "day", iso, kind="secondary", enabled=False)
        inner = rect.inflate(-2 * L.px(6), -2 * L.px(4))
        upper = pygame.Rect(inner.left, inner.top, inner.width, inner.height // 2)
        lower = pygame.Rect(inner.left, upper.bottom, inner.width, inner.height - upper.height)
        cv.text.block(cv.surface, f"{weekday} {label}", upper, L.small_px, C.MUTED, bold=True, align="center",
                      valign="middle")  # fmt: skip
        cv.text.block(cv.surface, closed_reason(cv, day), lower, L.small_px, C.MUTED, align="center", valign="middle")


@screen("booking_slots")
def booking_slots(cv: Canvas, d: Data) -> None:
    _ = cv._
    L = cv.layout
    body = cv.layout.body
    slots = d.items("slots")
    cols = 3 if L.large_text else 4
    gap = L.px(8)
    # A slot's button keeps a full touch target and its label's line: the slots that do not fit go on pages.
    least = max(L.touch_min, cv.text.line_height(L.button_px, True) * 3 // 4)
    date_h = cv.text.line_height(L.body_px, True) + L.px(8)
    rows_fit = max(1, (body.height - date_h - cv.text.line_height(L.small_px) + gap) // (least + gap))
    per_page = per_page_for(len(slots), rows_fit * cols, 1)
    pages = max(1, -(-len(slots) // per_page))
    pg = min(max(0, cv.view_page), pages - 1)
    footer: list[tuple[str, str, str, str]] = [(_("Back"), "back", "", "secondary")]
    footer += page_turns(cv, pg, pages)
    page(cv, _("Choose a time"), footer)
    slots = slots[pg * per_page : (pg + 1) * per_page]
    top = _error_line(cv, body, _booking_error(cv, d))
    got = cv.text.block(
        cv.surface,
        long_date(d.text("date"), cv.language),
        pygame.Rect(body.left, top, body.width, L.px(36)),
        L.body_px,
        C.INK,
        bold=True,
    )
    top = got.bottom + L.px(8)
    rows = max(1, (len(slots) + cols - 1) // cols)
    w = (body.width - gap * (cols - 1)) // cols
    h = max(least, min(L.px(70), (body.bottom - top - gap * (rows - 1)) // rows))
    for i, slot in enumerate(slots):
        rect = pygame.Rect(body.left + (i % cols) * (w + gap), top + (i // cols) * (h + gap), w, h)
        t = slot.text("time")
        button(cv, rect, t, "slot", t, kind="secondary", enabled=slot.flag("available", True))
    if not slots:
        message(cv, pygame.Rect(body.left, top, body.width, body.bottom - top), [_("No times are free on this day.")])


@screen("booking_review")
def booking_review(cv: Canvas, d: Data) -> None:
    """The last check before a slot is booked: what, where and when; "Book" sits where the main button always is."""
    _ = cv._
    body = page(
        cv, _("Book this visit?"), [(_("Back"), "back", "", "secondary"), (_("Book"), "confirm", "", "primary")]
    )
    lines = [
        _("{date} at {time}").format(date=long_date(d.text("date"), cv.language), time=d.text("time")),
        d.text("office"),
        _(BOOKING_SERVICES[d.text("service")]) if d.text("service") in BOOKING_SERVICES else "",
        _("Please bring your ID card."),
    ]
    message(cv, body, [s for s in lines if s])


def _reference(cv: Canvas, d: Data) -> str:
    """The booking reference in its two groups of four, to read aloud at the counter."""
    ref = d.text("reference")
    return cv._("Reference: {reference}").format(reference=grouped_reference(ref)) if ref else ""


@screen("booking_confirmed")
def booking_confirmed(cv: Canvas, d: Data) -> None:
    _ = cv._
    buttons = [(_("Finish"), "done", "", "primary")]
    if d.flag("print"):
        buttons.insert(0, (_("Print a ticket"), "print", "", "secondary"))
    body = page(cv, _("Your visit is booked"), buttons)
    body = pygame.Rect(body.left, _error_line(cv, body, _booking_error(cv, d)), body.width, body.height)
    lines = [
        _("{date} at {time}").format(date=long_date(d.text("date"), cv.language), time=d.text("time")),
        d.text("office"),
        _(BOOKING_SERVICES[d.text("service")]) if d.text("service") in BOOKING_SERVICES else "",
        _reference(cv, d),
        _("Please bring your ID card."),
        "" if d.flag("print") else _("The ticket cannot be printed right now: please note the reference."),
    ]
    message(cv, body, [s for s in lines if s])


@screen("own_data")
def own_data(cv: Canvas, d: Data) -> None:
    """One page of the citizen's own record; rows are (field, value), the field name translated here."""
    _ = cv._
    L = cv.layout
    pg, pages = d.integer("page", 1), max(1, d.integer("pages", 1))
    buttons = [(_("Finish"), "done", "", "secondary")]
    buttons.append((_("Previous"), "page", str(pg - 1), "secondary") if pg > 1 else ("", "", "", ""))
    buttons.append((_("Next"), "page", str(pg + 1), "primary") if pg < pages else ("", "", "", ""))
    title = _("My data") + (f" ({pg}/{pages})" if pages > 1 else "")
    body = page(cv, title, buttons)
    panel(cv, body)
    inner = body.inflate(-L.px(24), -L.px(16))
    label_w = L.px(170 if not L.large_text else 210)
    rows = []
    for row in d.items("rows"):
        label, value = record_row(cv, row.text("field") or row.text("label"), row.text("value"))
        rows.append((label, long_date(value, cv.language) if row.text("kind") == "date" else value))
    field_rows(cv, inner, rows, label_w)


def _office_name(cv: Canvas, office: Data) -> str:
    return (office.text("name_en") if cv.language == "en" else "") or office.text("name_th") or office.text("name")


@screen("booking_action")
def booking_action(cv: Canvas, d: Data) -> None:
    _ = cv._
    L = cv.layout
    body = page(cv, _("Book a visit"), [cancel(cv)])
    gap = L.px(16)
    h = min(L.px(120), (body.height - gap) // 2)
    button(cv, pygame.Rect(body.left, body.top, body.width, h), _("Book a new visit"), "new_booking")
    mine = pygame.Rect(body.left, body.top + h + gap, body.width, h)
    button(cv, mine, _("See or cancel my bookings"), "my_bookings", kind="secondary")


BOOKING_SERVICES: dict[str, str] = {
    "general": N_("General registration"),
    "id_card": N_("ID card"),
    "house_register": N_("House register"),
    "move_in": N_("Moving in"),
    "move_out": N_("Moving out"),
    "birth": N_("Birth registration"),
    "death": N_("Death registration"),
    "name_change": N_("Change of name"),
    "thaid": N_("ThaiD digital ID"),
}
BOOKING_ERRORS: dict[str, str] = {
    "booking_too_late": N_("Bookings for tomorrow close at 16:00. Please choose a later day."),
    "slot_taken": N_("That time has just been booked. Please choose another time."),
    "choose_office": N_("Choose an office first."),
    "printer_failed": N_("The ticket could not be printed. Your booking is kept."),
}


def _booking_error(cv: Canvas, d: Data) -> str:
    err = d.text("error")
    if not err:
        return ""
    return cv._(BOOKING_ERRORS[err]) if err in BOOKING_ERRORS else cv._("This day cannot be booked.")


def _error_line(cv: Canvas, rect: pygame.Rect, text: str) -> int:
    """A red note at the top of `rect`; returns the y below it."""
    if not text:
        return rect.top
    got = cv.text.block(cv.surface, text, rect, cv.layout.small_px, C.DANGER, bold=True)
    return got.bottom + cv.layout.px(6)


@screen("booking_office")
def booking_office(cv: Canvas, d: Data) -> None:
    """Choose an office, then one of the services it offers (both on this screen, as the journey expects); offices
    that do not fit, or are more than the spoken prompt lists beside the services, go on further pages."""
    _ = cv._
    L = cv.layout
    chosen = d.text("office")
    body = L.body
    top = _error_line(cv, body, _booking_error(cv, d))
    offices = d.items("offices")
    services = d.strings("services") if chosen else []
    left_w = body.width // 2 - L.px(6) if services else body.width
    gap = L.px(10)
    # every office button stays a full touch target (never 38 px tall), in one column beside the services or two
    rows_fit = max(1, (body.bottom - top + gap) // (L.touch_min + gap))
    most_cols = 1 if services else 2
    per_page = per_page_for(len(offices), rows_fit * most_cols, 1 + len(services))
    pages = max(1, -(-len(offices) // per_page))
    pg = min(max(0, cv.view_page), pages - 1)
    footer: list[tuple[str, str, str, str]] = [cancel(cv)]
    footer += page_turns(cv, pg, pages)
    page(cv, _("Choose a district office and service") if chosen else _("Choose a district office"), footer)
    shown = offices[pg * per_page : (pg + 1) * per_page]
    cols = max(1, min(most_cols, -(-len(shown) // rows_fit)))
    rows = -(-len(shown) // cols) if shown else 1
    h = max(L.touch_min, min(L.px(84), (body.bottom - top - gap * (rows - 1)) // rows))
    w = (left_w - gap * (cols - 1)) // cols
    for i, office in enumerate(shown):
        rect = pygame.Rect(body.left + (i // rows) * (w + gap), top + (i % rows) * (h + gap), w, h)
        oid = office.text("id")
        button(cv, rect, _office_name(cv, office), "office", oid, kind="primary" if oid == chosen else "secondary")
    if services:
        x = body.left + left_w + L.px(12)
        w = body.right - x
        sh = min(L.px(70), (body.bottom - top - gap * (len(services) - 1)) // len(services))
        for i, svc in enumerate(services):
            label = _(BOOKING_SERVICES[svc]) if svc in BOOKING_SERVICES else svc
            button(cv, pygame.Rect(x, top + i * (sh + gap), w, sh), label, "service", svc, kind="ok")
    if not offices:
        message(cv, body, [_("No office offers this service right now.")])


@screen("booking_list")
def booking_list(cv: Canvas, d: Data) -> None:
    _ = cv._
    L = cv.layout
    body = page(cv, _("My bookings"), [cancel(cv), (_("Book a new visit"), "new_booking", "", "primary")])
    bookings = d.items("bookings")
    gap = L.px(10)
    h = min(L.px(84), (body.height - gap * max(0, len(bookings) - 1)) // max(1, len(bookings)))
    for i, b in enumerate(bookings):
        rect = pygame.Rect(body.left, body.top + i * (h + gap), body.width, h)
        when = _("{date} at {time}").format(date=long_date(b.text("date"), cv.language), time=b.text("time"))
        button(cv, rect, f"{when} · {b.text('office')}", "booking", b.text("reference"), kind="secondary")
    if not bookings:
        message(cv, body, [_("You have no bookings.")])


@screen("booking_cancel")
def booking_cancel(cv: Canvas, d: Data) -> None:
    _ = cv._
    buttons = [(_("Keep it"), "back", "", "secondary"), (_("Cancel this booking"), "confirm", "", "danger")]
    body = page(cv, _("Cancel this booking?"), buttons)
    lines = [
        _("{date} at {time}").format(date=long_date(d.text("date"), cv.language), time=d.text("time")),
        d.text("office"),
        _(BOOKING_SERVICES[d.text("service")]) if d.text("service") in BOOKING_SERVICES else "",
        _reference(cv, d),
    ]
    message(cv, body, [s for s in lines if s])
