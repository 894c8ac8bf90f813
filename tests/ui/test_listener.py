"""A listener who never looks at the screen completes every journey by the spoken guidance alone, up to where the
screen must be read (the activation QR), in Thai and in English, at 800×480 and 1280×800, in normal and large text.

The listener hears only the prompt `speech.prompt_for` makes of each drawn frame. To press a button it picks the
sentence that names the button's words, and touches the middle of the region of the screen the place words name —
never the button's true rectangle: the top, middle and bottom thirds ("at the top left"), their halves ("near the
bottom", "at the very bottom"), the left, centre and right thirds, or the k-th of n equal parts from the left ("the
second of five from the left"). A touch that misses, or lands on another button, means the prompt is wrong. Typed
digits are found the same way, from where the prompt says each key of the number keypad is. Screens with more
choices than one prompt lists (offices, days, times) page, and the listener turns the pages by ear.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import date

import pygame
import pytest

from kiosk.drivers import card as card_driver
from kiosk.flows.attempts import holder_key
from kiosk.flows.context import DeviceStatus
from kiosk.flows.events import Office, Slot
from kiosk.ui.i18n import translator
from kiosk.ui.speech import (
    BAND_AND_COLUMN,
    BAND_AND_ORDINAL,
    BILINGUAL,
    COLUMN_WORDS,
    COUNTS,
    KEY,
    MAX_BUTTONS,
    ORDINALS,
    PLACES,
    ROW_AND_COLUMN,
    ROW_AND_ORDINAL,
    ROW_WORDS,
    TAP,
    prompt_for,
    said_label,
)
from kiosk.ui.text import Text
from kiosk.ui.view import KioskView
from tests.flows.fakes import IDENTITY, PORTRAIT, FakeLocal, FakeRegistry, fake_ports
from tests.flows.kit import SECRET, Kiosk
from tests.ui.samples import SAMPLES

# Where the listener touches for each place word: the middle of the region it names (fractions of the screen).
ROW_AT = {
    "top": 1 / 6,
    "middle": 1 / 2,
    "bottom": 5 / 6,
    "very_top": 1 / 12,
    "near_top": 3 / 12,
    "above_middle": 5 / 12,
    "below_middle": 7 / 12,
    "near_bottom": 9 / 12,
    "very_bottom": 11 / 12,
}
COLUMN_AT = {"left": 1 / 6, "centre": 1 / 2, "right": 5 / 6}

OFFICER = card_driver.CardIdentity(
    cid="1101500482649",
    name_th=card_driver.PersonName("นาย", "พิทักษ์", "", "รักษาดี"),
    name_en=card_driver.PersonName("Mr.", "Pitak", "", "Raksadee"),
    dob=card_driver.PartialDate(1979, 2, 3),
    sex="male",
    issuer="สำนักงานเขตพญาไท",
    issued=date(2021, 1, 1),
    expires=date(2029, 1, 1),
    address=IDENTITY.address,
    laser_id=None,
)
ATTRACT = {"th": "แตะหน้าจอเพื่อเริ่ม", "en": "Touch the screen to start"}
OFFICER_PIN = "58203947"
PASSCODE = "25806147"
# More offices, services and times than one prompt may list: the screens page, the listener turns the pages.
OFFICES = tuple(
    Office(f"O{i}", f"สำนักงานเขตทดสอบ {i}", f"Test District Office {i}", ("id_card", "house_register", "move_in"))
    for i in range(1, 15)
)
WANTED_OFFICE = OFFICES[12]
WANTED_TIME = "15:30"


class ManyChoices(FakeRegistry):
    def offices(self) -> tuple[Office, ...]:
        return OFFICES

    def slots(self, office_id: str, service: str, day: date) -> tuple[Slot, ...]:
        return tuple(Slot(f"S{h}{m}", f"{h:02d}:{m:02d}", 4, 0) for h in range(8, 16) for m in (0, 30))


def places(language: str) -> list[tuple[str, tuple[float, float]]]:
    """Every place a prompt can name, in `language`, with where the listener touches for it; longest first."""
    _ = translator(language)
    out = [(_(w), (COLUMN_AT[col], ROW_AT[row])) for (row, col), w in PLACES.items()]
    for row, rw in ROW_WORDS.items():
        for col, cw in COLUMN_WORDS.items():
            out.append((_(ROW_AND_COLUMN).format(row=_(rw), column=_(cw)), (COLUMN_AT[col], ROW_AT[row])))
        for n in range(2, len(COUNTS)):
            for k in range(n):
                words = _(ROW_AND_ORDINAL).format(row=_(rw), k=_(ORDINALS[k]), n=_(COUNTS[n]))
                out.append((words, ((k + 0.5) / n, ROW_AT[row])))
    for m in range(2, len(COUNTS)):
        for j in range(m):
            band = {"k": _(ORDINALS[j]), "n": _(COUNTS[m])}
            y = (j + 0.5) / m
            for col, cw in COLUMN_WORDS.items():
                out.append((_(BAND_AND_COLUMN).format(**band, column=_(cw)), (COLUMN_AT[col], y)))
            for n in range(2, len(COUNTS)):
                for k in range(n):
                    words = _(BAND_AND_ORDINAL).format(**band, col_k=_(ORDINALS[k]), col_n=_(COUNTS[n]))
                    out.append((words, ((k + 0.5) / n, y)))
    return sorted(out, key=lambda p: -len(p[0]))


class Listener:
    """Hears each frame's prompt and touches where it says; inserts and takes cards as asked."""

    def __init__(self, text: Text, language: str, size: tuple[int, int], large: bool, kiosk: Kiosk) -> None:
        self.language = language
        self.k = kiosk
        self.surface = pygame.Surface(size)
        self.view = KioskView(text, language="th", large_text=large)
        self.places = places(language)
        self.heard = ""
        self.screen = ""

    def hear(self) -> str:
        name, data = self.k.screens.last
        self.view.show(name, data)
        self.view.draw(self.surface, now_s=1.0)
        prompt = prompt_for(
            name,
            data,
            language=self.view.language,
            title=self.view.title,
            texts=self.view.texts,
            hits=self.view.controls,
            area=self.surface.get_rect(),
        )
        if name in BILINGUAL:  # said in Thai, then in English: the listener follows its own language's part
            prompt = tuple(seg for seg in prompt if seg.language == self.language)
        self.screen, self.heard = name, " ".join(seg.text for seg in prompt)
        return self.heard

    def wait_to_hear(self, words: str, timeout_s: float = 5.0) -> str:
        deadline = time.monotonic() + timeout_s
        while words not in self.hear():
            assert time.monotonic() < deadline, f"never heard {words!r}; last heard on {self.screen}: {self.heard}"
            self.k.runner.run_pending()
            time.sleep(0.005)
        return self.heard

    def touch(self, at: tuple[float, float], wanted: str) -> None:
        w, h = self.surface.get_size()
        point = (int(at[0] * w), int(at[1] * h))
        under = [c for c in self.view.controls if c.rect.collidepoint(point)]
        assert under, f"{self.screen}: a touch at {point} for “{wanted}” hits nothing; heard: {self.heard}"
        hit = under[-1]
        assert wanted in (hit.label, hit.event.value), (
            f"{self.screen}: a touch at {point} for “{wanted}” lands on “{hit.label or hit.event}”; heard: {self.heard}"
        )
        self.view.apply(hit.event)  # as the frame loop does: preferences first, then the journeys
        self.k.post(hit.event)

    def where(self, after: str, start: int = 0) -> tuple[float, float]:
        at = self.heard.index(after, start) + len(after)
        for words, point in self.places:
            if self.heard.startswith(words, at):
                return point
        raise AssertionError(f"{self.screen}: no place words after {after!r}: {self.heard[at : at + 60]!r}")

    def press(self, label: str, timeout_s: float = 5.0) -> None:
        """Tap the button the prompt names with `label` (words in the listener's language)."""
        self.wait_to_hear(f"“{label}”", timeout_s)
        taps = self.heard.count(translator(self.language)(TAP).split("{")[0]) if self.screen != "language" else 0
        assert taps <= MAX_BUTTONS, f"{self.screen}: {taps} buttons in one prompt"
        self.touch(self.where(f"“{label}” "), label)

    def choose(self, label: str, more: str) -> None:
        """A choice among more than one prompt lists: listen, and turn the page ("Next") until it is named."""
        for _page in range(10):
            self.hear()
            if f"“{label}”" in self.heard:
                return self.press(label)
            self.press(more)
            self.k.runner.run_pending()
        raise AssertionError(f"“{label}” never offered on {self.screen}: {self.heard}")

    def first_choice(self, skip: tuple[str, ...]) -> None:
        """The first button the prompt names that is not one of `skip` (the footer's)."""
        tap = translator(self.language)(TAP).split("{")[0]
        for part in self.heard.split(tap)[1:]:
            label = part.split("“", 1)[1].split("”", 1)[0]
            if label not in skip:
                return self.press(label)
        raise AssertionError(f"{self.screen}: no choice offered: {self.heard}")

    def type(self, digits: str, ok: str) -> None:
        _ = translator(self.language)
        self.wait_to_hear(_(KEY).format(key="0", place=""))
        for d in digits:
            self.hear()
            self.touch(self.where(_(KEY).format(key=d, place="")), d)
        self.press(ok)


def card(identity: card_driver.CardIdentity) -> list[object]:
    names = card_driver.CardNames(identity.cid, identity.name_th, identity.name_en)
    return [
        card_driver.CardInserted("Virtual PCD", b"\x3b\x67"),
        card_driver.CardNamesRead(names),
        card_driver.CardIdentityRead(identity),
        card_driver.CardPhotoProgress(0.5),
        card_driver.CardPhotoRead(PORTRAIT),
    ]


def take_card(listener: Listener, take: str) -> None:
    listener.wait_to_hear(take)
    listener.k.remove_card()


def start(li: Listener, service: str) -> None:
    """From the attract screen ("Touch the screen to start": the listener touches its middle) to the service."""
    _ = translator(li.language)
    li.wait_to_hear(ATTRACT[li.language])
    li.touch((0.5, 0.5), "")
    li.press("ภาษาไทย" if li.language == "th" else "English")
    li.choose(_(service), _("Next"))


def consent_and_card(li: Listener) -> None:
    """Agree to the service's consent, then insert the card when the kiosk asks for it."""
    li.press(translator(li.language)("I agree"))
    li.wait_to_hear(translator(li.language)("Insert your ID card"))
    li.k.post(*card(IDENTITY))


def own_data(li: Listener) -> None:
    _ = translator(li.language)
    start(li, "My data")
    consent_and_card(li)
    li.press(_("Finish"), 10.0)
    take_card(li, _("Take your ID card from the slot."))
    li.wait_to_hear(ATTRACT[li.language])


def extract(document: str) -> Callable[[Listener], None]:
    def journey(li: Listener) -> None:
        _ = translator(li.language)
        start(li, "Certified extract")
        code, title = {"tr14_1": ("ท.ร.14/1", "Certified person entry of a house register"),
                       "tr12_2": ("ท.ร.12/2", "Certified civil-registration history")}[document]  # fmt: skip
        li.press(f"{code}  {_(title)}")
        consent_and_card(li)
        li.press(_("Print"), 10.0)
        li.press(_("Finish"), 10.0)
        take_card(li, _("Take your ID card from the slot."))
        li.wait_to_hear(ATTRACT[li.language])

    return journey


def booking(li: Listener) -> None:
    _ = translator(li.language)
    start(li, "Book a visit")
    consent_and_card(li)
    li.press(_("Book a new visit"), 10.0)
    li.choose(WANTED_OFFICE.name_en if li.language == "en" else WANTED_OFFICE.name_th, _("Next"))
    li.press(_("ID card"))
    li.wait_to_hear(_("Choose a day"))
    li.first_choice(skip=(_("Back"), _("Cancel"), _("Previous"), _("Next")))
    li.wait_to_hear(_("Choose a time"))
    li.choose(WANTED_TIME, _("Next"))
    li.press(_("Book"))
    li.press(_("Finish"), 10.0)
    take_card(li, _("Take your ID card from the slot."))
    li.wait_to_hear(ATTRACT[li.language])


def self_enrolment(li: Listener) -> None:
    _ = translator(li.language)
    start(li, "ThaiD digital ID")
    consent_and_card(li)
    li.press(_("Correct"), 10.0)
    for _attempt in range(3):  # set, confirm, and the consent with it
        li.type(PASSCODE, _("OK"))
        li.k.runner.run_pending()
    li.wait_to_hear(_("Scan with the ThaiD app"), 10.0)  # the QR: from here the screen must be read


def officer_enrolment(li: Listener) -> None:
    _ = translator(li.language)
    start(li, "ThaiD with an officer")
    li.press(_("Officer card and PIN"))
    li.wait_to_hear(_("Officer: insert your ID card"))
    li.k.post(*card(OFFICER))
    li.type(OFFICER_PIN, _("OK"))
    take_card(li, _("Officer: take your card"))
    li.wait_to_hear(_("Insert your ID card"))
    li.k.post(*card(IDENTITY))
    li.press(_("Correct"), 10.0)
    li.type(IDENTITY.cid, _("OK"))
    li.press(_("I agree"))
    li.wait_to_hear(_("Scan with the ThaiD app"), 10.0)


JOURNEYS: dict[str, Callable[[Listener], None]] = {
    "own_data": own_data,
    "extract_tr14_1": extract("tr14_1"),
    "extract_tr12_2": extract("tr12_2"),
    "booking": booking,
    "thaid": self_enrolment,
    "thaid_officer": officer_enrolment,
}
SIZES = ((800, 480), (1024, 600), (1280, 800))
CASES = [
    (journey, language, size, large)
    for journey in JOURNEYS
    for language in ("th", "en")
    for size in SIZES
    for large in (False, True)
]


@pytest.mark.parametrize(
    ("journey", "language", "size", "large"),
    CASES,
    ids=[f"{j}-{lang}-{w}x{h}-{'large' if lg else 'normal'}" for j, lang, (w, h), lg in CASES],
)
def test_a_listener_completes_the_journey_by_ear(
    text: Text, journey: str, language: str, size: tuple[int, int], large: bool
) -> None:
    officers = {holder_key(OFFICER.cid, SECRET): ("OFF-1", "เจ้าหน้าที่ พิทักษ์", OFFICER_PIN)}
    ports = fake_ports(local=FakeLocal(officers=officers), registry=ManyChoices())
    kiosk = Kiosk(ports, status=DeviceStatus(field_kit=journey == "thaid_officer"))  # an officer's kit offers it
    try:
        JOURNEYS[journey](Listener(text, language, size, large, kiosk))
    finally:
        kiosk.close()


@pytest.mark.parametrize("language", ["th", "en"])
def test_every_button_of_every_screen_has_a_place_a_listener_can_touch(text: Text, language: str) -> None:
    """Beyond the journeys walked above: every sample screen, at every panel size and text size, names a place for
    each of its buttons and keys, and a touch in the middle of that place presses that button."""
    missed = []
    for (name, data), size, large in itertools.product(SAMPLES.items(), SIZES, (False, True)):
        k = Kiosk()
        try:
            li = Listener(text, language, size, large, k)
            li.view.language = language
            k.screens.show(name, {**data, "journey": "thaid", "journey_step": 2, "journey_steps": 5})
            li.hear()
            for h in li.view.controls:
                wanted = h.event.value if h.event.action == "digit" else said_label(h.label, language)
                if not wanted or h.kind == "header" or h.event.action in ("clear", "backspace"):
                    continue
                after = _key_words(language, wanted) if h.event.action == "digit" else f"“{wanted}” "
                if after not in li.heard:
                    missed.append(f"{name} {size} large={large}: “{wanted}” not said: {li.heard}")
                    continue
                w, hgt = li.surface.get_size()
                landed = []  # a label said twice (two pages' "Next") must name each button's own place once
                for at in _occurrences(li.heard, after):
                    x, y = li.where(after, at)
                    under = [c for c in li.view.controls if c.rect.collidepoint(int(x * w), int(y * hgt))]
                    landed.append(bool(under) and under[-1] is h)
                if landed.count(True) != 1:
                    missed.append(f"{name} {size} large={large}: “{wanted}” touched elsewhere: {li.heard}")
        finally:
            k.close()
    assert not missed, "\n".join(missed[:20])


def _key_words(language: str, key: str) -> str:
    return translator(language)(KEY).format(key=key, place="")


def _occurrences(text: str, part: str) -> list[int]:
    found, at = [], text.find(part)
    while at >= 0:
        found.append(at)
        at = text.find(part, at + 1)
    return found
