"""The events a journey understands: what the person did on screen, what a device or the registry answered, and time.

Device threads and the effect executor post these; `Tick` and `DeviceFailed`/`WorkFailed` are the runner's own.
No event carries biometric data: face frames, the chip portrait and fingerprint templates stay with the executor,
which hands the journeys only outcomes, hints and opaque handles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kiosk.runner import DeviceFailed, Tick, WorkFailed

__all__ = [
    "Activation",
    "ActivationIssued",
    "BookingCancelled",
    "BookingConfirmed",
    "BookingsFetched",
    "CalendarFetched",
    "CapabilitiesChanged",
    "CardGreeting",
    "CardInfo",
    "CardInserted",
    "CardProgress",
    "CardRead",
    "CardReadFailed",
    "CardRemoved",
    "DeviceFailed",
    "EnrolAccepted",
    "Entered",
    "Expired",
    "FaceCaptured",
    "FaceHint",
    "FaceMatched",
    "FingerCaptured",
    "FingerHint",
    "FingerMatched",
    "LivenessDone",
    "LivenessPrompt",
    "Office",
    "OfficerRejected",
    "OfficerVerified",
    "OfficesFetched",
    "PresenceSensed",
    "PrintConfirmed",
    "PrintFailed",
    "PrintProgress",
    "PrintSent",
    "Queued",
    "Record",
    "RecordFetched",
    "Slot",
    "SlotsFetched",
    "TamperChanged",
    "TamperCleared",
    "Tapped",
    "Tick",
    "Ticket",
    "Touched",
    "WorkFailed",
]

# --- the screen -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tapped:
    """A control was touched: `action` names it ("accept", "digit", "choose"...), `value` its value (same shape as
    `kiosk.ui.events.Tapped`; the executor passes the UI's taps through unchanged)."""

    action: str
    value: str = ""


@dataclass(frozen=True)
class Touched:
    """A touch on no control: it only counts as activity (dismisses the inactivity warning)."""


@dataclass(frozen=True)
class Entered:
    """A complete keypad entry; the engine makes one from the digits typed when "ok" is tapped."""

    digits: str


@dataclass(frozen=True)
class Expired:
    """Made by the engine, never posted: the machine stage `stage` passed its deadline. A journey may handle it
    (a face not seen in time is a failed try); otherwise it ends the journey as a device error."""

    stage: str


@dataclass(frozen=True)
class CapabilitiesChanged:
    """The services the kiosk can complete right now changed (see `kiosk.flows.context.capabilities`)."""

    caps: frozenset[str]


# --- the card reader --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardInfo:
    """What a journey may know of a card: the data printed on it. `holder` is a keyed hash of the citizen ID
    (never the ID itself) and keys attempt counters and audit lines. The portrait stays with the executor."""

    holder: str
    citizen_id: str
    name_th: str
    name_en: str
    birth_date: date | None = None
    expiry: date | None = None  # None: lifelong
    address: str = ""
    has_photo: bool = True
    birth_shown: str = ""  # as the card holds it ("1937-00-00": day and month unknown); `birth_date` is nominal


@dataclass(frozen=True)
class CardInserted:
    pass


@dataclass(frozen=True)
class CardRemoved:
    pass


@dataclass(frozen=True, repr=False)
class CardGreeting:
    """The holder's name to greet them by while the rest of the card is read: the title and first name only (no
    surname, no ID), in Thai and in English. Its repr shows neither."""

    name_th: str
    name_en: str

    def __repr__(self) -> str:
        return "CardGreeting(...)"


@dataclass(frozen=True)
class CardProgress:
    """How much of the card's long read (the chip portrait) is done, 0..1, as the card driver counts it."""

    fraction: float


@dataclass(frozen=True)
class CardRead:
    card: CardInfo


@dataclass(frozen=True)
class CardReadFailed:
    reason: str  # the card driver's: "card_removed", "card_timeout", "not_thai_id"... (see screens.CARD_REASONS)


# --- face -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FaceHint:
    hint: str  # guidance from the quality check: "no_face", "too_far", "too_close", "too_dark", "hold_still", "ok"


@dataclass(frozen=True)
class FaceCaptured:
    """A frame good enough to match was captured (it stays with the executor)."""


@dataclass(frozen=True)
class LivenessPrompt:
    action: str  # what the challenge asks now: "blink", "turn_left", "turn_right", "smile"...


@dataclass(frozen=True)
class LivenessDone:
    passed: bool
    reason: str = ""


@dataclass(frozen=True)
class FaceMatched:
    accepted: bool
    score: float = 0.0


# --- fingerprint ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FingerHint:
    hint: str  # "place_finger", "lift_finger", "press_harder", "poor_image"


@dataclass(frozen=True)
class FingerCaptured:
    """An enrolment template was captured; `handle` names it inside the executor, `quality` is 0..100."""

    handle: str
    quality: int = 0


@dataclass(frozen=True)
class FingerMatched:
    accepted: bool
    reason: str = ""  # "not_enrolled" when there is nothing to match against


# --- officer sign-in --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficerVerified:
    officer_id: str
    name: str


@dataclass(frozen=True)
class OfficerRejected:
    reason: str  # "wrong_pin", "not_an_officer", "no_match"


# --- registry, store and seal -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """A registry record as (field, value) rows for the preview and own-data screens. A field is a key the screens
    name in the citizen's language ("name", "birth_date", "event:move_in"...); an event's value is `event_value`."""

    form: str
    fields: tuple[tuple[str, str], ...]
    as_of: str = ""


def event_value(day: str, office_th: str, office_en: str, detail: str) -> str:
    """One civil-registration event's value: its ISO day, the office's names, and the register's detail."""
    return "\t".join((day, office_th, office_en, detail))


def event_parts(value: str) -> tuple[str, str, str, str]:
    """(day, office_th, office_en, detail) of an `event_value` (missing parts empty)."""
    day, th, en, detail = ([*value.split("\t"), "", "", ""])[:4]
    return day, th, en, detail


@dataclass(frozen=True)
class RecordFetched:
    record: Record | None  # None: the registry has no such record for this citizen


@dataclass(frozen=True)
class Activation:
    """The one-time activation code the phone app scans, and when it stops working (UTC)."""

    qr: str
    expires_at: datetime
    reference: str = ""


@dataclass(frozen=True)
class EnrolAccepted:
    activation: Activation


@dataclass(frozen=True)
class Queued:
    """An operation is safely in the outbox; it reaches the registry when the link is back."""

    op_id: str


@dataclass(frozen=True)
class ActivationIssued:
    activation: Activation


@dataclass(frozen=True)
class Office:
    id: str
    name_th: str
    name_en: str
    services: tuple[str, ...]
    open_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0


@dataclass(frozen=True)
class OfficesFetched:
    offices: tuple[Office, ...]


@dataclass(frozen=True)
class CalendarFetched:
    """Days the office is closed: public holidays and its own closures (from the registry's calendar data)."""

    office_id: str
    holidays: frozenset[date]
    closures: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Slot:
    id: str
    start: str  # "09:30", local time
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


@dataclass(frozen=True)
class SlotsFetched:
    day: date
    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class Ticket:
    booking_id: str
    office_id: str
    service: str
    day: date
    start: str
    qr: str


@dataclass(frozen=True)
class BookingConfirmed:
    ticket: Ticket


@dataclass(frozen=True)
class BookingsFetched:
    bookings: tuple[Ticket, ...]


@dataclass(frozen=True)
class BookingCancelled:
    booking_id: str


# --- printer ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintSent:
    job_id: str
    document_no: str


@dataclass(frozen=True)
class PrintProgress:
    """How much of the job has gone to the printer (0..1 of its bytes, once the whole document is drawn)."""

    job_id: str
    fraction: float


@dataclass(frozen=True)
class PrintConfirmed:
    job_id: str


@dataclass(frozen=True)
class PrintFailed:
    job_id: str
    reason: str  # "paper_out", "cover_open", "offline", "not_confirmed"


# --- the enclosure (co-processor) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TamperChanged:
    """The enclosure's tamper switch: `open` now or not, and whether the board holds a latch (an opening during a
    journey) that only an officer's acknowledgement clears."""

    open: bool
    latched: bool


@dataclass(frozen=True)
class TamperCleared:
    """The board accepted the officer's acknowledgement: its tamper latch is gone."""


@dataclass(frozen=True)
class PresenceSensed:
    """Someone stands in front of the kiosk (the co-processor's presence sensor)."""
