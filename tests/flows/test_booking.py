"""Booking with a fake clock, at the rule boundaries: 15:59 and 16:00 the day before (Asia/Bangkok), day 15 and 16,
holidays, office closures, closed weekdays, a cut-off passing while choosing, full slots, and cancelling."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from kiosk.flows import booking
from kiosk.flows.effects import (
    Booking,
    CancelBooking,
    End,
    FetchBookings,
    FetchCalendar,
    FetchOffices,
    FetchSlots,
    Print,
    Submit,
    VoidPrint,
)
from kiosk.flows.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingsFetched,
    CalendarFetched,
    CardInserted,
    CardRead,
    CardRemoved,
    DeviceFailed,
    FaceCaptured,
    FaceMatched,
    FingerMatched,
    LivenessDone,
    OfficesFetched,
    PrintFailed,
    PrintProgress,
    PrintSent,
    Slot,
    SlotsFetched,
    Tapped,
)
from tests.flows.explore import FULL, OFFICE, SLOT, TICKET
from tests.flows.harness import CARD, Run, context

Bk = Run[booking.BookingState]
VERIFIED = (FaceCaptured(), LivenessDone(True), FaceMatched(True, 0.9))  # the holder's face matches the chip
HOLIDAY = date(2026, 12, 1)
CLOSURE = date(2026, 12, 2)


def bangkok(y: int, m: int, d: int, hh: int, mm: int) -> datetime:
    """A Bangkok wall time (UTC+7, no daylight saving) as the UTC anchor the runner would give."""
    return datetime(y, m, d, hh - 7, mm, tzinfo=UTC) if hh >= 7 else datetime(y, m, d - 1, hh + 17, mm, tzinfo=UTC)


def to_calendar(wall: datetime) -> Bk:
    run = Run.start(booking.FLOW, context(wall=wall)).send(Tapped("accept"), CardInserted(), CardRead(CARD), *VERIFIED)
    run.send(Tapped("new_booking"), OfficesFetched((OFFICE,)))
    run.send(Tapped("office", "O1"), Tapped("service", "id_card"))
    assert FetchCalendar("O1") in run.last
    return run.send(CalendarFetched("O1", frozenset({HOLIDAY}), frozenset({CLOSURE})))


@pytest.mark.parametrize(
    ("wall", "day", "refusal"),
    [
        (bangkok(2026, 11, 23, 15, 59), "2026-11-24", None),  # 15:59 the day before
        (bangkok(2026, 11, 23, 16, 0), "2026-11-24", "booking_too_late"),  # 16:00 the day before
        (bangkok(2026, 11, 23, 23, 59), "2026-11-24", "booking_too_late"),
        (bangkok(2026, 11, 23, 16, 0), "2026-11-25", None),  # two days ahead is fine at 16:00
        (bangkok(2026, 11, 23, 10, 0), "2026-11-23", "day_in_past"),  # today
        (bangkok(2026, 11, 23, 10, 0), "2026-12-08", None),  # day 15 (a Tuesday)
        (bangkok(2026, 11, 23, 10, 0), "2026-12-09", "day_too_far_ahead"),  # day 16
        (bangkok(2026, 11, 23, 10, 0), "2026-12-01", "day_holiday"),
        (bangkok(2026, 11, 23, 10, 0), "2026-12-02", "day_office_closed"),
        (bangkok(2026, 11, 23, 10, 0), "2026-11-28", "day_not_open_day"),  # a Saturday
        (bangkok(2026, 11, 23, 10, 0), "28-11-2026", "day_invalid"),
    ],
)
def test_booking_window_boundaries(wall: datetime, day: str, refusal: str | None) -> None:
    run = to_calendar(wall).send(Tapped("day", day))
    if refusal is None:
        assert run.stage == "fetching_slots" and FetchSlots("O1", "id_card", date.fromisoformat(day)) in run.last
    else:
        assert run.stage == "booking_date" and run.at("error") == refusal


def test_the_utc_date_is_not_the_bangkok_date() -> None:
    # 17:30 UTC on the 23rd is 00:30 on the 24th in Bangkok: the 24th is already today there.
    run = to_calendar(datetime(2026, 11, 23, 17, 30, tzinfo=UTC)).send(Tapped("day", "2026-11-24"))
    assert run.at("error") == "day_in_past"
    assert run.send(Tapped("day", "2026-11-25")).stage == "fetching_slots"


def test_the_calendar_marks_each_day() -> None:
    run = to_calendar(bangkok(2026, 11, 23, 15, 59))
    days = {d["date"]: d for d in run.at("days")}
    assert len(days) == 15 and min(days) == "2026-11-24" and max(days) == "2026-12-08"
    assert days["2026-11-24"]["available"] and not days["2026-12-01"]["available"]
    assert days["2026-11-29"]["reason"] == "not_open_day"


def test_the_cut_off_passing_while_choosing_a_slot_sends_the_person_back() -> None:
    run = to_calendar(bangkok(2026, 11, 23, 15, 59)).send(Tapped("day", "2026-11-24"))
    run.send(SlotsFetched(date(2026, 11, 24), (SLOT, FULL)))
    run.send(Tapped("slot", "09:00"))
    run.now += 61  # 16:00:00 while the person reads the last check
    run.send(Tapped("confirm"))
    assert run.stage == "booking_date" and run.at("error") == "booking_too_late" and not run.all(Submit)


def test_slot_with_room_gives_a_ticket_and_a_full_one_is_refused() -> None:
    run = to_calendar(bangkok(2026, 11, 20, 9, 0)).send(Tapped("day", "2026-11-23"))
    run.send(SlotsFetched(date(2026, 11, 23), (SLOT, FULL)))
    assert run.at("slots") == [{"time": "09:00", "available": True}, {"time": "09:30", "available": False}]
    run.send(Tapped("slot", "09:30"))
    assert run.stage == "booking_slot" and run.at("error") == "slot_taken"
    run.send(Tapped("slot", "09:00"))
    review = run.screen  # defect 9: a last check showing the service, and nothing booked yet
    assert review.name == "booking_review" and not run.all(Submit)
    assert review.data == {
        "journey": "booking",
        "journey_step": 6,  # the last of the journey's six steps
        "journey_steps": 6,
        "date": "2026-11-23",
        "time": "09:00",
        "office": OFFICE.name_th,
        "service": "id_card",
    }
    run.send(Tapped("back"))
    assert run.stage == "booking_slot" and not run.all(Submit)
    run.send(Tapped("slot", "09:00"), Tapped("confirm"))
    assert run.emitted(Submit)[0].op == Booking(CARD.citizen_id, "O1", "id_card", date(2026, 11, 23), "S1")
    run.send(BookingConfirmed(TICKET))
    screen = run.screen
    assert screen.name == "booking_confirmed" and screen.data["reference"] == "B1" and screen.data["time"] == "09:00"
    run.send(Tapped("print"))
    first = run.emitted(Print)[0]
    assert first.document.qr == "BOOK:B1" and first.reprint_of == "" and first.document.language == "th"
    run.send(PrintSent("J", "B1"), DeviceFailed("printer", "paper_out"))
    assert run.stage == "booking_ticket" and VoidPrint("J", "paper_out") in run.last
    assert run.at("error") == "printer_failed"  # the QR is still on the screen
    run.send(Tapped("print"))
    assert run.emitted(Print)[0].reprint_of == "B1"  # the voided ticket's reprint, same number
    run.send(PrintSent("J2", "B1"), PrintProgress("J2", 0.5))
    assert run.screen.name == "printing" and run.at("progress") == 0.5
    run.send(PrintFailed("J2", "cover_open"))
    assert VoidPrint("J2", "cover_open") in run.last
    run.send(Tapped("done"))
    assert run.stage == "take_card" and run.screen.name == "remove_card"  # the card comes back before anything else
    run.send(CardRemoved())
    assert run.stage == "closed" and End("done") in run.last


def test_a_slot_taken_meanwhile_refetches_the_slots() -> None:
    run = to_calendar(bangkok(2026, 11, 20, 9, 0)).send(Tapped("day", "2026-11-23"))
    run.send(SlotsFetched(date(2026, 11, 23), (SLOT,)), Tapped("slot", "09:00"), Tapped("confirm"))
    run.send(DeviceFailed("registry", "slot_taken"))
    assert run.stage == "fetching_slots"
    run.send(SlotsFetched(date(2026, 11, 23), (FULL,)))
    assert run.at("error") == "slot_taken"


def test_cancel_an_existing_booking() -> None:
    run = Run.start(booking.FLOW).send(Tapped("accept"), CardInserted(), CardRead(CARD), *VERIFIED)
    run.send(Tapped("my_bookings"), OfficesFetched((OFFICE,)))  # the offices first: each booking names its office
    run.send(BookingsFetched((TICKET,)))
    assert run.screen.name == "booking_list" and run.at("bookings")[0]["reference"] == "B1"
    assert run.at("bookings")[0]["office"] == OFFICE.name_th and run.at("bookings")[0]["service"] == "id_card"
    run.send(Tapped("booking", "B1"))
    assert run.screen.name == "booking_cancel"
    run.send(Tapped("confirm"))
    assert run.emitted(Submit)[0].op == CancelBooking(CARD.citizen_id, "B1")
    run.send(BookingCancelled("B1"))
    assert run.screen.name == "thank_you" and run.at("cancelled") is True


def test_registry_down_while_fetching_offices() -> None:
    run = Run.start(booking.FLOW).send(Tapped("accept"), CardInserted(), CardRead(CARD), *VERIFIED)
    run.send(Tapped("new_booking"))
    run.send(DeviceFailed("registry", "unreachable"))
    assert run.at("reason") == "registry_offline"


def test_only_the_card_holder_books_or_cancels_face_first_then_the_fingerprint() -> None:
    """Defect 2: a card left in the slot let the next person book and cancel in its owner's name."""
    run = Run.start(booking.FLOW).send(Tapped("accept"), CardInserted(), CardRead(CARD))
    assert run.stage == "face_capture" and run.screen.name == "face_capture"
    run.send(Tapped("my_bookings"), Tapped("new_booking"))
    assert not run.emitted(FetchBookings) and not run.emitted(FetchOffices)  # nothing before the face matches
    for _ in range(3):
        run.send(FaceCaptured(), LivenessDone(True), FaceMatched(False, 0.1))
        if run.stage == "face_retry":
            run.send(Tapped("retry"))
    assert run.stage == "finger_verify"  # three faces refused: the fingerprint is the second way in
    run.send(FingerMatched(True, ""))
    assert run.stage == "booking_action" and run.state.verified_by == "finger"
    run.send(Tapped("my_bookings"), OfficesFetched((OFFICE,)))
    assert run.emitted(FetchBookings) == [FetchBookings(CARD.citizen_id)]


def test_bookings_name_their_office_in_the_citizens_language_never_its_code() -> None:
    """Defect 4: my bookings and the cancel step showed the office code ("1014"), English mode the Thai name."""
    ctx = replace(context(), language="en")
    run = Run.start(booking.FLOW, ctx).send(Tapped("accept"), CardInserted(), CardRead(CARD), *VERIFIED)
    run.send(Tapped("my_bookings"), OfficesFetched((OFFICE,)), BookingsFetched((TICKET,)))
    (listed,) = run.at("bookings")
    assert listed["office"] == OFFICE.name_en and OFFICE.id not in str(run.screen.data)
    run.send(Tapped("booking", "B1"))
    assert run.screen.name == "booking_cancel" and run.at("office") == OFFICE.name_en and run.at("service") == "id_card"


def test_the_printed_ticket_names_the_service_and_office_in_words_never_keys() -> None:
    """Defect 4: the ticket printed the service key "general" and an office code when the office was not known."""
    th = booking.ticket_document(replace(TICKET, service="general"), OFFICE, "th")
    en = booking.ticket_document(replace(TICKET, service="general"), OFFICE, "en")
    assert dict(th.lines)["บริการ / Service"] == "งานทะเบียนราษฎรทั่วไป" and dict(th.facts)["office"] == OFFICE.name_th
    assert dict(en.lines)["บริการ / Service"] == "General civil registration"
    assert dict(en.facts)["office"] == OFFICE.name_en
    assert dict(en.facts)["service"] == "general"  # the key the paper's model names (documents.model.SERVICES)
    unknown = booking.ticket_document(TICKET, None, "th")
    assert TICKET.office_id not in dict(unknown.facts).values()


def test_the_ticket_prints_the_slot_length_the_day_has() -> None:
    """Defect 4: "(30 min)" was printed for hourly slots."""
    hourly = (Slot("S1", "09:00", 5, 0), Slot("S2", "10:00", 5, 0), Slot("S3", "11:00", 5, 0))
    assert booking.slot_minutes(hourly, "09:00") == 60
    assert booking.slot_minutes((SLOT, FULL), "09:00") == 30
    assert booking.slot_minutes(hourly, "11:00") == 0  # the last slot: nothing tells its length
    doc = booking.ticket_document(TICKET, OFFICE, "th", booking.slot_minutes(hourly, "09:00"))
    assert dict(doc.facts)["minutes"] == "60"


@pytest.mark.parametrize("language", ["th", "en"])
def test_the_ticket_prints_the_reference_in_two_groups_to_read_aloud(language: str) -> None:
    from datetime import UTC, datetime

    from kiosk.documents.layout import layout
    from kiosk.flows.adapters import PrinterAdapter

    ticket = replace(TICKET, booking_id="KX7M4QPA", qr="BK:KX7M4QPA")
    doc = booking.ticket_document(ticket, OFFICE, language)
    assert dict(doc.lines)["เลขที่ / Reference"] == "KX7M-4QPA"
    printer = PrinterAdapter(issuer=None, registry=None, kiosk_id="KIOSK-T1", clock=lambda: datetime.now(UTC))
    printed = [getattr(b, "value", "") or getattr(b, "text", "") for b in layout(printer._model(doc))]
    assert any("KX7M-4QPA" in p for p in printed) and not any("KX7M4QPA" in p for p in printed), printed


def test_paper_printed_while_the_card_is_in_reminds_to_take_it_in_thai_and_english() -> None:
    from datetime import UTC, datetime, timedelta

    from kiosk.documents.blocks import Text
    from kiosk.documents.layout import TAKE_CARD, layout
    from kiosk.flows.adapters import PrinterAdapter
    from kiosk.flows.effects import Document

    now = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    printer = PrinterAdapter(issuer=None, registry=None, kiosk_id="KIOSK-T1", clock=lambda: now)
    ticket = booking.ticket_document(replace(TICKET, booking_id="KX7M4QPA", qr="BK:KX7M4QPA"), OFFICE, "en")
    receipt = Document(
        "receipt",
        "ThaiD",
        (),
        qr="THAID:ACT:ABCD-EFGH",
        facts=(
            ("reference", "ABCD-EFGH"),
            ("citizen_id_masked", "x-xxxx-xxxx9-90-5"),
            ("expires_at", (now + timedelta(minutes=10)).isoformat()),
        ),
        language="th",
    )
    for doc in (ticket, receipt):
        with_card = [b.text for b in layout(printer._model(replace(doc, card_in_slot=True))) if isinstance(b, Text)]
        assert all(line in with_card for line in TAKE_CARD), with_card
        without = [b.text for b in layout(printer._model(doc)) if isinstance(b, Text)]
        assert not any(line in without for line in TAKE_CARD)
    assert "บัตรประชาชน" in TAKE_CARD[0] and "ID card" in TAKE_CARD[1]


def test_the_ticket_printed_with_the_card_in_carries_the_reminder() -> None:
    run = to_calendar(bangkok(2026, 11, 20, 9, 0)).send(Tapped("day", "2026-11-23"))
    run.send(SlotsFetched(date(2026, 11, 23), (SLOT, FULL)), Tapped("slot", "09:00"), Tapped("confirm"))
    run.send(BookingConfirmed(TICKET), Tapped("print"))
    assert run.state.card_in and run.emitted(Print)[0].document.card_in_slot
