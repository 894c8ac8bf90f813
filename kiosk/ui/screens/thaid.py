"""ThaiD enrolment screens: the passcode keypad (digits masked), typing the citizen ID, and the activation QR."""

from __future__ import annotations

import pygame

from kiosk.ui import layout as C
from kiosk.ui.canvas import Canvas, Data
from kiosk.ui.i18n import N_
from kiosk.ui.screens.chrome import cancel, message, page, paged
from kiosk.ui.view import screen
from kiosk.ui.widgets import button, keypad, masked_digits, panel, qr

PASSCODE_TITLES: dict[str, str] = {
    "officer_pin": N_("Officer: enter your PIN"),
    "set": N_("Set a passcode"),
    "confirm": N_("Enter the passcode again"),
    "consent": N_("Enter your passcode to give consent"),
}
PASSCODE_ERRORS: dict[str, str] = {
    "mismatch": N_("The two passcodes are different. Please start again."),
    "sequence": N_("Do not use a run of digits such as 1234 or 9876."),
    "repeat": N_("Do not repeat the same digit so many times, such as 1111."),
    "wrong": N_("Wrong passcode."),
    "length": N_("The passcode needs {length} digits."),
    "personal": N_("Do not use your birth date."),
    "digits": N_("Use digits only."),
}


@screen("passcode")
def passcode(cv: Canvas, d: Data) -> None:
    _ = cv._
    L = cv.layout
    purpose = d.text("purpose", "set")
    body = page(cv, _(PASSCODE_TITLES.get(purpose, PASSCODE_TITLES["set"])), [cancel(cv)])
    length = d.integer("length", 8)
    entered = d.integer("entered", 0)
    left = pygame.Rect(body.left, body.top, body.width * 2 // 5, body.height)
    pad = pygame.Rect(left.right + L.margin, body.top, body.right - left.right - L.margin, body.height)
    dots = pygame.Rect(left.left, left.top, left.width, L.px(44))
    masked_digits(cv, dots, entered, length)
    lines = [_("{length} digits. Nobody else should see it.").format(length=length)]
    if purpose == "officer_pin":
        lines = [_("Nobody else should see it.")]
    err = d.text("error")
    if err in PASSCODE_ERRORS:
        lines = [_(PASSCODE_ERRORS[err]).format(length=length)]
    attempts_left = d.integer("attempts_left", d.integer("left", -1))
    if attempts_left >= 0 and (err or purpose == "consent"):
        lines.append(_("Attempts left: {n}").format(n=attempts_left))
    text = pygame.Rect(left.left, dots.bottom + L.px(16), left.width, left.bottom - dots.bottom - L.px(16))
    if err:
        pygame.draw.rect(cv.surface, C.DANGER, pygame.Rect(text.left, text.top, L.px(6), L.px(60)))
        text = text.inflate(-L.px(16), 0).move(L.px(8), 0)
    message(cv, text, lines)
    keypad(cv, pad, ok_enabled=entered == length)


def _format_cid(digits: str) -> str:
    """1-2345-67890-12-3, filled as typed."""
    groups = (1, 4, 5, 2, 1)
    out, i = [], 0
    for g in groups:
        if i >= len(digits):
            break
        out.append(digits[i : i + g])
        i += g
    return "-".join(out)


@screen("citizen_id_entry")
def citizen_id_entry(cv: Canvas, d: Data) -> None:
    """Officer-assisted enrolment: the citizen types their own 13-digit ID (shown, so they can check it)."""
    _ = cv._
    L = cv.layout
    body = page(cv, _("Enter your 13-digit ID number"), [cancel(cv)])
    digits = "".join(ch for ch in d.text("digits") if ch.isdigit())[:13]
    left = pygame.Rect(body.left, body.top, body.width * 2 // 5, body.height)
    pad = pygame.Rect(left.right + L.margin, body.top, body.right - left.right - L.margin, body.height)
    field = pygame.Rect(left.left, left.top, left.width, L.px(60))
    panel(cv, field)
    shown = _format_cid(digits) or "_-____-_____-__-_"
    cv.text.block(
        cv.surface,
        shown,
        field.inflate(-L.px(12), 0),
        L.font_px(28),
        C.INK if digits else C.OUTLINE,
        bold=True,
        align="center",
        valign="middle",
    )
    lines = [_("As printed on the front of your ID card.")]
    if d.text("error") == "check_digit":
        lines = [_("This number is not valid. Please check it.")]
    message(cv, pygame.Rect(left.left, field.bottom + L.px(16), left.width, left.bottom - field.bottom), lines)
    keypad(cv, pad, ok_enabled=len(digits) == 13)


@screen("activation_qr")
def activation_qr(cv: Canvas, d: Data) -> None:
    _ = cv._
    L = cv.layout
    buttons = [(_("Finish"), "done", "", "primary")]
    if d.flag("receipt"):
        buttons.insert(0, (_("Print a receipt"), "receipt", "", "secondary"))
    body = page(cv, _("Scan with the ThaiD app"), buttons)
    side = min(body.height, body.width // 2)
    code_rect = pygame.Rect(body.left, body.top, side, side)
    payload = d.text("payload") or d.text("qr")
    if payload:
        pygame.draw.rect(cv.surface, (255, 255, 255), code_rect)
        qr(cv, code_rect, payload)
    text = pygame.Rect(code_rect.right + L.margin, body.top, body.right - code_rect.right - L.margin, body.height)
    lines = [
        _("Open the ThaiD app on your phone and scan this code to activate your digital ID."),
    ]
    if d.text("code"):
        lines.append(_("Or enter this code: {code}").format(code=d.text("code")))
    left = d.optional_number("expires_in_s")
    if left is not None:
        lines.append(_("The code is valid for {m} more minutes.").format(m=max(0, int(left // 60))))
    if d.flag("offline"):
        lines.append(_("Saved on this kit and sent to the registration service automatically."))
    paged(cv, text, [(s, L.body_px if i == 0 else L.body_px - L.px(2), i == 0, C.INK if i == 0 else C.MUTED)
                     for i, s in enumerate(lines)])  # fmt: skip


OFFICER_METHODS: dict[str, str] = {"card": N_("Officer card and PIN"), "finger": N_("Officer fingerprint")}


@screen("officer_signin")
def officer_signin(cv: Canvas, d: Data) -> None:
    """An officer signs in before helping a citizen: with their card and PIN, or their finger where the kit has one."""
    _ = cv._
    L = cv.layout
    body = page(cv, _("Officer sign-in"), [cancel(cv)])
    methods = [m for m in d.strings("methods") if m in OFFICER_METHODS] or ["card"]
    y = message(cv, body, [_("Wrong PIN or not an officer card.") if d.text("error") else _("Officers only.")])
    gap = L.px(14)
    h = min(L.px(110), (body.bottom - y - gap * (len(methods) - 1)) // len(methods))
    for i, m in enumerate(methods):
        label = OFFICER_METHODS[m]
        button(cv, pygame.Rect(body.left, y + i * (h + gap), body.width, h), _(label), "sign_in", m)
