"""Walks a journey's state machine breadth-first with a fixed alphabet of events, so tests can reach every stage,
check every stage against every event, and find stages no event sequence reaches."""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from kiosk.flows import booking, enrol_officer, enrol_self, extract, own_data
from kiosk.flows.events import (
    Activation,
    ActivationIssued,
    BookingCancelled,
    BookingConfirmed,
    BookingsFetched,
    CalendarFetched,
    CapabilitiesChanged,
    CardInserted,
    CardRead,
    CardReadFailed,
    CardRemoved,
    DeviceFailed,
    EnrolAccepted,
    Entered,
    FaceCaptured,
    FaceHint,
    FaceMatched,
    FingerCaptured,
    FingerHint,
    FingerMatched,
    LivenessDone,
    LivenessPrompt,
    Office,
    OfficerRejected,
    OfficerVerified,
    OfficesFetched,
    PrintConfirmed,
    PrintFailed,
    PrintSent,
    Queued,
    Record,
    RecordFetched,
    Slot,
    SlotsFetched,
    Tapped,
    Tick,
    Ticket,
    Touched,
    WorkFailed,
)
from kiosk.flows.machine import Flow
from tests.flows.harness import ALL_CAPS, CARD, context

FLOWS: dict[str, Flow[Any]] = {
    "thaid": enrol_self.FLOW,
    "thaid_officer": enrol_officer.FLOW,
    "extract": extract.FLOW,
    "booking": booking.FLOW,
    "own_data": own_data.FLOW,
}

OFFICER_CARD = replace(CARD, holder="o-" + "b" * 30, citizen_id="3100600123450", name_th="นาง เจ้าหน้าที่ ดี")
EXPIRED_CARD = replace(CARD, holder="x-" + "c" * 30, expiry=date(2020, 1, 1))
RECORD = Record("tr14_1", (("ชื่อ", "นาย สมชาย ใจดี"), ("บ้านเลขที่", "1")), "2026-11-20")
OFFICE = Office("O1", "สำนักงานเขตปทุมวัน", "Pathum Wan District Office", ("id_card", "house_register"))
SLOT = Slot("S1", "09:00", 10, 3)
FULL = Slot("S2", "09:30", 10, 10)
TICKET = Ticket("B1", "O1", "id_card", date(2026, 11, 23), "09:00", "BOOK:B1")
ACTIVATION = Activation("THAID:ACT:1", datetime(2026, 11, 20, 2, 10, tzinfo=UTC), "REF-1")

TAPS = [
    Tapped(a, v)
    for a, v in [
        ("accept", ""),
        ("decline", ""),
        ("confirm", ""),
        ("reject", ""),
        ("retry", ""),
        ("done", ""),
        ("print", ""),
        ("receipt", ""),
        ("back", ""),
        ("continue", ""),
        ("ok", ""),
        ("digit", "7"),
        ("new_booking", ""),
        ("my_bookings", ""),
        ("sign_in", "card"),
        ("sign_in", "finger"),
        ("sign_out", ""),
        ("document", "tr14_1"),
        ("office", "O1"),
        ("service", "id_card"),
        ("day", "2026-11-23"),
        ("day", "2026-11-21"),
        ("slot", "09:00"),
        ("slot", "09:30"),
        ("booking", "B1"),
        ("page", "2"),
    ]
]

EVENTS: list[object] = [
    *TAPS,
    Touched(),
    Entered("13572468"),
    Entered("12345678"),
    Entered("24681357"),
    Entered(CARD.citizen_id),
    Entered("1101700203468"),
    Entered("1234"),
    CardInserted(),
    CardRemoved(),
    CardRead(CARD),
    CardRead(OFFICER_CARD),
    CardRead(EXPIRED_CARD),
    CardReadFailed("not_thai_id"),
    FaceHint("move_closer"),
    FaceCaptured(),
    LivenessPrompt("blink"),
    LivenessDone(True),
    LivenessDone(False, "not_live"),
    FaceMatched(True, 0.8),
    FaceMatched(False, 0.1),
    FingerHint("place"),
    FingerMatched(True),
    FingerMatched(False),
    FingerMatched(False, "not_enrolled"),
    FingerCaptured("F1", 80),
    OfficerVerified("OFF-1", "เจ้าหน้าที่"),
    OfficerRejected("wrong_pin"),
    OfficerRejected("not_an_officer"),
    RecordFetched(RECORD),
    RecordFetched(None),
    EnrolAccepted(ACTIVATION),
    Queued("Q1"),
    ActivationIssued(ACTIVATION),
    OfficesFetched((OFFICE,)),
    CalendarFetched("O1", frozenset({date(2026, 11, 24)})),
    SlotsFetched(date(2026, 11, 23), (SLOT, FULL)),
    BookingConfirmed(TICKET),
    BookingsFetched((TICKET,)),
    BookingCancelled("B1"),
    PrintSent("J1", "TR141-0001-000001"),
    PrintConfirmed("J1"),
    PrintFailed("J1", "paper_out"),
    DeviceFailed("camera", "gone"),
    DeviceFailed("finger", "poor_image"),
    DeviceFailed("finger", "gone"),
    DeviceFailed("finger", "timeout"),
    DeviceFailed("printer", "paper_out"),
    DeviceFailed("registry", "unreachable"),
    DeviceFailed("registry", "slot_taken"),
    DeviceFailed("card", "card_removed"),
    DeviceFailed("card", "card_timeout"),
    DeviceFailed("store", "locked"),
    DeviceFailed("seal", "no_key"),
    WorkFailed("job", "ValueError"),
    CapabilitiesChanged(ALL_CAPS - {"print"}),
    CapabilitiesChanged(ALL_CAPS),
]

NOW = 1000.0
LATER = NOW + 10_000.0  # past every deadline


def _key(state: Any) -> Any:
    """States that differ only in a session counter behave alike: count them once."""
    return replace(state, enrolled=0) if getattr(state, "enrolled", 0) else state


def explore(flow: Flow[Any], *, limit: int = 30_000) -> dict[str, list[Any]]:
    """Every distinct state reachable from the start (events at NOW, plus a Tick far later), grouped by stage."""
    start, _ = flow.start(context(), NOW)
    seen = {_key(start)}
    by_stage: dict[str, list[Any]] = {}
    queue = deque([start])
    while queue and len(seen) < limit:
        state = queue.popleft()
        by_stage.setdefault(state.stage, []).append(state)
        steps = [flow.step(state, ev, NOW)[0] for ev in EVENTS]
        steps.append(flow.step(state, Tick(), LATER)[0])
        for new in steps:
            key = _key(new)
            if key not in seen:
                seen.add(key)
                queue.append(new)
    return by_stage
