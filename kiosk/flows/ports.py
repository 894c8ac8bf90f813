"""What the effect executor needs from the world, as small blocking interfaces (called on the runner's worker
threads, never on the event thread). Real implementations wrap the drivers, the registry client and the store
(`kiosk.flows.adapters`); tests give fakes. Every call may raise a `kiosk.errors.DeviceError` subclass."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from kiosk.flows.effects import Booking, CancelBooking, Document, Enrolment
from kiosk.flows.events import Activation, Office, Record, Slot, Ticket

Hint = Callable[[str], None]


@dataclass(frozen=True)
class CardReading:
    """A complete read: the fields a journey may see, and the chip portrait (kept by the executor only)."""

    citizen_id: str
    name_th: str
    name_en: str
    birth_date: date | None
    expiry: date | None
    address: str
    photo: bytes | None
    birth_shown: str = ""  # the birth date as the card holds it: ISO, "00" for an unknown day or month


class CardPort(Protocol):
    def read(self, timeout_s: float) -> CardReading:
        """Read the card in the slot now (used when the insertion-time read is no longer held)."""
        ...


class FacePort(Protocol):
    def capture(self, portrait: bytes | None, hint: Hint, timeout_s: float) -> object:
        """Guide the person until a frame good enough to match is taken; returns it (opaque, kept in memory)."""
        ...

    def liveness(self, prompt: Hint, timeout_s: float, *, portrait: bytes | None = None) -> tuple[bool, str]:
        """Run the challenge: (passed, "" | failure reason). With the chip `portrait`, a turned face that is not the
        card holder's fails it ("face_changed")."""
        ...

    def match(self, frame: object, portrait: bytes) -> tuple[bool, float]: ...

    def cancel(self) -> None:
        """End a capture or liveness loop still running (the journey that asked is over)."""
        ...


class FingerPort(Protocol):
    def verify(self, citizen_id: str, hint: Hint, timeout_s: float) -> tuple[bool, str]:
        """Match a placed finger with the citizen's enrolled template: (accepted, "" | "not_enrolled")."""
        ...

    def enrol(self, hint: Hint, timeout_s: float) -> tuple[bytes, int]:
        """Capture an enrolment template (two placements): (template bytes, quality 0..100)."""
        ...

    def identify_officer(self, hint: Hint, timeout_s: float) -> tuple[str, str] | None:
        """Search the kit's officer templates: (officer_id, name), or None when no officer matches."""
        ...

    def cancel(self) -> None: ...


class PrinterPort(Protocol):
    def print(
        self,
        document: Document,
        reprint_of: str,
        sent: Callable[[str, str], None],
        progress: Callable[[float], None] | None = None,
    ) -> str:
        """Render, print and confirm; calls `sent(job_id, document_no)` once paper moves, then `progress(fraction)`
        (0..1 of the bytes) as the bands go; returns the job id."""
        ...

    def void(self, job_id: str, reason: str) -> None: ...


class RegistryPort(Protocol):
    def record(self, form: str, citizen_id: str) -> Record | None: ...

    def offices(self) -> tuple[Office, ...]: ...

    def calendar(self, office_id: str) -> tuple[frozenset[date], frozenset[date]]:
        """(public holidays, office closures)"""
        ...

    def slots(self, office_id: str, service: str, day: date) -> tuple[Slot, ...]: ...

    def bookings(self, citizen_id: str) -> tuple[Ticket, ...]: ...

    def book(self, op: Booking) -> Ticket: ...

    def cancel(self, op: CancelBooking) -> None: ...

    def enrol(self, op: Enrolment) -> Activation: ...


@dataclass(frozen=True)
class KeptStrike:
    holder: str
    factor: str
    failures: int
    first_at: datetime
    locked_until: datetime | None


class LocalPort(Protocol):
    """The kiosk's own store and keys: outbox, audit log, officer roster, attempt book, activation signing."""

    def enqueue(self, op: Enrolment, template: bytes | None) -> str: ...

    def issue_activation(self, op_id: str, citizen_id: str) -> Activation: ...

    def check_officer_pin(self, holder: str, pin: str) -> tuple[str, str] | None:
        """(officer_id, name) when `holder`'s card belongs to an officer and the PIN is right; else None."""
        ...

    def is_officer(self, holder: str) -> bool: ...

    def forget_officers(self) -> None:
        """Drop what a PIN sign-in left in memory (the officers' proof keys): the journey is over."""
        ...

    def prove_presence(self, citizen_id: str, method: str) -> None:
        """Sign and hold (in memory) this journey's proof that `citizen_id`'s holder was verified by `method`."""
        ...

    def forget_presence(self) -> None:
        """Drop the journey's presence proof: the journey is over."""
        ...

    def last_sync(self) -> datetime | None:
        """When the kit last completed a sync with the registry (kiosk.store.last_sync); None: never, or unreadable."""
        ...

    def audit(self, event: str, fields: dict[str, str], at: datetime) -> None: ...

    def save_attempts(self, strikes: list[KeptStrike]) -> None: ...

    def load_attempts(self) -> list[KeptStrike]: ...


class SignalPort(Protocol):
    """The co-processor's beeper and lights."""

    def beep(self, kind: str) -> None: ...

    def light(self, name: str, on: bool) -> None: ...


class BoardPort(Protocol):
    """The co-processor beyond beeps: the journey flag (an opening then latches), the face light ring, the status
    pattern and the tamper latch. The first three never wait for the board; `tamper` and `ack_tamper` do (workers)."""

    def journey(self, active: bool) -> None: ...

    def face_light(self, on: bool) -> None: ...

    def out_of_service(self, on: bool) -> None: ...

    def tamper(self) -> tuple[bool, bool]:
        """(open, latched) as the board sees the enclosure now."""
        ...

    def ack_tamper(self) -> None:
        """Clear the latch; a DeviceError with reason "still_open" while the enclosure is open."""
        ...


@dataclass
class Ports:
    local: LocalPort
    registry: RegistryPort
    card: CardPort | None = None
    face: FacePort | None = None
    finger: FingerPort | None = None
    printer: PrinterPort | None = None
    signals: SignalPort | None = None
    board: BoardPort | None = None
