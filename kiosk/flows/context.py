"""What a journey is given when it starts: language, the services the kiosk can complete (capabilities, computed
from device status), limits and deadlines as plain values, the attempt book, and an anchor from runner time to
wall time (booking rules and card expiry need the date in Asia/Bangkok; timeouts need only runner seconds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from kiosk.flows.attempts import AttemptBook
from kiosk.flows.passcode import PasscodeRules

# The services on the menu, in menu order: stable ids the UI maps to labels.
SERVICES: tuple[str, ...] = ("thaid", "extract", "booking", "own_data", "thaid_officer")

# Capabilities beyond services, which journeys consult mid-way (a reprint needs "print"; fingerprint fallback "finger").
PRINT = "print"
FINGER = "finger"


@dataclass(frozen=True)
class BookingRules:
    horizon_days: int = 15  # the last bookable day is today + 15
    cutoff: time = time(16, 0)  # booking for day D closes at this local time on D - 1 (16:00 itself is too late)
    timezone: str = "Asia/Bangkok"


@dataclass(frozen=True)
class Limits:
    inactivity_warning_s: float = 60.0
    inactivity_timeout_s: float = 90.0
    notice_s: float = 8.0  # how long an ending screen (timed out, card removed...) stays up
    card_reminder_s: float = 4.0  # the beep that asks for a card left in the slot, repeated until it is out
    card_read_s: float = 15.0
    face_capture_s: float = 30.0
    liveness_s: float = 20.0
    face_match_s: float = 10.0
    finger_s: float = 30.0
    registry_s: float = 20.0
    store_s: float = 10.0
    print_s: float = 60.0
    coproc_s: float = 5.0  # a co-processor command (its link retransmits within its own reply deadline)
    face_max_attempts: int = 3
    finger_max_attempts: int = 3
    pin_max_attempts: int = 3
    cid_max_attempts: int = 3
    lockout_s: float = 900.0
    max_reprints: int = 2
    max_offline_s: float = 72 * 3600.0  # a field kit enrols no one after this long without a sync
    liveness: bool = True
    reject_expired: bool = True
    passcode: PasscodeRules = field(default_factory=PasscodeRules)
    booking: BookingRules = field(default_factory=BookingRules)


@dataclass(frozen=True)
class WallAnchor:
    """Runner seconds `mono` happened at `wall` (UTC): journeys get wall time without reading a clock."""

    wall: datetime = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    mono: float = 0.0

    def at(self, now: float) -> datetime:
        return self.wall + timedelta(seconds=now - self.mono)


SyncVerdict = Literal["ok", "overdue", "never_synced", "clock_behind"]


@dataclass(frozen=True)
class OfflineLimit:
    """A field kit's last completed sync with the registry (wall time, from its sealed store) and how long it may
    go without one; `max_offline_s` None: no limit (a kiosk that is not a field kit enrols online only)."""

    last_sync: datetime | None = None
    max_offline_s: float | None = None

    def verdict(self, wall: datetime) -> SyncVerdict:
        """ "ok" within the limit; a clock earlier than the last sync is no proof of anything ("clock_behind")."""
        if self.max_offline_s is None:
            return "ok"
        if self.last_sync is None:
            return "never_synced"
        if wall < self.last_sync:
            return "clock_behind"
        return "ok" if (wall - self.last_sync).total_seconds() <= self.max_offline_s else "overdue"


@dataclass(frozen=True)
class Context:
    language: str = "th"
    caps: frozenset[str] = frozenset()
    limits: Limits = field(default_factory=Limits)
    attempts: AttemptBook = field(default_factory=AttemptBook)
    clock: WallAnchor = field(default_factory=WallAnchor)
    offline: OfflineLimit = field(default_factory=OfflineLimit)

    def local(self, now: float) -> datetime:
        return self.clock.at(now).astimezone(ZoneInfo(self.limits.booking.timezone))

    def today(self, now: float) -> date:
        return self.local(now).date()

    @property
    def document_language(self) -> Literal["th", "en"]:
        """The language printouts are made in: the citizen's, where the documents have it (Thai otherwise)."""
        return "en" if self.language == "en" else "th"


PrinterState = Literal["ok", "near_end", "paper_out", "cover_open", "offline", "absent"]


@dataclass(frozen=True)
class DeviceStatus:
    """What the executor knows of each device right now (from driver events and status polls)."""

    card: bool = True
    camera: bool = True
    finger: bool = True
    printer: PrinterState = "ok"
    registry: bool = True  # reachable
    store: bool = True
    seal: bool = True  # a signing key is loaded
    tampered: bool = False
    field_kit: bool = False  # an officer's kit: offers officer-assisted enrolment
    boot_fault: str = ""  # the check the boot-time doctor failed (kiosk/boot_check.py): nothing is offered


def capabilities(s: DeviceStatus) -> frozenset[str]:
    """The services the kiosk can complete from start to end, plus the "print" and "finger" abilities.

    A service appears only if every device it needs is well, so a citizen never starts what cannot finish
    (no extracts without paper, nothing at all when the case is opened or the store is gone)."""
    if s.tampered or not s.store or s.boot_fault:
        return frozenset()
    caps: set[str] = set()
    can_print = s.printer in ("ok", "near_end")
    if can_print:
        caps.add(PRINT)
    if s.finger:
        caps.add(FINGER)
    if s.card and s.camera and s.registry:
        caps |= {"thaid", "own_data"}
    if s.card and (s.camera or s.finger) and s.registry and can_print and s.seal:
        caps.add("extract")
    if s.card and (s.camera or s.finger) and s.registry:
        caps.add("booking")  # the holder is verified: a booking is made in the card owner's name
    if s.field_kit and s.card and s.finger and s.seal:
        caps.add("thaid_officer")  # works offline: the enrolment waits in the outbox
    return frozenset(caps)
