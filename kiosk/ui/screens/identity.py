"""Screens that establish who is at the kiosk: card data check, camera with face guide, liveness, fingerprint."""

from __future__ import annotations

import io
from functools import lru_cache

import pygame

from kiosk.ui import layout as C
from kiosk.ui.canvas import Canvas, Data
from kiosk.ui.dates import long_date
from kiosk.ui.i18n import N_
from kiosk.ui.screens.chrome import cancel, field_rows, footer, message, page
from kiosk.ui.view import screen
from kiosk.ui.widgets import camera_preview, panel

FACE_HINTS: dict[str, tuple[str, tuple[int, int, int]]] = {
    "no_face": (N_("Look at the camera and place your face inside the oval"), C.WARN),
    "move_closer": (N_("Please come a little closer"), C.WARN),
    "too_far": (N_("Please come a little closer"), C.WARN),
    "move_back": (N_("Please move back a little"), C.WARN),
    "too_close": (N_("Please move back a little"), C.WARN),
    "blurry": (N_("Hold still…"), C.WARN),
    "center": (N_("Move so that your face is inside the oval"), C.WARN),
    "too_dark": (N_("It is too dark: face the light"), C.WARN),
    "too_bright": (N_("Too much light behind you"), C.WARN),
    "multiple_faces": (N_("Only one person in front of the camera, please"), C.WARN),
    "remove_glasses": (N_("Please take off sunglasses or a mask"), C.WARN),
    "face_unclear": (N_("Please take off sunglasses or a mask"), C.WARN),
    "look_straight": (N_("Look straight at the camera"), C.WARN),
    "level_head": (N_("Keep your head level"), C.WARN),
    "hold_still": (N_("Hold still…"), C.OK),
    "ok": (N_("Good, hold still"), C.OK),
}

LIVENESS: dict[str, str] = {
    "blink": N_("Blink your eyes"),
    "turn_left": N_("Turn your head slowly to the left"),
    "turn_right": N_("Turn your head slowly to the right"),
    "smile": N_("Smile"),
    "nod": N_("Nod your head"),
    "look_straight": N_("Look straight at the camera"),
}

# The screen-flash challenge's colours (the names of kiosk.face.flash.COLOURS) as the display draws them: while
# the face service asks for one ("flash_red"), the whole screen shows it, to light the face.
FLASH_PREFIX = "flash_"
FLASH_COLOURS: dict[str, tuple[int, int, int]] = {
    "off": (0, 0, 0),
    "red": (255, 0, 0),
    "green": (0, 255, 0),
    "blue": (0, 0, 255),
    "white": (255, 255, 255),
}

FINGERS: dict[str, str] = {
    "right_index": N_("right index finger"),
    "left_index": N_("left index finger"),
    "right_thumb": N_("right thumb"),
    "left_thumb": N_("left thumb"),
}

FINGER_HINTS: dict[str, str] = {
    "place": N_("Place your {finger} flat on the sensor"),
    "place_finger": N_("Place your {finger} flat on the sensor"),
    "lift": N_("Lift your finger"),
    "lift_finger": N_("Lift your finger"),
    "press_harder": N_("Press a little more firmly, finger flat"),
    "again": N_("Place the same finger again"),
    "place_again": N_("Place the same finger again"),
    "poor_image": N_("Press a little more firmly, finger flat"),
    "reading": N_("Reading your fingerprint…"),
}


@lru_cache(maxsize=4)
def _photo(jpeg: bytes) -> pygame.Surface | None:
    try:
        return pygame.image.load(io.BytesIO(jpeg), "photo.jpg")
    except (pygame.error, ValueError):
        return None


@screen("card_data")
def card_data(cv: Canvas, d: Data) -> None:
    """The card holder's data to confirm; the citizen ID arrives already masked except where the journey says."""
    _ = cv._
    L = cv.layout
    officer = d.flag("officer")
    title = _("Officer: check the citizen's data") if officer else _("Please check your data")
    reject = _("Not correct") if officer else _("This is not me")
    body = page(cv, title, [(reject, "reject", "", "secondary"), (_("Correct"), "confirm", "", "primary")])
    panel(cv, body)
    inner = body.inflate(-L.px(24), -L.px(16))
    photo_w = 0 if L.large_text else inner.height * 3 // 4
    raw = d.raw("photo")
    if photo_w and isinstance(raw, bytes | bytearray):
        surf = _photo(bytes(raw))
        if surf is not None:
            k = min(photo_w / surf.get_width(), inner.height / surf.get_height())
            pic = pygame.transform.smoothscale(surf, (int(surf.get_width() * k), int(surf.get_height() * k)))
            cv.surface.blit(pic, (inner.left, inner.top))
            photo_w = pic.get_width()
    left = inner.left + (photo_w + L.margin if photo_w else 0)
    rows = [
        (_("Name"), d.text("name_th") if cv.language == "th" else d.text("name_en") or d.text("name_th")),
        (_("ID number"), d.text("citizen_id")),
        (_("Date of birth"), long_date(d.text("birth_date"), cv.language)),
        (_("Address"), d.text("address")),
        (_("Card expires"), _expires(cv, d.text("expires") or d.text("expiry"))),
    ]
    label_w = L.px(150 if not L.large_text else 190)
    field_rows(cv, pygame.Rect(left, inner.top, inner.right - left, inner.height), rows, label_w)


def _expires(cv: Canvas, value: str) -> str:
    return cv._("Lifelong") if value == "lifelong" else long_date(value, cv.language)


@screen("face_capture")
def face_capture(cv: Canvas, d: Data) -> None:
    _ = cv._
    L = cv.layout
    body = page(cv, _("Look at the camera"), [cancel(cv)])
    hint, color = FACE_HINTS.get(d.text("hint"), FACE_HINTS["no_face"])
    cam = pygame.Rect(body.left, body.top, body.height * 4 // 3, body.height)
    if L.large_text:
        cam.width = body.width // 2
    camera_preview(cv, cam, color)
    side = pygame.Rect(cam.right + L.margin, body.top, body.right - cam.right - L.margin, body.height)
    pygame.draw.rect(
        cv.surface, color, pygame.Rect(side.left, side.top, L.px(8), side.height // 2), border_radius=L.px(4)
    )
    text = pygame.Rect(side.left + L.px(20), side.top, side.width - L.px(20), side.height)
    lines = [_(hint)]
    attempts = d.integer("attempt", 0)
    if attempts > 1:
        lines.append(_("Attempt {n} of {m}").format(n=attempts, m=d.integer("max_attempts", attempts)))
    quality = d.optional_number("quality")
    if quality is not None:
        lines.append(_("Image quality: {pct}%").format(pct=round(quality * 100)))
    message(cv, text, lines)


@screen("liveness")
def liveness(cv: Canvas, d: Data) -> None:
    _ = cv._
    L = cv.layout
    if d.text("prompt").startswith(FLASH_PREFIX):
        flash(cv, d.text("prompt").removeprefix(FLASH_PREFIX))
        return
    body = page(cv, _("Show that you are here in person"), [cancel(cv)])
    cam = pygame.Rect(body.left, body.top, body.height * 4 // 3, body.height)
    if L.large_text:
        cam.width = body.width // 2
    done = d.flag("done")
    camera_preview(cv, cam, C.OK if done else C.PRIMARY)
    side = pygame.Rect(cam.right + L.margin, body.top, body.right - cam.right - L.margin, body.height)
    lines = [_(LIVENESS.get(d.text("prompt"), LIVENESS["look_straight"]))]
    steps = d.integer("steps", 0)
    if steps:
        lines.append(_("Step {n} of {m}").format(n=d.integer("step", 1), m=steps))
    left = d.optional_number("seconds_left")
    if left is not None:
        lines.append(_("{n} seconds left").format(n=max(0, int(left))))
    message(cv, side, lines)


def flash(cv: Canvas, colour: str) -> None:
    """The whole screen in one colour, a short line saying why, and Cancel still there."""
    L = cv.layout
    fill = FLASH_COLOURS.get(colour, FLASH_COLOURS["off"])
    cv.surface.fill(fill)
    ink = (0, 0, 0) if colour in ("white", "green") else (255, 255, 255)
    words = pygame.Rect(
        L.margin, L.header.bottom, cv.surface.get_width() - 2 * L.margin, L.footer.top - L.header.bottom
    )
    cv.text.block(
        cv.surface,
        cv._("Keep still and look at the screen: its light checks that you are here in person"),
        words,
        L.body_px,
        ink,
        bold=True,
        align="center",
        valign="middle",
    )
    footer(cv, [cancel(cv)])


@screen("finger")
def finger(cv: Canvas, d: Data) -> None:
    _ = cv._
    L = cv.layout
    body = page(cv, _("Officer fingerprint") if d.text("purpose") == "officer" else _("Fingerprint"), [cancel(cv)])
    which = _(FINGERS.get(d.text("finger"), FINGERS["right_index"]))
    hint = _(FINGER_HINTS.get(d.text("hint"), FINGER_HINTS["place"])).format(finger=which)
    art = pygame.Rect(body.left, body.top, body.width // 3, body.height)
    sensor = pygame.Rect(0, 0, art.width * 2 // 3, art.width * 2 // 3)
    sensor.center = art.center
    pygame.draw.rect(cv.surface, (48, 52, 60), sensor, border_radius=L.px(16))
    glass = sensor.inflate(-L.px(24), -L.px(24))
    glow = C.OK if d.text("hint") in ("reading", "lift") else C.PRIMARY
    pygame.draw.ellipse(cv.surface, glow, glass, width=L.px(4))
    for i in range(1, 5):
        ring = glass.inflate(-i * glass.width // 5, -i * glass.height // 5)
        pygame.draw.ellipse(cv.surface, glow, ring, width=max(1, L.px(2)))
    text = pygame.Rect(art.right + L.margin, body.top, body.right - art.right - L.margin, body.height)
    lines = [hint]
    if d.integer("attempt", 0) > 1:
        lines.append(
            _("Attempt {n} of {m}").format(n=d.integer("attempt"), m=d.integer("max_attempts", d.integer("attempt")))
        )
    message(cv, text, lines)
