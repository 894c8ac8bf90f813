"""What a journey asks the world to do: the effects `step` returns and the executor (`kiosk.flows.host`) carries out.

Each effect that waits for an answer names the event(s) that answer it; an effect never carries biometric data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from kiosk.flows.attempts import AttemptBook


@dataclass(frozen=True)
class ReadCard:
    """Read the inserted card's data and portrait -> CardRead | CardReadFailed."""


@dataclass(frozen=True)
class CaptureFace:
    """Capture a good frame with guidance -> FaceHint*, FaceCaptured | DeviceFailed("camera", ...)."""


@dataclass(frozen=True)
class StartLiveness:
    """Run the liveness challenge on the camera -> LivenessPrompt*, LivenessDone."""


@dataclass(frozen=True)
class MatchFace:
    """Compare the captured frame with the chip portrait -> FaceMatched."""


@dataclass(frozen=True)
class VerifyFinger:
    """Capture a finger and match it with the citizen's enrolled template -> FingerHint*, FingerMatched."""

    holder: str
    citizen_id: str


@dataclass(frozen=True)
class CaptureFinger:
    """Capture an index-finger template for enrolment (two presses) -> FingerHint*, FingerCaptured."""


@dataclass(frozen=True)
class CheckOfficerPin:
    """Check an officer's card and PIN against the kit's officer roster -> OfficerVerified | OfficerRejected."""

    holder: str
    pin: str


@dataclass(frozen=True)
class IdentifyOfficerFinger:
    """Search the sensor's officer templates for the finger placed -> FingerHint*, OfficerVerified | OfficerRejected."""


@dataclass(frozen=True)
class FetchRecord:
    """Fetch a registry record ("tr14_1", "tr12_2", "own") -> RecordFetched."""

    form: str
    citizen_id: str


@dataclass(frozen=True)
class FetchOffices:
    """-> OfficesFetched"""


@dataclass(frozen=True)
class FetchCalendar:
    """-> CalendarFetched"""

    office_id: str


@dataclass(frozen=True)
class FetchSlots:
    """-> SlotsFetched"""

    office_id: str
    service: str
    day: date


@dataclass(frozen=True)
class FetchBookings:
    """-> BookingsFetched"""

    citizen_id: str


@dataclass(frozen=True)
class Enrolment:
    """A ThaiD enrolment. The passcode goes to the registry only (which keeps a salted hash); the finger template
    is named by the executor's handle."""

    citizen_id: str
    holder: str
    method: Literal["self", "officer"]
    consent_at: datetime
    passcode: str = field(default="", repr=False)
    finger_handle: str = ""
    officer_id: str = ""


@dataclass(frozen=True)
class Booking:
    citizen_id: str
    office_id: str
    service: str
    day: date
    slot_id: str


@dataclass(frozen=True)
class CancelBooking:
    citizen_id: str
    booking_id: str


Operation = Enrolment | Booking | CancelBooking


@dataclass(frozen=True)
class Submit:
    """Send an operation to the registry. online: now -> EnrolAccepted | BookingConfirmed | BookingCancelled;
    otherwise into the outbox, synced later -> Queued."""

    op: Operation
    online: bool = True


@dataclass(frozen=True)
class IssueActivation:
    """Make the one-time activation code for a queued enrolment, signed on the kit (offline) -> ActivationIssued."""

    op_id: str
    citizen_id: str


DocumentKind = Literal["extract", "receipt", "ticket"]


@dataclass(frozen=True)
class Document:
    """What to print: the documents module lays it out; `sealed` adds the signed QR seal, printed last."""

    kind: DocumentKind
    title: str
    lines: tuple[tuple[str, str], ...]
    sealed: bool = False
    form: str = ""
    qr: str = ""  # a plain QR (a booking ticket's); the seal is separate
    facts: tuple[tuple[str, str], ...] = ()  # machine-readable values the printed layout needs (day, reference...)
    citizen_id: str = field(default="", repr=False)  # whose extract: the registry issues and seals it
    language: Literal["th", "en"] = "th"  # the citizen's chosen language: the printout's labels
    card_in_slot: bool = False  # printed while the ID card is in the slot: the paper reminds them to take it


@dataclass(frozen=True)
class Print:
    """Print a document -> PrintSent, then PrintConfirmed | PrintFailed. A reprint keeps the voided job's
    document number and is marked "พิมพ์ซ้ำ"."""

    document: Document
    reprint_of: str = ""  # the document number being reprinted


@dataclass(frozen=True)
class VoidPrint:
    """Record that a job did not print completely: its paper, if any, is void."""

    job_id: str
    reason: str


@dataclass(frozen=True)
class Audit:
    """One audit line. Fields hold stage names, outcomes, counts and the holder hash: never an ID, name or biometric."""

    event: str
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PersistAttempts:
    """Keep the attempt counters and lockouts across journeys and restarts (they are keyed by holder hash)."""

    book: AttemptBook


@dataclass(frozen=True, repr=False)
class ProvePresence:
    """The card's holder was verified (face or finger): sign this journey's presence proof for them
    (`kiosk.presence`), held in memory until the journey ends; the registry asks for it on their data."""

    citizen_id: str
    method: str  # "face" | "finger"


@dataclass(frozen=True)
class Forget:
    """Wipe everything held for this person: portrait, frames, templates, records; stop device work in flight."""


@dataclass(frozen=True)
class Beep:
    kind: Literal["attention", "warning", "success", "error"]


@dataclass(frozen=True)
class Light:
    """The co-processor's indicator lights: the card slot, the printer tray, the finger sensor."""

    name: Literal["card_slot", "printer_tray", "finger"]
    on: bool


@dataclass(frozen=True)
class AckTamper:
    """Clear the co-processor's tamper latch (an officer signed in). Answered by TamperCleared, or by
    DeviceFailed("coproc", "still_open") while the enclosure is still open."""


@dataclass(frozen=True)
class StartJourney:
    """From the menu: start one journey in the chosen language."""

    journey: str
    language: str


@dataclass(frozen=True)
class End:
    """The journey is over; the executor goes back to the attract screen."""

    outcome: str


Effect = (
    ReadCard
    | CaptureFace
    | StartLiveness
    | MatchFace
    | VerifyFinger
    | CaptureFinger
    | CheckOfficerPin
    | IdentifyOfficerFinger
    | FetchRecord
    | FetchOffices
    | FetchCalendar
    | FetchSlots
    | FetchBookings
    | Submit
    | IssueActivation
    | Print
    | VoidPrint
    | Audit
    | PersistAttempts
    | ProvePresence
    | Forget
    | Beep
    | Light
    | AckTamper
    | StartJourney
    | End
)

__all__ = [
    "AckTamper",
    "Audit",
    "Beep",
    "Booking",
    "CancelBooking",
    "CaptureFace",
    "CaptureFinger",
    "CheckOfficerPin",
    "Document",
    "Effect",
    "End",
    "Enrolment",
    "FetchBookings",
    "FetchCalendar",
    "FetchOffices",
    "FetchRecord",
    "FetchSlots",
    "Forget",
    "IdentifyOfficerFinger",
    "IssueActivation",
    "Light",
    "MatchFace",
    "Operation",
    "PersistAttempts",
    "Print",
    "ReadCard",
    "StartJourney",
    "StartLiveness",
    "Submit",
    "VerifyFinger",
    "VoidPrint",
]
