"""Booking a slot at a district office, and cancelling one: consent -> card -> face (the fingerprint the second way
in, else refer to an officer: a booking is made and cancelled in the card holder's name) -> new booking (office and
service -> a day allowed by the booking rules -> a time with room -> ticket with QR, optionally printed) or my bookings
(choose one -> confirm -> cancelled). The day is checked again when the slot is chosen, since time passes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from kiosk.booking_rules import BookingPolicy, Verdict, check_booking, grouped_reference
from kiosk.documents.model import SERVICES
from kiosk.flows.context import PRINT, Context
from kiosk.flows.effects import (
    Audit,
    Booking,
    CancelBooking,
    Document,
    Effect,
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
    DeviceFailed,
    Expired,
    Office,
    OfficesFetched,
    PrintConfirmed,
    PrintFailed,
    PrintProgress,
    PrintSent,
    Slot,
    SlotsFetched,
    Tapped,
    Ticket,
)
from kiosk.flows.identity import (
    CARD_STAGES,
    CARD_STEP,
    FACE_STAGES,
    FINGER_STAGES,
    VERIFY_STEP,
    IdentityState,
    ask_for_card,
    begin_verify,
    handle_card,
    handle_verify,
    identity_data,
)
from kiosk.flows.machine import Flow, Stage, Step

CONSENT_VERSION = "bora-booking-2026-1"
SLOT_GONE = frozenset({"slot_taken", "full"})  # the registry took the slot meanwhile: choose another


@dataclass(frozen=True, kw_only=True)
class BookingState(IdentityState):
    offices: tuple[Office, ...] = ()
    office_id: str = ""
    service: str = ""
    holidays: frozenset[date] = frozenset()
    closures: frozenset[date] = frozenset()
    day: date | None = None
    slots: tuple[Slot, ...] = ()
    note: str = ""  # why the person was sent back to choose again ("slot_taken", "booking_too_late")
    ticket: Ticket | None = None
    bookings: tuple[Ticket, ...] = ()
    booking_id: str = ""
    job_id: str = ""  # the ticket's print job in flight or last failed
    printed_no: str = ""  # the ticket's document number once a copy went to the printer (a retry is its reprint)
    print_progress: float | None = None  # of the ticket printing now, once the printer reports it
    listing: bool = False  # the offices are fetched for "my bookings" (to name each booking's office)
    slot_start: str = ""  # the time chosen, shown for a last check before it is booked


def _registry(screen: str = "working") -> Stage:
    return Stage(screen, "machine", card="held", device="registry", timeout="registry_s")


STAGES: dict[str, Stage] = {
    "consent": Stage("consent", "user"),
    **CARD_STAGES,
    **FACE_STAGES,
    **FINGER_STAGES,
    "booking_action": Stage("booking_action", "user", card="held"),
    "fetching_offices": _registry(),
    "booking_office": Stage("booking_office", "user", card="held"),
    "fetching_calendar": _registry(),
    "booking_date": Stage("booking_calendar", "user", card="held"),
    "fetching_slots": _registry(),
    "booking_slot": Stage("booking_slots", "user", card="held"),
    "booking_review": Stage("booking_review", "user", card="held"),
    "booking_submit": _registry(),
    "booking_ticket": Stage("booking_confirmed", "user", card="done", idle_outcome="done"),
    "ticket_printing": Stage("printing", "machine", device="printer", timeout="print_s"),
    "fetching_bookings": _registry(),
    "booking_list": Stage("booking_list", "user", card="held"),
    "booking_cancel_confirm": Stage("booking_cancel", "user", card="held"),
    "cancelling": _registry(),
    "booking_cancelled": Stage("thank_you", "user", card="done", idle_outcome="done"),
}


def policy(ctx: Context, office: Office | None) -> BookingPolicy:
    rules = ctx.limits.booking
    weekdays = frozenset(office.open_weekdays) if office else frozenset(range(5))
    return BookingPolicy(
        max_days_ahead=rules.horizon_days, cutoff=rules.cutoff, open_weekdays=weekdays, tz=ZoneInfo(rules.timezone)
    )


def office_of(state: BookingState) -> Office | None:
    return next((o for o in state.offices if o.id == state.office_id), None)


def verdict(state: BookingState, day: date, now: float) -> Verdict:
    """The published rule (15 days ahead at most, closed from 16:00 the day before, Asia/Bangkok, holidays)."""
    p = policy(state.ctx, office_of(state))
    return check_booking(day, state.ctx.clock.at(now), holidays=state.holidays, closures=state.closures, policy=p)


def _refused(v: Verdict) -> str:
    return "booking_too_late" if v == "after_cutoff" else f"day_{v}"


def _after_card(flow: Flow[BookingState], state: BookingState, now: float) -> Step[BookingState]:
    return begin_verify(flow, state, now, on_face_locked="finger_or_refer")


def _after_verify(flow: Flow[BookingState], state: BookingState, now: float) -> Step[BookingState]:
    return flow.go(state, "booking_action", now)


def handle(flow: Flow[BookingState], state: BookingState, event: object, now: float) -> Step[BookingState] | None:
    found = handle_card(flow, state, event, now, then=_after_card)
    if found is None:
        found = handle_verify(flow, state, event, now, then=_after_verify, on_face_locked="finger_or_refer")
    if found is not None:
        return found
    match state.stage, event:
        case "consent", Tapped(action="accept"):
            new, effects = ask_for_card(flow, state, now)
            return new, [Audit("consent_given", {"purpose": "booking", "version": CONSENT_VERSION}), *effects]
        case "consent", Tapped(action="decline"):
            return flow.abort(state, "declined", now)
        case "booking_action" | "booking_list", Tapped(action="new_booking"):
            return flow.go(state, "fetching_offices", now, FetchOffices(), listing=False)
        case "booking_action", Tapped(action="my_bookings"):
            return flow.go(state, "fetching_offices", now, FetchOffices(), listing=True)
        case "fetching_offices", OfficesFetched(offices=offices) if state.listing:
            assert state.card is not None
            return flow.go(state, "fetching_bookings", now, FetchBookings(state.card.citizen_id), offices=offices)
        case "fetching_offices", OfficesFetched(offices=offices):
            return flow.go(state, "booking_office", now, offices=offices, office_id="", service="")
        case "booking_office", Tapped(action="office", value=office_id) if _known(state, office_id):
            return replace(state, office_id=office_id, service=""), []
        case "booking_office", Tapped(action="service", value=service):
            office = office_of(state)
            if office is None or service not in office.services:
                return replace(state, error="choose_office"), []
            return flow.go(state, "fetching_calendar", now, FetchCalendar(office.id), service=service)
        case "fetching_calendar", CalendarFetched(holidays=holidays, closures=closures):
            return flow.go(state, "booking_date", now, holidays=holidays, closures=closures)
        case "booking_date", Tapped(action="day", value=iso):
            return _choose_day(flow, state, iso, now)
        case "booking_date", Tapped(action="back"):
            return flow.go(state, "booking_office", now)
        case "fetching_slots", SlotsFetched(slots=slots):
            return flow.go(state, "booking_slot", now, slots=slots)
        case "booking_slot", Tapped(action="slot", value=start):
            return _choose_slot(flow, state, start, now)
        case "booking_slot", Tapped(action="back"):
            return flow.go(state, "booking_date", now, note="")
        case "booking_review", Tapped(action="confirm"):
            return _book(flow, state, now)
        case "booking_review", Tapped(action="back"):
            return flow.go(state, "booking_slot", now, slot_start="")
        case "booking_submit", BookingConfirmed(ticket=ticket):
            booked = {"office": ticket.office_id, "service": ticket.service, "day": ticket.day.isoformat()}
            audit = Audit("booked", booked)
            return flow.go(state, "booking_ticket", now, audit, ticket=ticket)
        case "booking_submit", DeviceFailed(device="registry", reason=reason) if reason in SLOT_GONE:
            return _refetch_slots(flow, state, now, "slot_taken")
        case "booking_ticket", Tapped(action="print") if PRINT in state.ctx.caps and state.ticket is not None:
            minutes = slot_minutes(state.slots, state.ticket.start)
            document = ticket_document(state.ticket, office_of(state), state.ctx.document_language, minutes)
            document = replace(document, card_in_slot=state.card_in)
            return flow.go(
                state,
                "ticket_printing",
                now,
                Print(document, reprint_of=state.printed_no),
                job_id="",
                print_progress=None,
            )
        case "booking_ticket", Tapped(action="done"):
            return flow.finish(state, "done")
        case "ticket_printing", PrintSent(job_id=job, document_no=number):
            return replace(state, job_id=job, printed_no=number), []
        case "ticket_printing", PrintProgress(fraction=fraction):
            return replace(state, print_progress=fraction), []
        case "ticket_printing", PrintConfirmed():
            return flow.finish(state, "done")
        case "ticket_printing", PrintFailed(job_id=job, reason=reason):
            return flow.go(state, "booking_ticket", now, VoidPrint(job or state.job_id, reason), error="printer_failed")
        case "ticket_printing", DeviceFailed(device="printer", reason=reason):
            return flow.go(state, "booking_ticket", now, VoidPrint(state.job_id, reason), error="printer_failed")
        case "ticket_printing", Expired():
            void = VoidPrint(state.job_id, "not_confirmed")
            return flow.go(state, "booking_ticket", now, void, error="printer_failed")
        case "fetching_bookings", BookingsFetched(bookings=bookings):
            return flow.go(state, "booking_list", now, bookings=bookings)
        case "booking_list", Tapped(action="booking", value=booking_id) if any(
            b.booking_id == booking_id for b in state.bookings
        ):
            return flow.go(state, "booking_cancel_confirm", now, booking_id=booking_id)
        case "booking_cancel_confirm", Tapped(action="confirm"):
            assert state.card is not None
            return flow.go(state, "cancelling", now, Submit(CancelBooking(state.card.citizen_id, state.booking_id)))
        case "booking_cancel_confirm", Tapped(action="back"):
            return flow.go(state, "booking_list", now)
        case "cancelling", BookingCancelled():
            return flow.go(state, "booking_cancelled", now, Audit("booking_cancelled", {}))
        case "booking_cancelled", Tapped(action="done"):
            return flow.finish(state, "done")
    return None


def _known(state: BookingState, office_id: str) -> bool:
    return any(o.id == office_id for o in state.offices)


def _choose_day(flow: Flow[BookingState], state: BookingState, iso: str, now: float) -> Step[BookingState]:
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return replace(state, error="day_invalid"), []
    v = verdict(state, day, now)
    if v != "ok":
        return replace(state, error=_refused(v)), [Audit("day_refused", {"verdict": v})]
    return flow.go(state, "fetching_slots", now, FetchSlots(state.office_id, state.service, day), day=day, note="")


def _choose_slot(flow: Flow[BookingState], state: BookingState, start: str, now: float) -> Step[BookingState]:
    """A time with room: shown once more (office, service, day, time) before anything is booked."""
    slot = next((s for s in state.slots if s.start == start), None)
    if slot is None or slot.free <= 0:
        return replace(state, note="", error="slot_taken"), []
    return flow.go(state, "booking_review", now, slot_start=start, note="")


def _book(flow: Flow[BookingState], state: BookingState, now: float) -> Step[BookingState]:
    assert state.card is not None and state.day is not None
    slot = next((s for s in state.slots if s.start == state.slot_start), None)
    if slot is None:
        return flow.go(state, "booking_slot", now, error="slot_taken")
    v = verdict(state, state.day, now)
    if v != "ok":  # the cut-off passed while the person was choosing
        return flow.go(state, "booking_date", now, Audit("day_refused", {"verdict": v}), error=_refused(v), note="")
    op = Booking(state.card.citizen_id, state.office_id, state.service, state.day, slot.id)
    return flow.go(state, "booking_submit", now, Submit(op), note="")


def _refetch_slots(flow: Flow[BookingState], state: BookingState, now: float, note: str) -> Step[BookingState]:
    assert state.day is not None
    effects: list[Effect] = [FetchSlots(state.office_id, state.service, state.day), Audit("slot_taken", {})]
    return flow.go(state, "fetching_slots", now, *effects, note=note)


def slot_minutes(slots: tuple[Slot, ...], start: str) -> int:
    """How long the slot starting at `start` is: until the day's next slot start (the registry's slots are evenly
    spaced: half-hourly or hourly); 0 when there is no later slot to tell by."""

    def minute(hhmm: str) -> int:
        hh, _, mm = hhmm.partition(":")
        return int(hh) * 60 + int(mm or 0)

    later = sorted({minute(s.start) for s in slots if minute(s.start) > minute(start)})
    return later[0] - minute(start) if later else 0


def ticket_document(
    ticket: Ticket, office: Office | None, language: Literal["th", "en"] = "th", minutes: int = 0
) -> Document:
    """The booking ticket to print: the office and the service in words of the ticket's language, never their keys;
    `minutes`, the slot's length where known."""
    en = language == "en"
    office_words = ((office.name_en if en else office.name_th) or office.name_th) if office else ""
    th_service, en_service = SERVICES.get(ticket.service, ("", ""))
    service_words = (en_service if en else th_service) or ticket.service
    lines = (
        ("สำนักงาน / Office", office_words),
        ("บริการ / Service", service_words),
        ("วันที่ / Date", ticket.day.isoformat()),
        ("เวลา / Time", ticket.start),
        ("เลขที่ / Reference", grouped_reference(ticket.booking_id)),
    )
    facts = (
        ("booking_id", ticket.booking_id),
        ("office", office_words),
        ("service", ticket.service),
        ("day", ticket.day.isoformat()),
        ("start", ticket.start),
        *((("minutes", str(minutes)),) if minutes else ()),
    )
    return Document("ticket", "ใบนัดหมาย / Appointment", lines, qr=ticket.qr, facts=facts, language=language)


def _days(state: BookingState, now: float) -> list[dict[str, object]]:
    today = state.ctx.today(now)
    out: list[dict[str, object]] = []
    for n in range(1, state.ctx.limits.booking.horizon_days + 1):
        day = today + timedelta(days=n)
        v = verdict(state, day, now)
        out.append({"date": day.isoformat(), "available": v == "ok", "reason": v})
    return out


def office_name(state: BookingState, office_id: str) -> str:
    """The office's name in the citizen's language (its code never reaches the screen)."""
    office = next((o for o in state.offices if o.id == office_id), None)
    if office is None:
        return ""
    return (office.name_en if state.ctx.language == "en" else "") or office.name_th


def _ticket_data(state: BookingState, t: Ticket) -> dict[str, object]:
    return {
        "date": t.day.isoformat(),
        "time": t.start,
        "office": office_name(state, t.office_id),
        "service": t.service,
        "reference": t.booking_id,
    }


def data(state: BookingState, now: float) -> Mapping[str, object]:
    office = office_of(state)
    match state.stage:
        case "consent":
            return {"service": "booking", "version": CONSENT_VERSION}
        case "booking_office":
            offices = [{"id": o.id, "name_th": o.name_th, "name_en": o.name_en} for o in state.offices]
            return {"offices": offices, "office": state.office_id, "services": list(office.services) if office else []}
        case "booking_date":
            return {"office": office_name(state, state.office_id), "days": _days(state, now)}
        case "booking_review" if state.day is not None:
            return {
                "date": state.day.isoformat(),
                "time": state.slot_start,
                "office": office_name(state, state.office_id),
                "service": state.service,
            }
        case "booking_slot" if state.day is not None:
            slots = [{"time": s.start, "available": s.free > 0} for s in state.slots]
            return {"date": state.day.isoformat(), "slots": slots, **({"error": state.note} if state.note else {})}
        case "booking_ticket" if state.ticket is not None:
            return {**_ticket_data(state, state.ticket), "print": PRINT in state.ctx.caps}
        case "ticket_printing" if state.print_progress is not None:
            return {"progress": state.print_progress}
        case "booking_list":
            return {"bookings": [_ticket_data(state, t) for t in state.bookings]}
        case "booking_cancel_confirm":
            chosen = next((b for b in state.bookings if b.booking_id == state.booking_id), None)
            return _ticket_data(state, chosen) if chosen else {}
        case "booking_cancelled":
            return {"reference": state.booking_id, "cancelled": True}
        case "fetching_offices" | "fetching_calendar" | "fetching_slots" | "fetching_bookings":
            return {"task": "loading"}
        case "booking_submit" | "cancelling":
            return {"task": "sending"}
    return identity_data(state, now)


# The journey's steps as the person sees them ("Step 2 of 6"), each with the stages it covers.
STEPS: tuple[tuple[str, ...], ...] = (
    ("consent",),
    CARD_STEP,
    VERIFY_STEP,
    (
        "booking_action",
        "fetching_offices",
        "booking_office",
        "fetching_bookings",
        "booking_list",
    ),
    (
        "fetching_calendar",
        "booking_date",
        "fetching_slots",
        "booking_slot",
    ),
    (
        "booking_review",
        "booking_submit",
        "booking_ticket",
        "ticket_printing",
        "booking_cancel_confirm",
        "cancelling",
        "booking_cancelled",
    ),
)
FLOW: Flow[BookingState] = Flow("booking", BookingState, STAGES, first="consent", handle=handle, data=data, steps=STEPS)
start = FLOW.start
step = FLOW.step
view = FLOW.view
