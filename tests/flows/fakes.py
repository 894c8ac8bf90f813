"""In-memory ports for the effect executor's tests and the journey benchmark: a scripted citizen who answers at once.

Each fake records what it was asked, so tests can assert what reached the registry, the store and the printer."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from kiosk.drivers import card as card_driver
from kiosk.errors import DeviceError
from kiosk.flows.effects import Booking, CancelBooking, Document, Enrolment
from kiosk.flows.events import Activation, Office, Record, Slot, Ticket
from kiosk.flows.ports import CardReading, Hint, KeptStrike, Ports

PORTRAIT = b"\xff\xd8portrait\xff\xd9"
IDENTITY = card_driver.CardIdentity(
    cid="1101700203450",
    name_th=card_driver.PersonName("นาย", "สมชาย", "", "ใจดี"),
    name_en=card_driver.PersonName("Mr.", "Somchai", "", "Jaidee"),
    dob=card_driver.PartialDate(1980, 5, 17),
    sex="male",
    issuer="สำนักงานเขตปทุมวัน",
    issued=date(2022, 1, 1),
    expires=date(2030, 1, 1),
    address=card_driver.Address("1", "", "", "", "ถนนพระราม 1", "แขวงวังใหม่", "เขตปทุมวัน", "กรุงเทพมหานคร"),
    laser_id=None,
)
NAMES = card_driver.CardNames(IDENTITY.cid, IDENTITY.name_th, IDENTITY.name_en)  # read before the rest
RECORD = Record("tr14_1", (("ชื่อ", "นายสมชาย ใจดี"), ("บ้านเลขที่", "1")), "2026-11-20")
OFFICE = Office("O1", "สำนักงานเขตปทุมวัน", "Pathum Wan District Office", ("id_card",))


class PaperOut(DeviceError):
    device = "printer"
    reason = "paper_out"


@dataclass
class FakeLocal:
    audits: list[tuple[str, dict[str, str], datetime]] = field(default_factory=list)
    queued: list[tuple[Enrolment, bytes | None]] = field(default_factory=list)
    strikes: list[KeptStrike] = field(default_factory=list)
    officers: Mapping[str, tuple[str, str, str]] = field(default_factory=dict)  # holder -> (id, name, pin)
    forgotten: int = 0  # forget_officers calls (journey ends)
    presence: list[tuple[str, str]] = field(default_factory=list)  # (citizen ID, method) proven in this journey
    synced_at: datetime | None = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # an hour before FakeClock's start

    def enqueue(self, op: Enrolment, template: bytes | None) -> str:
        self.queued.append((op, template))
        return f"op-{len(self.queued)}"

    def issue_activation(self, op_id: str, citizen_id: str) -> Activation:
        return Activation(f"KIT:{op_id}", datetime(2026, 11, 20, 3, 0, tzinfo=UTC), op_id)

    def check_officer_pin(self, holder: str, pin: str) -> tuple[str, str] | None:
        found = self.officers.get(holder)
        return (found[0], found[1]) if found and found[2] == pin else None

    def is_officer(self, holder: str) -> bool:
        return holder in self.officers

    def forget_officers(self) -> None:
        self.forgotten += 1

    def prove_presence(self, citizen_id: str, method: str) -> None:
        self.presence.append((citizen_id, method))

    def forget_presence(self) -> None:
        self.presence.clear()

    def last_sync(self) -> datetime | None:
        return self.synced_at

    def audit(self, event: str, fields: dict[str, str], at: datetime) -> None:
        self.audits.append((event, fields, at))

    def save_attempts(self, strikes: list[KeptStrike]) -> None:
        self.strikes = list(strikes)

    def load_attempts(self) -> list[KeptStrike]:
        return list(self.strikes)


@dataclass
class FakeRegistry:
    enrolled: list[Enrolment] = field(default_factory=list)
    booked: list[Booking] = field(default_factory=list)
    down: bool = False

    def _check(self) -> None:
        if self.down:
            raise RegistryDown("no route to the registry")

    def record(self, form: str, citizen_id: str) -> Record | None:
        self._check()
        return RECORD

    def offices(self) -> tuple[Office, ...]:
        self._check()
        return (OFFICE,)

    def calendar(self, office_id: str) -> tuple[frozenset[date], frozenset[date]]:
        return frozenset(), frozenset()

    def slots(self, office_id: str, service: str, day: date) -> tuple[Slot, ...]:
        return (Slot("S1", "09:00", 10, 2),)

    def bookings(self, citizen_id: str) -> tuple[Ticket, ...]:
        return ()

    def book(self, op: Booking) -> Ticket:
        self.booked.append(op)
        return Ticket("BK-1", op.office_id, op.service, op.day, "09:00", "BOOK:BK-1")

    def cancel(self, op: CancelBooking) -> None:
        return None

    def enrol(self, op: Enrolment) -> Activation:
        self._check()
        self.enrolled.append(op)
        return Activation("THAID:ACT:ABCD", datetime(2026, 11, 20, 2, 10, tzinfo=UTC), "ABCD-EFGH")


class RegistryDown(DeviceError):
    device = "registry"
    reason = "unreachable"


@dataclass
class FakeFace:
    accept: bool = True
    hold: threading.Event | None = None  # capture waits for this (to test late answers)
    captures: int = 0
    cancelled: bool = False
    liveness_portraits: list[bytes | None] = field(default_factory=list)

    def capture(self, portrait: bytes | None, hint: Hint, timeout_s: float) -> object:
        self.captures += 1
        hint("move_closer")
        if self.hold is not None:
            self.hold.wait(5.0)
        return object()

    def liveness(self, prompt: Hint, timeout_s: float, *, portrait: bytes | None = None) -> tuple[bool, str]:
        self.liveness_portraits.append(portrait)
        prompt("blink")
        return True, ""

    def match(self, frame: object, portrait: bytes) -> tuple[bool, float]:
        assert portrait == PORTRAIT
        return self.accept, 0.8 if self.accept else 0.1

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class FakeFinger:
    officer: tuple[str, str] | None = ("OFF-1", "เจ้าหน้าที่")

    def verify(self, citizen_id: str, hint: Hint, timeout_s: float) -> tuple[bool, str]:
        hint("place")
        return True, ""

    def enrol(self, hint: Hint, timeout_s: float) -> tuple[bytes, int]:
        hint("place")
        hint("lift")
        return b"TEMPLATE", 77

    def identify_officer(self, hint: Hint, timeout_s: float) -> tuple[str, str] | None:
        return self.officer

    def cancel(self) -> None:
        return None


@dataclass
class FakePrinter:
    fail_first: bool = False
    printed: list[tuple[Document, str]] = field(default_factory=list)
    voided: list[str] = field(default_factory=list)

    def print(
        self,
        document: Document,
        reprint_of: str,
        sent: Callable[[str, str], None],
        progress: Callable[[float], None] | None = None,
    ) -> str:
        job = f"J{len(self.printed) + 1}"
        self.printed.append((document, reprint_of))
        sent(job, reprint_of or "TR141-0001-000001")
        if progress is not None:
            progress(0.4)
        if self.fail_first and len(self.printed) == 1:
            raise PaperOut("paper ran out mid-job")
        if progress is not None:
            progress(1.0)
        return job

    def void(self, job_id: str, reason: str) -> None:
        self.voided.append(job_id)


@dataclass
class FakeCard:
    reads: int = 0

    def read(self, timeout_s: float) -> CardReading:
        self.reads += 1
        return CardReading(
            IDENTITY.cid, "นายสมชาย ใจดี", "Mr. Somchai Jaidee", date(1980, 5, 17), date(2030, 1, 1), "", PORTRAIT
        )


@dataclass
class FakeSignals:
    """The co-processor's beeper and indicator lights: every beep, and each light as last set."""

    beeps: list[str] = field(default_factory=list)
    lit: dict[str, bool] = field(default_factory=dict)

    def beep(self, kind: str) -> None:
        self.beeps.append(kind)

    def light(self, name: str, on: bool) -> None:
        self.lit[name] = on


def fake_ports(**overrides: Any) -> Ports:
    ports = Ports(
        local=FakeLocal(),
        registry=FakeRegistry(),
        card=FakeCard(),
        face=FakeFace(),
        finger=FakeFinger(),
        printer=FakePrinter(),
        signals=FakeSignals(),
    )
    for name, value in overrides.items():
        setattr(ports, name, value)
    return ports


@dataclass
class Screens:
    """A screen sink that keeps every screen shown."""

    shown: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def show(self, name: str, data: Mapping[str, Any] | None = None) -> None:
        self.shown.append((name, dict(data or {})))

    @property
    def names(self) -> list[str]:
        return [n for n, _ in self.shown]

    @property
    def last(self) -> tuple[str, dict[str, Any]]:
        return self.shown[-1]


def later(hours: float) -> datetime:
    return datetime(2026, 11, 20, 2, 0, tzinfo=UTC) + timedelta(hours=hours)
