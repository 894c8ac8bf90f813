"""The effect executor: keeps the one active journey (or the home menu) and its state, feeds it the runner's events,
carries out its effects through the ports on the runner's worker threads, and shows the screen its state asks for.

Everything here runs on the runner's event thread except the work handed to `runner.spawn`. Results of that work come
back stamped with the generation they were asked in; a journey that ended (or wiped itself) bumps the generation,
so a late answer can never reach the next person. The chip portrait, face frames and finger templates live only in
this object's memory, are dropped on `Forget`, and are never put in an event, a log line or the audit log.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from kiosk.drivers import card as card_driver
from kiosk.drivers import coproc as coproc_driver
from kiosk.errors import DeviceError
from kiosk.flows import booking, clear_tamper, enrol_officer, enrol_self, extract, home, own_data
from kiosk.flows.attempts import AttemptBook, Strikes, holder_key
from kiosk.flows.context import Context, DeviceStatus, Limits, OfflineLimit, WallAnchor, capabilities
from kiosk.flows.effects import (
    AckTamper,
    Audit,
    Beep,
    Booking,
    CancelBooking,
    CaptureFace,
    CaptureFinger,
    CheckOfficerPin,
    Effect,
    End,
    Enrolment,
    FetchBookings,
    FetchCalendar,
    FetchOffices,
    FetchRecord,
    FetchSlots,
    Forget,
    IdentifyOfficerFinger,
    IssueActivation,
    Light,
    MatchFace,
    PersistAttempts,
    Print,
    ProvePresence,
    ReadCard,
    StartJourney,
    StartLiveness,
    Submit,
    VerifyFinger,
    VoidPrint,
)
from kiosk.flows.events import (
    ActivationIssued,
    BookingCancelled,
    BookingConfirmed,
    BookingsFetched,
    CalendarFetched,
    CapabilitiesChanged,
    CardGreeting,
    CardInfo,
    CardInserted,
    CardProgress,
    CardRead,
    CardReadFailed,
    CardRemoved,
    DeviceFailed,
    EnrolAccepted,
    FaceCaptured,
    FaceHint,
    FaceMatched,
    FingerCaptured,
    FingerHint,
    FingerMatched,
    LivenessDone,
    LivenessPrompt,
    OfficerRejected,
    OfficerVerified,
    OfficesFetched,
    PresenceSensed,
    PrintConfirmed,
    PrintFailed,
    PrintProgress,
    PrintSent,
    Queued,
    RecordFetched,
    SlotsFetched,
    TamperChanged,
    TamperCleared,
    Tapped,
    Tick,
    WorkFailed,
)
from kiosk.flows.machine import Flow, Screen
from kiosk.flows.ports import CardReading, KeptStrike, Ports
from kiosk.runner import Runner

log = logging.getLogger(__name__)

JOURNEYS: Mapping[str, Flow[Any]] = {
    "thaid": enrol_self.FLOW,
    "thaid_officer": enrol_officer.FLOW,
    "extract": extract.FLOW,
    "booking": booking.FLOW,
    "own_data": own_data.FLOW,
    home.CLEAR_TAMPER: clear_tamper.FLOW,
}

# The co-processor's light ring lights the face for the camera while one of these screens is up. Without the board
# the face journeys still run (the camera's exposure copes with the hall's light; the threshold was measured on
# unlit photos), so the ring is no capability: a board outage only leaves it dark.
FACE_SCREENS = frozenset({"face_capture", "liveness"})
# Heartbeat failures that mean the board is gone (a refusal such as "still_open" is an answer, not an outage).
COPROC_DOWN = frozenset({"silent", "garbled", "port", "wrong_version", "failed"})


class ScreenSink(Protocol):
    def show(self, name: str, data: Mapping[str, Any] | None = None) -> None: ...


@dataclass(frozen=True)
class Stamped:
    """A worker's answer, tagged with the generation of the journey that asked for it."""

    generation: int
    event: object


@dataclass(frozen=True)
class DeviceReport:
    """A device's state from a status poll or a driver: "ok", or a reason ("paper_out", "unreachable"...)."""

    device: str
    state: str


@dataclass
class StageTrace:
    """When each stage of each journey was entered (runner seconds): what `bench/bench_journeys.py` reads."""

    entries: list[tuple[str, str, float]] = field(default_factory=list)

    def add(self, journey: str, stage: str, now: float) -> None:
        self.entries.append((journey, stage, now))
        del self.entries[:-2000]


# Reasons that say a device is gone, rather than that one try went wrong.
DOWN_REASONS: Mapping[str, frozenset[str]] = {
    "card": frozenset({"reader_unavailable"}),
    "camera": frozenset({"unavailable", "gone", "camera_failed", "no_camera"}),
    "finger": frozenset({"unavailable", "timeout", "bad_frame"}),
    "registry": frozenset({"unreachable", "unavailable", "timeout", "tls", "registry_unavailable"}),
    "store": frozenset({"locked", "unavailable", "corrupt"}),
    "seal": frozenset({"no_key"}),
}
PROGRESS_STEPS = 20  # printing progress is posted in steps of 5 %
PRINTER_STATES = frozenset({"ok", "near_end", "paper_out", "cover_open", "offline"})


class JourneyHost:
    def __init__(
        self,
        runner: Runner,
        screen: ScreenSink,
        ports: Ports,
        *,
        secret: bytes,
        limits: Limits | None = None,
        status: DeviceStatus | None = None,
        language: str = "th",
        read_photo: bool = True,
        probe: Callable[[], list[DeviceReport]] | None = None,
        probe_s: float = 10.0,
    ) -> None:
        self.runner = runner
        self.screen = screen
        self.ports = ports
        self.secret = secret
        self.limits = limits or Limits()
        self.status = status or DeviceStatus()
        self.caps = capabilities(self.status)
        self.read_photo = read_photo
        self.home = home.Home(
            caps=self.caps,
            language=language,
            idle_s=self.limits.inactivity_timeout_s,
            remind_s=self.limits.card_reminder_s,
            fault=self.status.boot_fault,
        )
        self.flow: Flow[Any] | None = None
        self.state: Any = None
        self.generation = 0
        self.trace = StageTrace()
        self.card_in = False
        self._probe = probe
        self._probe_s = probe_s
        self._next_probe = 0.0
        self._card_busy = False  # the driver's watcher is reading the inserted card (it reads every insertion)
        self._insertion = 0  # counts insertions and removals: a port read of an earlier card is dropped
        self._identity: card_driver.CardIdentity | None = None
        self._greeting: CardGreeting | None = None  # this insertion's names, read before the rest of the card
        self._photo_read = 0.0  # how much of this insertion's photo the driver has read (0..1)
        self._reading: CardReading | None = None
        self._read_failed = ""
        self._want_read = False
        self._frame: object | None = None
        self._templates: dict[str, bytes] = {}
        self._shown: tuple[str, dict[str, Any]] | None = None
        self._ring = False  # the face light ring, as last commanded
        self._out_of_service = False  # the board's status pattern, as last commanded
        self.board_up = ports.board is not None
        self._writes: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._writer = threading.Thread(target=self._write_loop, name="kiosk-audit", daemon=True)
        self._writer.start()
        self.book = self._load_book(runner.clock.monotonic())
        runner.subscribe(self.handle)
        self._render(runner.clock.monotonic())
        self._refresh_tamper()  # a latch survives the board's and the Pi's restarts

    # --- lifecycle ----------------------------------------------------------------------------------------------

    def close(self) -> None:
        self._forget()
        self._writes.put(None)
        self._writer.join(timeout=5.0)

    def flush(self) -> None:
        """Wait until every audit line and attempt record asked for so far is written (tests, shutdown)."""
        done = threading.Event()
        self._writes.put(done.set)
        done.wait(timeout=5.0)

    def _write_loop(self) -> None:
        """Audit lines and the attempt book are written in order, off the event thread."""
        while (write := self._writes.get()) is not None:
            try:
                write()
            except Exception:
                log.exception("writing to the kiosk store failed")

    # --- events in ----------------------------------------------------------------------------------------------

    def handle(self, event: object, now: float) -> None:
        if isinstance(event, DeviceFailed) and event.device == "coproc" and event.reason in COPROC_DOWN:
            self._board_down(event.reason)  # the heartbeat's (unstamped), not one command's answer
        if isinstance(event, Stamped):
            if event.generation != self.generation:
                return  # an answer for a journey that is over
            event = event.event
        if isinstance(event, Tick):
            self._maybe_probe(now)
        before = self.caps
        flow_event = self._translate(event)
        if flow_event is not None:
            self._observe(flow_event)
            self._step(flow_event, now)
        if self.caps != before:
            self.home = replace(self.home, caps=self.caps)  # the menu is always current, journey or not
            self._step(CapabilitiesChanged(self.caps), now)
        elif flow_event is None:
            return
        self._render(now)

    def _translate(self, event: object) -> object | None:
        """Driver and UI events become journey events; the rest pass through."""
        if isinstance(event, card_driver.CardInserted):
            self._card_gone()
            self._report("card", "ok")  # the reader works
            self.card_in = self._card_busy = True
            return CardInserted()
        if isinstance(event, card_driver.ReaderAvailable):
            self._report("card", "ok")  # back after it was lost: card services return to the menu
            return None
        if isinstance(event, card_driver.CardRemoved):
            self._card_gone()
            self._report("card", "ok")
            self.card_in = False
            return CardRemoved()
        if isinstance(event, card_driver.CardNamesRead):
            self._greeting = greeting_of(event.names)
            return self._greeting if self._want_read else None  # only a journey waiting for this read greets
        if isinstance(event, card_driver.CardPhotoProgress):
            self._photo_read = max(self._photo_read, event.fraction)
            return CardProgress(self._photo_read) if self._want_read else None
        if isinstance(event, card_driver.CardIdentityRead):
            self._identity = event.identity
            return self._card_complete(None) if not self.read_photo else None
        if isinstance(event, card_driver.CardPhotoMissing):  # the identity stands; the journeys see no photo
            return self._card_complete(None) if self._identity is not None else None
        if isinstance(event, card_driver.CardPhotoRead):
            if self._identity is None:  # the identity was forgotten mid-read: the rest of this read goes too
                self._card_busy = False
                if self._want_read:
                    self._want_read = False
                    self._read_card()
                return None
            return self._card_complete(event.jpeg)
        if isinstance(event, card_driver.CardReadFailed):
            if event.reason == "reader_unavailable":
                self._report("card", event.reason)
            self._card_busy, self._greeting = False, None
            self._identity, self._read_failed = None, event.reason
            if self._want_read:
                self._want_read = False
                return CardReadFailed(event.reason)
            return None
        if isinstance(event, _PortRead):
            if event.insertion != self._insertion:
                return None  # read from a card that has since been pulled
            self._reading = event.reading
            return self._card_read(event.reading)
        if isinstance(event, _Frame):
            self._frame = event.frame
            return FaceCaptured()
        if isinstance(event, _Template):
            self._templates[event.handle] = event.template
            return FingerCaptured(event.handle, event.quality)
        if isinstance(event, DeviceReport):
            self._report(event.device, event.state)
            return CapabilitiesChanged(self.caps)
        if isinstance(event, coproc_driver.TamperOpened | coproc_driver.TamperClosed):
            return TamperChanged(isinstance(event, coproc_driver.TamperOpened), event.latched)
        if isinstance(event, coproc_driver.PresenceDetected):
            return PresenceSensed()
        if isinstance(event, coproc_driver.CoprocRecovered | coproc_driver.CoprocBooted):
            self._board_back(event)
            return None
        if isinstance(event, coproc_driver.WatchdogWarning | coproc_driver.PowerCycling):
            log.warning("co-processor watchdog: %s (is the event thread stalled?)", event)
            return None
        if type(event).__name__ == "Tapped" and hasattr(event, "action") and not isinstance(event, Tapped):
            return Tapped(str(event.action), str(getattr(event, "value", "")))  # the UI's own Tapped
        return event

    def _card_complete(self, photo: bytes | None) -> object | None:
        assert self._identity is not None
        self._reading = reading_of(self._identity, photo)
        self._identity, self._card_busy, self._greeting = None, False, None
        if self._want_read:
            self._want_read = False
            return self._card_read(self._reading)
        return None

    def _card_read(self, reading: CardReading) -> CardRead:
        info = CardInfo(
            holder=holder_key(reading.citizen_id, self.secret),
            citizen_id=reading.citizen_id,
            name_th=reading.name_th,
            name_en=reading.name_en,
            birth_date=reading.birth_date,
            expiry=reading.expiry,
            address=reading.address,
            has_photo=reading.photo is not None,
            birth_shown=reading.birth_shown,
        )
        return CardRead(info)

    def _card_gone(self) -> None:
        self._insertion += 1
        self._photo_read = 0.0
        self._identity = self._reading = self._greeting = None
        self._read_failed = ""
        self._card_busy = self._want_read = False

    # --- device status and capabilities -------------------------------------------------------------------------

    def _observe(self, event: object) -> None:
        if isinstance(event, PrintFailed) and event.reason in PRINTER_STATES:
            self._report("printer", event.reason)
        elif isinstance(event, DeviceFailed):
            if event.device == "printer" and event.reason in PRINTER_STATES:
                self._report("printer", event.reason)
            elif event.reason in DOWN_REASONS.get(event.device, frozenset()):
                self._report(event.device, event.reason)

    def _report(self, device: str, state: str) -> None:
        ok = state == "ok"
        s = self.status
        match device:
            case "printer":
                s = replace(s, printer=state if state in PRINTER_STATES else "offline")  # type: ignore[arg-type]
            case "card":
                s = replace(s, card=ok)
            case "camera":
                s = replace(s, camera=ok)
            case "finger":
                s = replace(s, finger=ok)
            case "registry":
                s = replace(s, registry=ok)
            case "store":
                s = replace(s, store=ok)
            case "seal":
                s = replace(s, seal=ok)
            case "tamper":
                s = replace(s, tampered=not ok)
            case _:
                return
        if s != self.status:
            log.info("device %s: %s", device, state)
            self.status = s
            self.caps = capabilities(s)

    def _board_down(self, reason: str) -> None:
        if self.board_up:  # the heartbeat posts once per outage
            log.warning("co-processor down (%s): light ring dark, tamper switch unwatched", reason)
            self.board_up = False

    def _board_back(self, event: object) -> None:
        """The board answers again, or restarted: the link has restored what was commanded; what the enclosure did
        meanwhile (a latch is kept in the board's flash) is asked again."""
        log.info("co-processor back (%s)", type(event).__name__)
        self.board_up = True
        self._refresh_tamper()

    def _refresh_tamper(self) -> None:
        board = self.ports.board
        if board is None:
            return

        def work() -> object:
            is_open, latched = board.tamper()
            return TamperChanged(is_open, latched)

        def job() -> object | None:
            try:
                return work()
            except DeviceError as e:
                log.warning("the enclosure's state is unknown: %s", e)
                return None

        self.runner.spawn("coproc", job)

    def _maybe_probe(self, now: float) -> None:
        if self._probe is None or now < self._next_probe:
            return
        self._next_probe = now + self._probe_s
        probe = self._probe

        def work() -> None:
            for report in probe():
                self.runner.post(report)

        self.runner.spawn("probe", work)

    # --- the journey --------------------------------------------------------------------------------------------

    def _step(self, event: object, now: float) -> None:
        if isinstance(event, TamperChanged | TamperCleared):  # the kiosk's lock is home's, journey or not
            self.home, effects = home.step(self.home, event, now)
            self._run(effects, now)
            self._report("tamper", "open" if self.home.lock.locked else "ok")
            if self.flow is None:
                return
        if self.flow is None:
            self.home, effects = home.step(self.home, event, now)
        else:
            stage = self.state.stage
            self.state, effects = self.flow.step(self.state, event, now)
            if self.state.stage != stage:
                self.trace.add(self.flow.name, self.state.stage, now)
        self._run(effects, now)

    def _start(self, name: str, language: str, now: float) -> None:
        flow = JOURNEYS[name]
        ctx = Context(language, self.caps, self.limits, self.book, WallAnchor(self.wall(now), now), self._offline())
        self.generation += 1
        self.flow = flow
        self.state, effects = flow.start(ctx, now, card_in=self.card_in)
        self.trace.add(name, self.state.stage, now)
        if self.ports.board is not None:
            self.ports.board.journey(True)  # an opening of the case now latches on the board
        self._run(effects, now)

    def _offline(self) -> OfflineLimit:
        """A field kit's last sync and the limit on time without one (a kiosk that is not a kit has none)."""
        if not self.status.field_kit:
            return OfflineLimit()
        try:
            last = self.ports.local.last_sync()
        except DeviceError:
            log.warning("the last sync time could not be read: enrolment waits for a sync")
            last = None
        return OfflineLimit(last, self.limits.max_offline_s)

    def wall(self, now: float) -> datetime:
        """Wall time at runner time `now` (the runner's clock knows both)."""
        clock = self.runner.clock
        return clock.wall().astimezone(UTC) + timedelta(seconds=now - clock.monotonic())

    def _end(self) -> None:
        if self.flow is not None and self.ports.board is not None:
            self.ports.board.journey(False)
        self.ports.local.forget_officers()  # an officer's session ends with the journey
        self.flow, self.state = None, None
        self.generation += 1
        # a card still in the slot here (a tamper ending) is asked back before anyone can start
        self.home = home.back_to_attract(replace(self.home, card_in=self.card_in))

    # --- effects out --------------------------------------------------------------------------------------------

    def _run(self, effects: list[Effect], now: float) -> None:
        for effect in effects:
            try:
                self._do(effect, now)
            except DeviceError as e:
                self.runner.post(Stamped(self.generation, DeviceFailed(e.device, e.reason, str(e))))

    def _do(self, effect: Effect, now: float) -> None:
        p = self.ports
        lim = self.limits
        match effect:
            case Audit(event=event, fields=fields):
                at = self.wall(now)
                self._writes.put(lambda: p.local.audit(event, dict(fields), at))
            case PersistAttempts(book=book):
                self.book = book
                kept = self._kept(book, now)
                self._writes.put(lambda: p.local.save_attempts(kept))
            case ProvePresence(citizen_id=cid, method=method):
                p.local.prove_presence(cid, method)  # an Ed25519 signature: quick enough for the event thread
            case Forget():
                self._forget()
            case End():
                self._forget()
                self._end()
            case AckTamper():
                self._ack_tamper()
            case StartJourney(journey=name, language=language):
                self._start(name, language, now)
            case Beep(kind=kind):
                if p.signals:
                    p.signals.beep(kind)
            case Light(name=name, on=on):
                if p.signals:
                    p.signals.light(name, on)
            case ReadCard():
                self._read_card()
            case CaptureFace() | StartLiveness() | MatchFace():
                self._face(effect)
            case VerifyFinger(citizen_id=cid):
                finger = self._need(p.finger, "finger")
                hint = self._hinter(FingerHint)
                self._spawn("finger", lambda: FingerMatched(*finger.verify(cid, hint, lim.finger_s)))
            case CaptureFinger():
                self._capture_finger()
            case IdentifyOfficerFinger():
                finger = self._need(p.finger, "finger")
                hint = self._hinter(FingerHint)
                self._spawn("finger", lambda: _officer(finger.identify_officer(hint, lim.finger_s)))
            case CheckOfficerPin(holder=holder, pin=pin):
                self._spawn("officer", lambda: _officer(p.local.check_officer_pin(holder, pin), holder, p))
            case FetchRecord(form=form, citizen_id=cid):
                self._spawn("registry", lambda: RecordFetched(p.registry.record(form, cid)))
            case FetchOffices():
                self._spawn("registry", lambda: OfficesFetched(p.registry.offices()))
            case FetchCalendar(office_id=office):
                self._spawn("registry", lambda: CalendarFetched(office, *p.registry.calendar(office)))
            case FetchSlots(office_id=office, service=service, day=day):
                self._spawn("registry", lambda: SlotsFetched(day, p.registry.slots(office, service, day)))
            case FetchBookings(citizen_id=cid):
                self._spawn("registry", lambda: BookingsFetched(p.registry.bookings(cid)))
            case Submit():
                self._submit(effect)
            case IssueActivation(op_id=op_id, citizen_id=cid):
                self._spawn("seal", lambda: ActivationIssued(p.local.issue_activation(op_id, cid)))
            case Print(document=document, reprint_of=reprint_of):
                self._print(document, reprint_of)
            case VoidPrint(job_id=job, reason=reason):
                if p.printer and job:
                    printer = p.printer
                    self._writes.put(lambda: printer.void(job, reason))

    def _need(self, port: Any, device: str) -> Any:
        if port is None:
            raise _Missing(device)
        return port

    def _spawn(self, name: str, work: Callable[[], object | None]) -> None:
        generation = self.generation

        def job() -> object | None:
            try:
                result = work()
            except DeviceError as e:
                result = DeviceFailed(e.device, e.reason, str(e))
            except Exception as e:
                log.exception("journey work %s failed", name)
                result = WorkFailed(name, f"{type(e).__name__}: {e}")
            return None if result is None else Stamped(generation, result)

        self.runner.spawn(name, job)

    def _hinter(self, kind: Callable[[str], object]) -> Callable[[str], None]:
        generation = self.generation
        return lambda text: self.runner.post(Stamped(generation, kind(text)))

    def _read_card(self) -> None:
        if self._reading is not None:
            self.runner.post(Stamped(self.generation, self._card_read(self._reading)))
        elif self._read_failed:
            self.runner.post(Stamped(self.generation, CardReadFailed(self._read_failed)))
        elif self._card_busy:
            self._want_read = True  # the driver's insertion read will answer
            if self._greeting is not None:  # its names are in already: greet while the rest is read
                self.runner.post(Stamped(self.generation, self._greeting))
            if self._photo_read > 0:  # and part of its photo: the bar starts where the read is
                self.runner.post(Stamped(self.generation, CardProgress(self._photo_read)))
        else:
            # The card stayed in while what the watcher read was forgotten (a journey ended): read it again.
            card = self._need(self.ports.card, "card")
            insertion = self._insertion
            self._spawn("card", lambda: _PortRead(card.read(self.limits.card_read_s), insertion))

    def _face(self, effect: Effect) -> None:
        face = self._need(self.ports.face, "camera")
        lim = self.limits
        portrait = self._reading.photo if self._reading else None
        if isinstance(effect, CaptureFace):
            hint = self._hinter(FaceHint)

            self._spawn("camera", lambda: _Frame(face.capture(portrait, hint, lim.face_capture_s)))
        elif isinstance(effect, StartLiveness):
            prompt = self._hinter(LivenessPrompt)
            self._spawn("camera", lambda: LivenessDone(*face.liveness(prompt, lim.liveness_s, portrait=portrait)))
        else:
            frame = self._frame
            if frame is None or portrait is None:
                self.runner.post(Stamped(self.generation, FaceMatched(False, 0.0)))
                return
            self._spawn("face", lambda: FaceMatched(*face.match(frame, portrait)))

    def _capture_finger(self) -> None:
        finger = self._need(self.ports.finger, "finger")
        hint = self._hinter(FingerHint)
        handle = f"finger-{self.generation}-{len(self._templates) + 1}"

        self._spawn("finger", lambda: _Template(handle, *finger.enrol(hint, self.limits.finger_s)))

    def _submit(self, effect: Submit) -> None:
        p = self.ports
        op = effect.op
        if not effect.online:
            assert isinstance(op, Enrolment)
            template = self._templates.get(op.finger_handle)
            self._spawn("store", lambda: Queued(p.local.enqueue(op, template)))
            return
        match op:
            case Enrolment():
                self._spawn("registry", lambda: EnrolAccepted(p.registry.enrol(op)))
            case Booking():
                self._spawn("registry", lambda: BookingConfirmed(p.registry.book(op)))
            case CancelBooking():

                def cancel() -> object:
                    p.registry.cancel(op)
                    return BookingCancelled(op.booking_id)

                self._spawn("registry", cancel)

    def _print(self, document: Any, reprint_of: str) -> None:
        """PrintSent once paper may move, then PrintConfirmed, or PrintFailed naming the job (the journey voids it)."""
        printer = self._need(self.ports.printer, "printer")
        generation = self.generation
        job: list[str] = []

        def sent(job_id: str, number: str) -> None:
            job.append(job_id)
            self.runner.post(Stamped(generation, PrintSent(job_id, number)))

        shown = [-1]  # the last step of PROGRESS_STEPS posted: a screen redraw per step, not per band

        def progress(fraction: float) -> None:
            step = int(fraction * PROGRESS_STEPS)
            if step != shown[0]:
                shown[0] = step
                self.runner.post(Stamped(generation, PrintProgress(job[-1] if job else "", step / PROGRESS_STEPS)))

        def work() -> object:
            try:
                return PrintConfirmed(printer.print(document, reprint_of, sent, progress))
            except DeviceError as e:
                if e.device != "printer":
                    raise  # the registry refused to issue the extract: not a print failure
                log.warning("printing failed: %s", e.reason)
                return PrintFailed(job[-1] if job else "", e.reason)

        self._spawn("printer", work)

    def _ack_tamper(self) -> None:
        """TamperCleared is posted unstamped: the latch is gone on the board even if the journey ended meanwhile."""
        board = self._need(self.ports.board, "coproc")
        generation = self.generation

        def work() -> object:
            try:
                board.ack_tamper()
            except DeviceError as e:
                return Stamped(generation, DeviceFailed(e.device, e.reason, str(e)))
            return TamperCleared()

        self.runner.spawn("coproc", work)

    def _forget(self) -> None:
        """Drop everything personal this executor holds and stop device work in flight."""
        self.generation += 1
        self.ports.local.forget_presence()
        self._frame = None
        self._templates.clear()
        self._reading = self._identity = self._greeting = None
        self._read_failed = ""
        self._want_read = False
        for port in (self.ports.face, self.ports.finger):
            if port is None:
                continue
            try:
                port.cancel()
            except DeviceError:
                log.warning("%s did not take the cancel", type(port).__name__)

    # --- the attempt book across restarts -----------------------------------------------------------------------

    def _kept(self, book: AttemptBook, now: float) -> list[KeptStrike]:
        wall = self.wall(now)

        def at(t: float) -> datetime:
            return wall + timedelta(seconds=t - now)

        live = book.pruned(now, self.limits.lockout_s)
        return [
            KeptStrike(e.holder, e.factor, e.failures, at(e.first_at), at(e.locked_until) if e.locked_until else None)
            for e in live.entries
        ]

    def _load_book(self, now: float) -> AttemptBook:
        try:
            kept = self.ports.local.load_attempts()
        except DeviceError:
            log.warning("the attempt book could not be read: starting empty")
            return AttemptBook()
        wall = self.wall(now)

        def mono(t: datetime) -> float:
            return now + (t - wall).total_seconds()

        entries = tuple(
            Strikes(k.holder, k.factor, k.failures, mono(k.first_at), mono(k.locked_until) if k.locked_until else None)
            for k in kept
        )
        return AttemptBook(entries).pruned(now, self.limits.lockout_s)

    # --- the screen ---------------------------------------------------------------------------------------------

    def current(self, now: float) -> Screen:
        if self.flow is None:
            return home.view(self.home, now)
        return self.flow.view(self.state, now)

    def _render(self, now: float) -> None:
        screen = self.current(now)
        self._follow_on_board(screen.name)
        data = dict(screen.data)
        if screen.name == "card_data" and self._reading is not None and self._reading.photo:
            data["photo"] = self._reading.photo
        if self._shown != (screen.name, data):
            self._shown = (screen.name, data)
            self.screen.show(screen.name, data)

    def _follow_on_board(self, screen: str) -> None:
        """The light ring lights a face while the camera looks for one; the status LEDs say out of service."""
        board = self.ports.board
        if board is None:
            return
        ring = screen in FACE_SCREENS
        if ring != self._ring:
            self._ring = ring
            board.face_light(ring)
        out = screen == "out_of_service"
        if out != self._out_of_service:
            self._out_of_service = out
            board.out_of_service(out)


class _Missing(DeviceError):
    """The kiosk has no such device configured."""

    reason = "unavailable"

    def __init__(self, device: str) -> None:
        super().__init__(f"no {device} configured")
        self.device = device


@dataclass(frozen=True, repr=False)
class _PortRead:
    reading: CardReading
    insertion: int


@dataclass(frozen=True, repr=False)
class _Frame:
    """A captured face frame on its way to the event thread (stamped: a stale one is dropped unseen)."""

    frame: object


@dataclass(frozen=True, repr=False)
class _Template:
    handle: str
    template: bytes
    quality: int


def _officer(found: tuple[str, str] | None, holder: str = "", p: Ports | None = None) -> object:
    if found is not None:
        return OfficerVerified(*found)
    if holder and p is not None and not p.local.is_officer(holder):
        return OfficerRejected("not_an_officer")
    return OfficerRejected("wrong_pin" if holder else "no_match")


def greeting_of(names: card_driver.CardNames) -> CardGreeting:
    """The names to greet the holder by while the card is read: title and first name, no surname."""
    return CardGreeting(
        replace(names.name_th, middle="", last="").full(), replace(names.name_en, middle="", last="").full()
    )


def reading_of(identity: card_driver.CardIdentity, photo: bytes | None) -> CardReading:
    """The card driver's identity as the journeys' card reading."""
    return CardReading(
        citizen_id=identity.cid,
        name_th=identity.name_th.full(),
        name_en=identity.name_en.full(),
        birth_date=identity.dob.nominal(),
        expiry=identity.expires,
        address=" ".join(identity.address.lines()),
        photo=photo,
        birth_shown=f"{identity.dob.year:04d}-{identity.dob.month or 0:02d}-{identity.dob.day or 0:02d}",
    )
