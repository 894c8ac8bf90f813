"""What a person reads: every screen's drawn text, in Thai and in English, carries no developer key, no ISO date, no
bare 13-digit ID and no bare office code; a registry record and a card read through the journeys' own functions come
out as words and Buddhist-era dates, an unknown day and month as the card writes them ('– – 2480')."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pygame
import pytest

from kiosk.flows import extract, own_data
from kiosk.flows.adapters import record_of
from kiosk.flows.events import CardInfo
from kiosk.flows.identity import card_data
from kiosk.ui.text import Text
from kiosk.ui.view import KioskView
from tests.ui.samples import SAMPLES

CID = "3100500123455"
OFFICES = {
    "1002": ("สำนักงานเขตดุสิต", "Dusit District Office"),
    "1014": ("สำนักงานเขตพญาไท", "Phaya Thai District Office"),
}
PERSON: dict[str, Any] = {
    "citizen_id": CID,
    "name_th": {"prefix": "นาย", "first": "บุญมี", "last": "มีสุข"},
    "name_en": {"prefix": "Mr.", "first": "Boonmee", "last": "Meesuk"},
    "dob": "1937-00-00",
    "nationality": "ไทย",
    "house": {"house_no": "7", "address": "7 ถนนสามเสน แขวงดุสิต เขตดุสิต กรุงเทพมหานคร", "house_id": "10020123456"},
    "events": [
        {"day": "1937-05-01", "kind": "birth", "office_code": "1002", "detail": ""},
        {"day": "1985-03-15", "kind": "move_in", "office_code": "1014", "detail": ""},
        {"day": "1990-06-01", "kind": "name_change", "office_code": "1014", "detail": ""},
        {"day": "2001-02-03", "kind": "move_out", "office_code": "1014", "detail": ""},
        {"day": "2001-02-04", "kind": "move_in", "office_code": "1002", "detail": ""},
        {"day": "2010-08-09", "kind": "marriage", "office_code": "1002", "detail": ""},
        {"day": "2022-01-10", "kind": "id_card_issued", "office_code": "1002", "detail": ""},
    ],
}
RAW_KEY = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|(?:^|: )(?:birth|general|lifelong|male|female)$")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
BARE_ID = re.compile(r"(?<![\d-])\d{13}(?![\d-])")
THAI = re.compile(r"[\u0e00-\u0e7f]")


def drawn(text: Text, name: str, data: dict[str, Any], language: str) -> list[str]:
    """Every string the screen draws, over all the pages of its long text (turned with the view's page control)."""
    view = KioskView(text, language=language)
    view.show(name, data)
    view.draw(pygame.Surface((800, 480)), now_s=1.0)
    seen = list(view.texts)
    while nxt := [
        h.event for h in view.controls if h.event.action == "view_page" and int(h.event.value) > view.view_page
    ]:
        view.apply(nxt[0])
        view.draw(pygame.Surface((800, 480)), now_s=1.0)
        seen += view.texts
    return seen


def problems(strings: list[str]) -> list[str]:
    found = []
    for s in strings:
        for pattern in (RAW_KEY, ISO_DATE, BARE_ID):
            found += [f"{m.group()!r} in {s!r}" for m in pattern.finditer(s)]
        found += [f"office code {code} in {s!r}" for code in OFFICES if re.search(rf"(?<![\d-]){code}(?![\d-])", s)]
    return found


@pytest.mark.parametrize("language", ["th", "en"])
def test_no_screen_draws_a_key_an_iso_date_or_a_bare_id(text: Text, language: str) -> None:
    bad = {name: problems(drawn(text, name, dict(data), language)) for name, data in SAMPLES.items()}
    assert {k: v for k, v in bad.items() if v} == {}


def record_screens(language: str) -> list[tuple[str, dict[str, Any]]]:
    """The own-data pages and the preview pages of a ท.ร.12/2 as the journeys hand them to the screen."""
    record = record_of("own", PERSON, date(2026, 11, 20), OFFICES)
    pages = own_data.pages(record)
    first = [dict(zip(("field", "value"), r, strict=True)) for r in record.fields]
    out: list[tuple[str, dict[str, Any]]] = []
    for page in range(1, pages + 1):
        rows = first[(page - 1) * own_data.ROWS_PER_PAGE : page * own_data.ROWS_PER_PAGE]
        out.append(("own_data", {"page": page, "pages": pages, "rows": rows}))
    history = record_of("tr12_2", PERSON, date(2026, 11, 20), OFFICES)
    for page in range(1, 6):
        out.append(("extract_preview", {"document": "tr12_2", "rows": extract.preview_rows(history), "page": page}))
    return out


@pytest.mark.parametrize("language", ["th", "en"])
def test_a_registry_record_reads_as_words_with_office_names_and_card_style_dates(text: Text, language: str) -> None:
    strings = [s for name, data in record_screens(language) for s in drawn(text, name, data, language)]
    assert problems(strings) == []
    assert not [s for s in strings if "10020123456" in s]  # the house code in its printed groups
    joined = "\n".join(strings)
    if language == "th":
        assert "– – 2480" in joined and "สำนักงานเขตพญาไท" in joined and "15 มีนาคม 2528" in joined
    else:
        assert "– – 1937" in joined and "Phaya Thai District Office" in joined and "15 March 1985" in joined
        labels = [s.split(":", 1)[0] for s in strings if ":" in s]
        assert labels and not [x for x in labels if THAI.search(x)]  # no Thai labels in English
        assert "Moved in" in joined and "Name changed" in joined


def test_the_preview_pages_the_whole_history_instead_of_cutting_it(text: Text) -> None:
    """Defect 6: the ท.ร.12/2 preview stopped drawing at the bottom of its panel, losing the history."""
    for language in ("th", "en"):
        for large in (False, True):
            history = record_of("tr12_2", PERSON, date(2026, 11, 20), OFFICES)
            rows = extract.preview_rows(history)
            seen: list[str] = []
            for page in range(1, 10):
                view = KioskView(text, language=language, large_text=large)
                view.show("extract_preview", {"document": "tr12_2", "rows": rows, "page": page})
                view.draw(pygame.Surface((800, 480)), now_s=1.0)
                seen += view.texts
                if not any(c.event.action == "page" and c.event.value == str(page + 1) for c in view.controls):
                    break
            days = ["1985", "2001", "2022"] if language == "en" else ["2528", "2544", "2565"]
            assert all(any(d in s for s in seen) for d in days), (language, large)


def test_the_card_data_screen_shows_an_unknown_birth_day_and_month_as_the_card_does(text: Text) -> None:
    card = CardInfo("h", CID, "นาย บุญมี มีสุข", "Mr. Boonmee Meesuk", date(1937, 1, 1), None, "", True, "1937-00-00")
    th = drawn(text, "card_data", dict(card_data(card)), "th")
    en = drawn(text, "card_data", dict(card_data(card)), "en")
    assert "– – 2480" in th and "1 มกราคม 2480" not in th
    assert "– – 1937" in en and "Lifelong" in en
    assert problems(th + en) == []


@pytest.mark.parametrize("language", ["en"])
def test_each_service_asks_consent_for_exactly_what_it_collects(text: Text, language: str) -> None:
    """Defect 8: one consent text for every service claimed a face comparison where the officer's kit takes a
    fingerprint, and never said what the registry receives."""
    said = {s: " ".join(drawn(text, "consent", {"service": s}, language)) for s in ("thaid", "extract", "own_data",
            "booking", "thaid_officer")}  # fmt: skip
    assert len(set(said.values())) == 5  # a text per purpose
    assert "face" not in said["thaid_officer"] and "fingerprint" in said["thaid_officer"]
    assert "fingerprint" not in said["thaid"]  # self-service enrolment is by face only
    assert "nothing is printed or kept" in said["own_data"]
    assert all("registration service" in said[s] for s in ("thaid", "extract", "booking", "thaid_officer"))


def test_the_words_for_endings_say_what_happened_and_what_to_do() -> None:
    """Defect 8: the card-pull notice said "insert again" though the journey restarts; paper out said "nothing was
    charged" (there is no fee); an offline registry said "saved, sent later" for services that save nothing."""
    from kiosk.ui.i18n import translator
    from kiosk.ui.screens.common import ERRORS

    words = " ".join(translator("en")(s) for pair in ERRORS.values() for s in pair)
    assert "charged" not in words and "insert your card again" not in words
    assert "will be sent later" not in words


def test_the_officer_is_not_thanked_for_using_the_service_at_sign_in(text: Text) -> None:
    officer = " ".join(drawn(text, "remove_card", {"who": "officer"}, "en"))
    citizen = " ".join(drawn(text, "remove_card", {"who": "citizen"}, "en"))
    assert "Thank you" not in officer and "Officer" in officer and "Thank you" in citizen


@pytest.mark.parametrize("large", [False, True])
def test_office_buttons_stay_full_touch_targets_with_many_offices(text: Text, large: bool) -> None:
    """Defect 9: with the registry's offices the buttons were 38 px (7 mm) tall. Offices that do not fit as full
    targets (or would make the spoken list too long) go on further pages: every office is on one of them."""
    from kiosk.ui.layout import Layout

    offices = [
        {"id": str(1000 + i), "name_th": f"สำนักงานเขตทดสอบ {i}", "name_en": f"Test District {i}"} for i in range(9)
    ]
    for data in ({"offices": offices}, {"offices": offices, "office": "1001", "services": ["general", "id_card"]}):
        surface = pygame.Surface((800, 480))
        view = KioskView(text, language="th", large_text=large)
        view.show("booking_office", data)
        minimum = Layout(surface.get_rect(), large).touch_min
        seen: list[str] = []
        for pg in range(len(offices)):
            view.view_page = pg
            view.draw(surface, now_s=1.0)
            buttons = [h.rect for h in view.controls if h.event.action == "office"]
            seen += [h.event.value for h in view.controls if h.event.action == "office"]
            assert all(min(r.size) >= minimum * 0.7 and r.height >= minimum for r in buttons), buttons
            assert all(surface.get_rect().contains(r) for r in buttons)
            assert not any(a.colliderect(b) for i, a in enumerate(buttons) for b in buttons[i + 1 :])
            if not any(h.event.value == str(pg + 1) and h.event.action == "view_page" for h in view.controls):
                break
        assert seen == [o["id"] for o in offices]


def test_the_reading_screen_greets_the_holder_once_the_names_are_in(text: Text) -> None:
    assert "กำลังอ่านบัตร — นายสมชาย" in drawn(text, "reading_card", {"name": "นายสมชาย"}, "th")
    assert "Reading card — Mr. Somchai" in drawn(text, "reading_card", {"name": "Mr. Somchai"}, "en")
    assert "Reading your card" in drawn(text, "reading_card", {}, "en")


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("name", ["booking_confirmed", "booking_cancel"])
def test_a_booking_reference_is_shown_in_two_groups_of_four(text: Text, name: str, language: str) -> None:
    data = {**SAMPLES[name], "reference": "KX7M4QPA"}
    strings = drawn(text, name, data, language)
    assert any("KX7M-4QPA" in s for s in strings), strings
    assert not any("KX7M4QPA" in s for s in strings)


@pytest.mark.parametrize(
    ("reason", "day", "th", "en"),
    [
        ("holiday", "2026-12-07", "วันหยุดราชการ", "Public holiday"),
        ("not_open_day", "2026-11-28", "วันหยุดสุดสัปดาห์", "Weekend"),  # a Saturday
        ("office_closed", "2026-11-26", "สำนักงานปิด", "Office closed"),
        ("full", "2026-11-25", "เต็มแล้ว", "Fully booked"),
        ("too_far_ahead", "2026-12-20", "ยังไม่เปิดให้จอง", "Not yet open for booking"),
        ("in_past", "2026-11-20", "ผ่านไปแล้ว", "Past"),
        ("after_cutoff", "2026-11-21", "ปิดรับจองแล้ว", "Booking closed"),
    ],
)
def test_a_greyed_day_says_why_it_cannot_be_booked(text: Text, reason: str, day: str, th: str, en: str) -> None:
    data = {"office": "สำนักงานเขตพญาไท", "days": [{"date": day, "available": False, "reason": reason}]}
    for language, words in (("th", th), ("en", en)):
        strings = drawn(text, "booking_calendar", data, language)
        assert any(words in s for s in strings), (language, strings)
    open_day = {"office": "x", "days": [{"date": day, "available": True, "reason": "ok"}]}
    assert not any(en in s for s in drawn(text, "booking_calendar", open_day, "en"))
