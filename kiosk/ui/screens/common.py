"""Screens every journey passes through: attract, language, service menu, consent, errors, time-outs, goodbye."""

from __future__ import annotations

from collections.abc import Sequence

import pygame

from kiosk.booking_rules import grouped_reference
from kiosk.ui import events
from kiosk.ui import layout as C
from kiosk.ui.canvas import Canvas, Data
from kiosk.ui.i18n import N_
from kiosk.ui.screens.chrome import cancel, message, page, page_turns, paged
from kiosk.ui.view import screen
from kiosk.ui.widgets import button, panel, progress_bar, spinner

SERVICES: dict[str, tuple[str, str]] = {
    "thaid": (N_("ThaiD digital ID"), N_("Register or activate your ThaiD with your ID card and face")),
    "thaid_officer": (N_("ThaiD with an officer"), N_("Register with your index finger and an officer's QR code")),
    "extract": (N_("Certified extract"), N_("Print a house-register entry or your registration history")),
    "booking": (N_("Book a visit"), N_("Book a time at the district office")),
    "own_data": (N_("My data"), N_("Check your own registration data")),
}

# What each service collects and why (PDPA: one purpose per consent, named exactly); the face or fingerprint is
# compared on the kiosk and never stored, except the fingerprint an officer enrols for ThaiD.
CONSENTS: dict[str, tuple[str, ...]] = {
    "thaid": (
        N_("To enrol you for ThaiD the kiosk reads your ID card and compares your face with the card's photo."),
        N_("Your face image is used only for this comparison and is never stored."),
        N_("Your ID number and name are sent, encrypted, to the registration service to create your ThaiD."),
    ),
    "extract": (
        N_(
            "To print your certified document the kiosk reads your ID card and checks that you are its holder: "
            "your face against the card's photo, or your fingerprint if the face does not match."
        ),
        N_("Your face image or fingerprint is used only for this check and is never stored."),
        N_("Your ID number is sent, encrypted, to the registration service to fetch the record it certifies."),
    ),
    "own_data": (
        N_(
            "To show you your own registration data the kiosk reads your ID card and checks that you are its holder: "
            "your face against the card's photo, or your fingerprint if the face does not match."
        ),
        N_("Your face image or fingerprint is used only for this check and is never stored."),
        N_("Your data is shown on this screen only: nothing is printed or kept."),
    ),
    "booking": (
        N_(
            "To book a visit in your name the kiosk reads your ID card and checks that you are its holder: "
            "your face against the card's photo, or your fingerprint if the face does not match."
        ),
        N_("Your face image or fingerprint is used only for this check and is never stored."),
        N_("Your ID number, the office, the day and the time are sent, encrypted, to the registration service."),
    ),
    "thaid_officer": (
        N_("To enrol you for ThaiD the officer's kit reads your ID card and records one fingerprint."),
        N_("Your fingerprint template is kept, encrypted, for ThaiD only and sent to the registration service."),
        N_("Your ID number and name are sent with it."),
    ),
}

ERRORS: dict[str, tuple[str, str]] = {
    "card_removed": (
        N_("The card was removed"),
        N_("The session has ended and nothing was kept. To continue, choose the service again."),
    ),
    "card_unreadable": (N_("Cannot read this card"), N_("Check that it is a Thai ID card, chip up, and try again.")),
    "card_not_thai_id": (N_("This is not a Thai ID card"), N_("Please use your Thai national ID card.")),
    "card_expired": (N_("This card has expired"), N_("Please renew your ID card at a district office.")),
    "card_timeout": (
        N_("The card did not answer"),
        N_("Take the card out and insert it again, chip first, and leave it in."),
    ),
    "card_invalid": (
        N_("The data on this card could not be verified"),
        N_("Please have the card checked at a district office."),
    ),
    "card_reader_failed": (N_("The card reader is not working."), N_("Please use another kiosk or ask an officer.")),
    "face_mismatch": (N_("Your face did not match the card"), N_("Only the card holder can use this service.")),
    "face_timeout": (N_("We could not see your face clearly"), N_("Stand in good light, facing the camera.")),
    "liveness_failed": (
        N_("Please follow the instructions on screen"),
        N_("The check did not see the movement asked for."),
    ),
    "liveness_face_lost": (
        N_("Your face left the camera's view"),
        N_("Keep your face in the frame until the check has finished."),
    ),
    "liveness_multiple_faces": (
        N_("More than one face was seen"),
        N_("Only the card holder should be in front of the camera."),
    ),
    "liveness_face_jumped": (
        N_("Your face moved too suddenly"),
        N_("Stand still, facing the camera, and move only when asked."),
    ),
    "liveness_broken_motion": (
        N_("The movement was not smooth"),
        N_("Turn your head slowly and keep your face in the frame."),
    ),
    "liveness_face_changed": (
        N_("The face changed during the check"),
        N_("Only the card holder can use this service."),
    ),
    "liveness_flat_motion": (
        N_("The camera did not see a head turning"),
        N_("Turn your own head slowly. Photos and screens are not accepted."),
    ),
    "liveness_screen_cues": (
        N_("The camera saw a screen or a photo"),
        N_("Look at the camera yourself. Photos and screens are not accepted."),
    ),
    "liveness_no_reflection": (
        N_("The screen's light did not reach a face"),
        N_("Face the screen yourself, about an arm's length away. Phones and tablets are not accepted."),
    ),
    "liveness_wrong_colour": (
        N_("The colours on your face did not match the screen"),
        N_("Keep still and keep looking at the screen while it changes colour."),
    ),
    "liveness_flat_reflection": (
        N_("The screen's light fell on a flat picture"),
        N_("Look at the screen yourself. Photos are not accepted."),
    ),
    "camera_failed": (N_("The camera is not working"), N_("Please use another kiosk or ask an officer.")),
    "finger_no_match": (N_("Fingerprint not recognised"), N_("Please ask the officer for help.")),
    "finger_worn": (N_("Your fingerprint could not be read"), N_("The officer can confirm who you are another way.")),
    "finger_failed": (N_("The fingerprint sensor is not working"), N_("Please ask an officer for help.")),
    "passcode_mismatch": (N_("The passcodes were not the same"), N_("Please set your passcode again.")),
    "passcode_attempts": (N_("Too many wrong passcodes"), N_("For your safety, please start again.")),
    "printer_paper_out": (
        N_("The printer is out of paper"),
        N_("Your document was not printed. Please ask an officer, or use another kiosk."),
    ),
    "printer_cover_open": (N_("The printer cover is open"), N_("Please ask an officer to close it.")),
    "printer_failed": (
        N_("The document could not be printed"),
        N_("It has been voided. Please try again or ask an officer."),
    ),
    "registry_offline": (
        N_("The registration service cannot be reached"),
        N_("Nothing was sent. Please try again later, use another kiosk, or go to the district office."),
    ),
    "registry_refused": (
        N_("The registration service refused the request"),
        N_("Please ask an officer at the district office."),
    ),
    "presence_refused": (
        N_("The kiosk could not confirm that it is you"),
        N_("Nothing was shown or changed. Please start again with your card; if it happens again, ask an officer."),
    ),
    "sync_overdue": (
        N_("Enrolment is paused: this kit must sync first"),
        N_("It has not reached the registration service for too long. Connect it and sync, or call the operator."),
    ),
    "sync_clock_behind": (
        N_("Enrolment is paused: this kit's clock is wrong"),
        N_("Its clock is earlier than its last sync. Set the time, connect and sync, or call the operator."),
    ),
    "slot_taken": (N_("That time has just been booked"), N_("Please choose another time.")),
    "booking_too_late": (N_("Bookings for tomorrow close at 16:00"), N_("Please choose a later day.")),
    "not_found": (N_("No record was found"), N_("Please ask at your district office.")),
    "timed_out": (N_("The session has ended"), N_("Nothing was saved. Please start again when you are ready.")),
    "failed": (N_("Something went wrong"), N_("Please try again or ask an officer.")),
    "locked_out": (
        N_("Too many attempts"),
        N_("For your safety this service is locked for a while. Please try later."),
    ),
    "refer_officer": (N_("An officer needs to help you"), N_("Please go to the counter with your ID card.")),
    "cid_mismatch": (N_("The number does not match the card"), N_("Please check the number you typed.")),
    "wrong_card": (N_("This card cannot be used here"), N_("Please insert the citizen's own ID card.")),
    "officer_rejected": (N_("Officer not recognised"), N_("Check the officer card, PIN or finger and try again.")),
}

# The journeys' own ids for the same services.
SERVICES["enrol_self"] = SERVICES["thaid"]
SERVICES["enrol_officer"] = SERVICES["thaid_officer"]

OUT_OF_SERVICE: dict[str, str] = {
    "tamper": N_("This kiosk has been opened and is locked for your safety."),
    "tamper_open": N_("The case is still open. Close it, then sign in again with the officer card."),
    "printer": N_("The printer needs attention."),
    "card_reader": N_("The card reader is not working."),
    "maintenance": N_("Maintenance is in progress."),
    "start_check": N_(
        "The kiosk found a fault when it started. Please use another kiosk or visit the district office."
    ),
    "": N_("Please use another kiosk or visit the district office."),
}
OUT_OF_SERVICE_TITLE = N_("Out of service")


@screen("attract")
def attract(cv: Canvas, d: Data) -> None:
    """Both languages at once: the first screen must speak to whoever walks up."""
    L = cv.layout
    r = cv.rect
    pygame.draw.rect(cv.surface, C.HEADER_BG, r)
    cv.touch(r, "start")
    pad = L.margin * 2
    area = r.inflate(-2 * pad, -2 * pad)
    y = area.top + L.px(20)
    for s, size, bold in (
        ("บริการงานทะเบียนด้วยตนเอง", L.font_px(40), True),
        ("Self-service civil registration", L.font_px(26), False),
    ):
        got = cv.text.block(
            cv.surface,
            s,
            pygame.Rect(area.left, y, area.width, area.bottom - y),
            size,
            C.HEADER_INK,
            bold=bold,
            align="center",
        )
        y = got.bottom + L.px(8)
    y += L.px(24)
    pulse = 0.5 + 0.5 * abs(((cv.now_s * 0.8) % 2.0) - 1.0)
    cv.animating = True
    band = pygame.Rect(area.left + area.width // 8, y, area.width * 3 // 4, L.px(120))
    shade = tuple(int(c1 * pulse + c2 * (1 - pulse)) for c1, c2 in zip(C.PULSE, C.HEADER_BG, strict=True))
    pygame.draw.rect(cv.surface, shade, band, border_radius=L.px(16))
    inner = band.inflate(-L.px(24), -L.px(16))
    top = pygame.Rect(inner.left, inner.top, inner.width, inner.height * 3 // 5)
    bottom = pygame.Rect(inner.left, top.bottom, inner.width, inner.height - top.height)
    cv.text.block(
        cv.surface, "แตะหน้าจอเพื่อเริ่ม", top, L.font_px(34), C.HEADER_INK, bold=True, align="center", valign="middle"
    )
    cv.text.block(
        cv.surface, "Touch the screen to start", bottom, L.font_px(22), C.HEADER_INK, align="center", valign="middle"
    )
    if d.flag("offline"):
        note = pygame.Rect(area.left, area.bottom - L.px(40), area.width, L.px(40))
        cv.text.block(
            cv.surface,
            "ออฟไลน์: บางบริการใช้ไม่ได้ชั่วคราว · Offline: some services are paused",
            note,
            L.small_px,
            (255, 214, 120),
            align="center",
        )


@screen("language")
def language(cv: Canvas, d: Data) -> None:
    L = cv.layout
    volume = [
        ("เบาลง · Quieter", events.VOLUME, "down", "secondary"),
        ("ดังขึ้น · Louder", events.VOLUME, "up", "secondary"),
    ]
    body = page(cv, "เลือกภาษา · Choose a language", [cancel(cv), *volume], switches=False)
    gap = L.px(24)
    w = (body.width - gap) // 2
    h = min(body.height - L.px(20), L.px(200))
    top = body.top + (body.height - h) // 2
    button(cv, pygame.Rect(body.left, top, w, h), "ภาษาไทย", events.LANGUAGE, "th", size_px=L.font_px(40))
    button(cv, pygame.Rect(body.left + w + gap, top, w, h), "English", events.LANGUAGE, "en", size_px=L.font_px(40))


@screen("menu")
def menu(cv: Canvas, d: Data) -> None:
    """Service tiles with name and description at full size; more services than fit go on further pages."""
    _ = cv._
    L = cv.layout
    listed = d.items("services")
    if listed:
        names = [x.text("id") for x in listed if x.text("id") in SERVICES]
        disabled = {x.text("id") for x in listed if not x.flag("enabled", True)}
    else:
        names = [s for s in d.strings("services") if s in SERVICES] or list(SERVICES)
        disabled = set()
    disabled |= set(d.strings("disabled"))
    body = L.body
    cols = 2
    gap = L.px(12)
    pad_x, pad_y = L.px(12), L.px(4)
    w = (body.width - gap * (cols - 1)) // cols
    title_px, blurb_px = L.font_px(26), L.small_px

    def words(name: str) -> tuple[str, str]:
        title, blurb = SERVICES[name]
        return _(title), _(blurb) if name not in disabled else _("Not available right now")

    def need(name: str) -> int:
        title, blurb = words(name)
        inner_w = w - 2 * pad_x
        return (
            2 * pad_y
            + len(cv.text.lines(title, title_px, inner_w, True)) * cv.text.line_height(title_px, True)
            + len(cv.text.lines(blurb, blurb_px, inner_w)) * cv.text.line_height(blurb_px)
        )

    tallest = max((need(n) for n in names), default=0)
    rows = max(1, (body.height + gap) // (tallest + gap)) if tallest else 1
    per_page = rows * cols
    pages = max(1, -(-len(names) // per_page))
    pg = min(max(0, cv.view_page), pages - 1)
    buttons: list[tuple[str, str, str, str]] = [cancel(cv)]
    buttons += page_turns(cv, pg, pages, "primary")
    page(cv, _("Choose a service"), buttons)
    shown = names[pg * per_page : (pg + 1) * per_page]
    used_rows = max(1, -(-len(shown) // cols))
    h = min((body.height - gap * (rows - 1)) // rows, max(tallest, (body.height - gap * (used_rows - 1)) // used_rows))
    for i, name in enumerate(shown):
        title, blurb_text = words(name)
        rect = pygame.Rect(body.left + (i % cols) * (w + gap), body.top + (i // cols) * (h + gap), w, h)
        enabled = name not in disabled
        pygame.draw.rect(cv.surface, C.CARD_BG if enabled else C.SECONDARY, rect, border_radius=L.px(12))
        pygame.draw.rect(cv.surface, C.PRIMARY if enabled else C.OUTLINE, rect, width=L.px(2), border_radius=L.px(12))
        inner = rect.inflate(-2 * pad_x, -2 * pad_y)
        ink = C.PRIMARY if enabled else C.MUTED
        title_h = len(cv.text.lines(title, title_px, inner.width, True)) * cv.text.line_height(title_px, True)
        t = pygame.Rect(inner.left, inner.top, inner.width, title_h)
        cv.text.block(cv.surface, title, t, title_px, ink, bold=True)
        b = pygame.Rect(inner.left, t.bottom, inner.width, inner.bottom - t.bottom)
        cv.text.block(cv.surface, blurb_text, b, blurb_px, C.MUTED)
        if enabled:
            cv.touch(rect, "service", name, label=title, kind="tile")


@screen("consent")
def consent(cv: Canvas, d: Data) -> None:
    _ = cv._
    L = cv.layout
    body = page(
        cv,
        _("Terms and consent"),
        [(_("I do not agree"), "decline", "", "secondary"), (_("I agree"), "accept", "", "primary")],
    )
    panel(cv, body)
    inner = body.inflate(-2 * L.px(16), -2 * L.px(12))
    service = d.text("service") or d.text("journey") or "thaid"
    title = _(SERVICES[service][0]) if service in SERVICES else ""
    lines = [title, *(_(s) for s in CONSENTS.get(service, CONSENTS["thaid"]))]
    lines.append(_("You may stop at any time by pressing Cancel or taking your card."))
    paged(
        cv,
        inner,
        [
            (s, L.body_px if i == 0 else L.body_px - L.px(2), i == 0, C.INK if i == 0 else C.MUTED)
            for i, s in enumerate(x for x in lines if x)
        ],
    )


@screen("insert_card")
def insert_card(cv: Canvas, d: Data) -> None:
    _ = cv._
    L = cv.layout
    officer = d.text("who") == "officer"
    signed_in = d.flag("signed_in")  # an officer's session waiting for the next citizen: it ends by signing out
    ending = (_("Sign out"), "sign_out", "", "secondary") if signed_in else cancel(cv)
    body = page(cv, _("Officer: insert your ID card") if officer else _("Insert your ID card"), [ending])
    art = pygame.Rect(body.left, body.top, body.width * 2 // 5, body.height)
    text = pygame.Rect(art.right + L.margin, body.top, body.width - art.width - L.margin, body.height)
    slot = pygame.Rect(0, 0, art.width * 3 // 4, L.px(14))
    slot.midbottom = (art.centerx, art.bottom - L.px(30))
    cv.animating = True
    travel = (cv.now_s % 2.0) / 2.0
    card = pygame.Rect(0, 0, slot.width * 4 // 5, int(slot.width * 4 // 5 * 0.63))
    card.midbottom = (slot.centerx, slot.top + int(card.height * 0.7 * travel))
    clip = cv.surface.get_clip()
    cv.surface.set_clip(pygame.Rect(art.left, art.top, art.width, slot.top - art.top))
    pygame.draw.rect(cv.surface, (236, 246, 255), card, border_radius=L.px(10))
    pygame.draw.rect(cv.surface, C.PRIMARY, card, width=L.px(3), border_radius=L.px(10))
    chip = pygame.Rect(card.left + card.width // 8, card.top + card.height // 3, card.width // 6, card.height // 4)
    pygame.draw.rect(cv.surface, (212, 175, 55), chip, border_radius=L.px(3))
    cv.surface.set_clip(clip)
    pygame.draw.rect(cv.surface, C.INK, slot, border_radius=L.px(6))
    message(
        cv,
        text,
        [
            _("Insert your Thai ID card into the slot below the screen, chip facing up."),
            _("Leave it in until the kiosk asks you to take it."),
            *([_("Citizens enrolled in this session: {n}").format(n=int(d.number("enrolled")))] if signed_in else []),
        ],
    )


@screen("reading_card")
def reading_card(cv: Canvas, d: Data) -> None:
    _ = cv._
    name = d.text("name")  # the holder's title and first name, once the card has given them
    title = _("Reading card — {name}").format(name=name) if name else _("Reading your card")
    notes = [_("Please do not remove your card."), _("When the card is read, the kiosk goes on by itself.")]
    busy(cv, title, notes, d.optional_number("progress"), _("Reading the photo from your card: {pct}%"))


@screen("working")
def working(cv: Canvas, d: Data) -> None:
    """Any wait longer than half a second that has no screen of its own; `task` says what is being done."""
    _ = cv._
    tasks = {
        "sending": N_("Sending to the registration service"),
        "matching": N_("Checking your face"),
        "finger_matching": N_("Checking your fingerprint"),
        "preparing": N_("Preparing your document"),
        "loading": N_("Loading"),
        "officer_check": N_("Checking the officer"),
    }
    busy(cv, _(tasks.get(d.text("task"), tasks["loading"])), [_("Please wait.")], d.optional_number("progress"))


def busy(cv: Canvas, title: str, notes: Sequence[str], fraction: float | None, words: str = "") -> None:
    """A wait: a spinner while how long is unknown, or the progress bar with `words` and the percentage done; then
    what the person should know meanwhile and what happens next."""
    L = cv.layout
    body = page(cv, title, [])
    top = body.top + L.px(16)
    if fraction is None:
        radius = L.px(36)
        spinner(cv, (body.centerx, top + radius), radius)
        top += 2 * radius + L.px(24)
    area = pygame.Rect(body.left, top, body.width, body.bottom - top)
    y = progress_bar(cv, area, fraction, words or cv._("Done: {pct}%"))
    for note in notes:
        rest = pygame.Rect(body.left, y + L.px(10), body.width, body.bottom - y - L.px(10))
        y = cv.text.block(cv.surface, note, rest, L.body_px - L.px(2), C.MUTED, align="center").bottom


@screen("remove_card")
def remove_card(cv: Canvas, d: Data) -> None:
    _ = cv._
    officer = d.text("who") == "officer"
    body = page(cv, _("Officer: take your card") if officer else _("Please take your card"), [])
    lines = [_("Take your ID card from the slot.")]
    lines.append(_("The kiosk continues once the card is out.") if officer else _("Thank you for using the service."))
    message(cv, body, lines)


@screen("thank_you")
def thank_you(cv: Canvas, d: Data) -> None:
    _ = cv._
    body = page(cv, _("Thank you"), [(_("Finish"), "done", "", "primary")])
    lines = [_("Your booking has been cancelled.") if d.flag("cancelled") else _("Your request is complete.")]
    if d.text("reference"):
        lines.append(_("Reference: {reference}").format(reference=grouped_reference(d.text("reference"))))
    message(cv, body, lines)


@screen("error")
def error(cv: Canvas, d: Data) -> None:
    _ = cv._
    L = cv.layout
    title, detail = ERRORS.get(d.text("reason"), ERRORS["failed"])
    # With a retry on offer the journey is still running: leaving it is a cancel; otherwise it has ended.
    retry = d.flag("retry")
    buttons = [(_("Cancel") if retry else _("Finish"), "cancel" if retry else "done", "", "secondary")]
    if retry:
        buttons.append((_("Try again"), "retry", "", "primary"))
    body = page(cv, _("Sorry"), buttons)
    mark = pygame.Rect(body.left, body.top, L.px(72), L.px(72))
    pygame.draw.circle(cv.surface, C.DANGER, mark.center, mark.width // 2)
    cv.text.block(cv.surface, "!", mark, L.font_px(44), C.PRIMARY_INK, bold=True, align="center", valign="middle")
    text = pygame.Rect(mark.right + L.margin, body.top, body.right - mark.right - L.margin, body.height)
    lines = [_(title), _(detail)]
    left = d.integer("attempts_left", -1)
    if left > 0:
        lines.append(_("Attempts left: {n}").format(n=left))
    if d.flag("take_card"):
        lines.append(_("Please take your ID card from the slot."))
    message(cv, text, lines)


@screen("out_of_service")
def out_of_service(cv: Canvas, d: Data) -> None:
    """Shown by itself (no buttons): nothing a citizen does here can help."""
    L = cv.layout
    r = cv.rect
    pygame.draw.rect(cv.surface, (60, 64, 72), r)
    area = r.inflate(-4 * L.margin, -4 * L.margin)
    reason = OUT_OF_SERVICE.get(d.text("reason"), OUT_OF_SERVICE[""])
    from kiosk.ui.i18n import translator

    th, en = translator("th"), translator("en")
    y = area.top
    for s, size, bold in (
        (th(OUT_OF_SERVICE_TITLE), L.font_px(40), True),
        (th(reason), L.body_px, False),
        (en(OUT_OF_SERVICE_TITLE), L.font_px(30), True),
        (en(reason), L.body_px, False),
    ):
        got = cv.text.block(
            cv.surface,
            s,
            pygame.Rect(area.left, y, area.width, area.bottom - y),
            size,
            (255, 255, 255),
            bold=bold,
            align="center",
        )
        y = got.bottom + L.px(12)


@screen("confirm_cancel")
def confirm_cancel(cv: Canvas, d: Data) -> None:
    """Asked before a half-done journey is dropped. "Keep going" sits where the screens' main button is, so a
    second tap where the last screen's main button was keeps the journey."""
    _ = cv._
    body = page(
        cv, _("Stop here?"), [(_("Stop"), "cancel", "", "secondary"), (_("Keep going"), "continue", "", "primary")]
    )
    lines = [_("What you have done so far will not be kept.")]
    if d.flag("card"):
        lines.append(_("Please take your card when asked."))
    message(cv, body, lines)


@screen("timeout_warning")
def timeout_warning(cv: Canvas, d: Data) -> None:
    _ = cv._
    L = cv.layout
    body = page(
        cv,
        _("Do you need more time?"),
        [(_("Finish"), "done", "", "secondary"), (_("More time"), "more_time", "", "primary")],
    )
    left = max(0, int(d.number("seconds_left", 0)))
    big = pygame.Rect(body.left, body.top, body.width, body.height // 2)
    cv.text.block(cv.surface, str(left), big, L.font_px(72), C.PRIMARY, bold=True, align="center", valign="middle")
    cv.text.block(
        cv.surface,
        _("The session will end in {n} seconds.").format(n=left),
        pygame.Rect(body.left, big.bottom, body.width, body.height - big.height),
        L.body_px,
        C.INK,
        align="center",
    )
