"""The composition root: builds devices, store and journeys from the config and hands them to the runner."""

from __future__ import annotations

import contextlib
import importlib
import logging
import queue
import threading
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from kiosk.config import Config
from kiosk.errors import KioskError
from kiosk.runner import Clock, Runner

if TYPE_CHECKING:
    from kiosk.drivers.camera import Camera
    from kiosk.flows.context import DeviceStatus, Limits
    from kiosk.flows.ports import Ports
    from kiosk.ui.port import ScreenPort
    from kiosk.ui.preview import Preview

log = logging.getLogger(__name__)


def wants_simulator(cfg: Config) -> bool:
    """No config file means no described hardware: run the simulator."""
    return cfg.source == "<defaults>"


def run(cfg: Config, *, simulator: bool = False, headless: str | None = None) -> int:
    if simulator or headless or wants_simulator(cfg):
        try:
            sim = importlib.import_module("simulator.app")
        except ImportError as e:
            raise KioskError(f"the simulator cannot start ({e}); install the 'sim' extra") from e
        result: int = sim.run(cfg, headless=headless)
        return result
    front = importlib.import_module("kiosk.ui.app")
    code: int = front.run(cfg)
    return code


def compose(
    cfg: Config,
    runner: Runner,
    screen: ScreenPort,
    *,
    camera: Camera | None = None,
    preview: Preview | None = None,
) -> Callable[[], None]:
    """Build the store, registry link, devices and the journeys' executor from `cfg`, all subscribed to `runner`;
    the executor shows screens through `screen.show(name, data)`. Returns what closes them, in reverse order.

    A device that cannot be opened is left out and reported as down, so the menu offers only what can finish.
    `camera` replaces the configured one (the simulator's); `preview` gets every frame the face service reads."""
    try:
        from kiosk.flows import adapters
    except ImportError:
        log.warning("the journeys' device adapters (kiosk.flows.adapters) are not available: no journeys run")
        return lambda: None
    from kiosk.flows.host import JourneyHost
    from kiosk.flows.ports import Ports
    from kiosk.store import load_or_create, open_store

    stack = contextlib.ExitStack()
    try:
        keys = load_or_create(cfg.kiosk.data_dir / "keys")
        conn = open_store(cfg.store.path)
        stack.callback(conn.close)
        client = _registry_client(cfg, stack)
        wall = runner.clock.wall  # one clock for the journeys, the adapters and the card's expiry date
        local = adapters.LocalAdapter(conn, keys, cfg.kiosk.unit, cfg.kiosk.id, clock=wall)
        reader = _card_reader(cfg, runner, stack)
        sensor = _finger_sensor(cfg, stack)
        issuer = _document_issuer(cfg, stack)
        face = _face_service(cfg, stack, camera, preview)
        board = _coproc(cfg, runner, stack)
        ports = Ports(
            local=local,
            registry=adapters.RegistryAdapter(client, cfg.kiosk.unit, wall) if client else UnreachableRegistry(),
            card=adapters.CardAdapter(reader) if reader is not None else None,
            face=face,
            signals=(signals := _signals(board, stack)),
            board=signals,
            finger=adapters.FingerAdapter(sensor, local.officer_by_page, client.finger_template if client else None)
            if sensor is not None
            else None,
            printer=adapters.PrinterAdapter(issuer, client, cfg.kiosk.id, wall) if issuer and client else None,
        )
        status = device_status(cfg, ports, registry=client is not None)
        host = JourneyHost(
            runner,
            screen,
            ports,
            secret=keys.subject_key,
            limits=limits_of(cfg),
            status=status,
            language=cfg.kiosk.language,
            read_photo=cfg.card.read_photo,
            probe=_probe(issuer, client),
            probe_s=PROBE_S,
        )
        stack.callback(host.close)
        if client is not None:
            _start_sync(cfg, client, keys.data_key, stack)
    except BaseException:
        stack.close()
        raise
    return stack.close


def device_status(cfg: Config, ports: Ports, *, registry: bool) -> DeviceStatus:
    """What the kiosk starts with: the devices that could be opened, and its role from the config."""
    from kiosk.flows.context import DeviceStatus

    return DeviceStatus(
        card=ports.card is not None,
        camera=ports.face is not None,
        finger=ports.finger is not None,
        printer="ok" if ports.printer is not None else "absent",
        registry=registry,
        field_kit=cfg.kiosk.role == "field_kit",  # offers officer-assisted enrolment (with a working sensor)
    )


def limits_of(cfg: Config) -> Limits:
    """The journeys' limits from the config's values (journeys never see the config itself)."""
    from kiosk.flows.context import Limits
    from kiosk.flows.passcode import PasscodeRules

    p = cfg.passcode
    return Limits(
        inactivity_warning_s=cfg.ui.inactivity_warning_s,
        inactivity_timeout_s=cfg.ui.inactivity_timeout_s,
        liveness_s=cfg.face.liveness_timeout_s,
        face_max_attempts=cfg.face.max_attempts,
        finger_max_attempts=cfg.finger.max_attempts,
        lockout_s=cfg.security.lockout_s,
        liveness=cfg.face.liveness,
        reject_expired=cfg.card.reject_expired,
        passcode=PasscodeRules(p.length, p.max_run, p.max_repeat, p.max_attempts),
    )


def _card_reader(cfg: Config, runner: Runner, stack: contextlib.ExitStack) -> Any | None:
    """The PC/SC reader watcher: it posts insertions, removals and reads to the runner from its own thread."""
    if not cfg.card.enabled:
        return None
    from kiosk.drivers.card.pcsc import PcscCardReader

    reader = PcscCardReader(
        runner.post,
        today=local_today(runner.clock, cfg.kiosk.timezone),
        reader=cfg.card.reader,
        share_mode=cfg.card.share_mode,
        read_photo=cfg.card.read_photo,
        reject_expired=cfg.card.reject_expired,
    )
    reader.start()
    stack.callback(reader.stop)
    return reader


def local_today(clock: Clock, timezone: str) -> Callable[[], date]:
    """Today's date where the kiosk stands (a card expires at the end of its day in Bangkok, not in UTC)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    return lambda: clock.wall().astimezone(zone).date()


def _finger_sensor(cfg: Config, stack: contextlib.ExitStack) -> Any | None:
    if not cfg.finger.enabled:
        return None
    from kiosk.drivers.finger import FingerSettings
    from kiosk.drivers.finger.uart import FingerUart, open_port
    from kiosk.errors import DeviceError

    f = cfg.finger
    try:
        port = open_port(f.port, f.baud)
    except DeviceError as e:
        log.warning("fingerprint sensor unavailable: %s", e)
        return None
    stack.callback(port.close)
    settings = FingerSettings(
        address=f.address,
        password=f.password,
        packet_size=f.packet_size,
        capture_timeout_s=f.capture_timeout_s,
        reply_timeout_s=f.reply_timeout_s,
        has_led=f.has_led,
        match_threshold=f.match_threshold,
    )
    return FingerUart(port, settings)


def _document_issuer(cfg: Config, stack: contextlib.ExitStack) -> Any | None:
    if not cfg.printer.enabled:
        return None
    from kiosk.documents.renderer import Renderer
    from kiosk.drivers.printer.commands import open_configured
    from kiosk.drivers.printer.service import DocumentIssuer
    from kiosk.errors import DeviceError

    p = cfg.printer
    try:
        printer = open_configured(p)
    except DeviceError as e:
        log.warning("printer unavailable: %s", e)
        return None
    stack.callback(printer.close)
    return DocumentIssuer(LockedPrinter(printer), Renderer(p.width_dots))


PROBE_S = 3.0  # how often printer and registry are asked how they are, so the menu follows paper and network


class LockedPrinter:
    """One printer conversation at a time: a status probe must not talk over a job (the driver is not shared-safe)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def locked(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                return attr(*args, **kwargs)

        return locked


def _coproc(cfg: Config, runner: Runner, stack: contextlib.ExitStack) -> Any | None:
    """The I/O co-processor: heartbeat and watchdog armed from `[coproc]`; its events (tamper, presence, outage and
    recovery) go to the runner, where the journeys' executor turns them into the kiosk's lock and wake-ups."""
    if not cfg.coproc.enabled:
        return None
    from kiosk.drivers.coproc import CoprocError
    from kiosk.drivers.coproc.commands import watchdog_settings
    from kiosk.drivers.coproc.link import connect

    c = cfg.coproc
    try:
        link = connect(
            c.port,
            c.baud,
            runner.post,
            watchdog=watchdog_settings(c),
            heartbeat_s=c.heartbeat_s,
            reply_timeout_s=c.reply_timeout_s,
        )
    except CoprocError as e:
        log.warning("co-processor unavailable (no lights, buzzer, tamper switch or watchdog): %s", e)
        return None
    stack.callback(link.close)
    return link


def _signals(board: Any | None, stack: contextlib.ExitStack) -> CoprocSignals | None:
    if board is None:
        return None
    signals = CoprocSignals(board)
    stack.callback(signals.close)
    return signals


BEEPS: dict[str, tuple[int, float]] = {  # kind -> (Hz, seconds)
    "attention": (1500, 0.12),
    "success": (2000, 0.10),
    "warning": (1000, 0.30),
    "error": (400, 0.40),
}


FACE_RING = (255, (255, 255, 255))  # level, colour: the light ring while the camera looks for a face


class CoprocSignals:
    """The journeys' beeps, indicator lights, face ring, journey flag and tamper latch on the co-processor (the
    SignalPort and BoardPort). A lit indicator shows as the board's "attention" pattern, out of service as its own,
    all off as "idle". The executor calls these on the event thread, so each command is queued to this object's own
    thread, in order, and never waits for the board; `tamper` and `ack_tamper` answer (the executor's workers)."""

    def __init__(self, link: Any) -> None:
        self.link = link
        self._lit: set[str] = set()
        self._out_of_service = False
        self._queue: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._send, name="coproc-signals", daemon=True)
        self._thread.start()

    def beep(self, kind: str) -> None:
        hz, seconds = BEEPS.get(kind, BEEPS["attention"])
        self._queue.put(lambda: self.link.buzz(hz, seconds))

    def light(self, name: str, on: bool) -> None:
        (self._lit.add if on else self._lit.discard)(name)
        self._pattern()

    def out_of_service(self, on: bool) -> None:
        self._out_of_service = on
        self._pattern()

    def _pattern(self) -> None:
        pattern = "out_of_service" if self._out_of_service else "attention" if self._lit else "idle"
        self._queue.put(lambda: self.link.pattern(pattern))

    def journey(self, active: bool) -> None:
        self._queue.put(lambda: self.link.set_journey(active))

    def face_light(self, on: bool) -> None:
        level, rgb = FACE_RING if on else (0, (0, 0, 0))
        self._queue.put(lambda: self.link.light(level, rgb))

    def tamper(self) -> tuple[bool, bool]:
        status = self.link.status()
        return bool(status.tamper_open), bool(status.tamper_latched)

    def ack_tamper(self) -> None:
        self.link.ack_tamper()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5.0)

    def _send(self) -> None:
        from kiosk.drivers.coproc import CoprocError

        while (command := self._queue.get()) is not None:
            try:
                command()
            except CoprocError as e:
                log.warning("co-processor signal not delivered: %s", e)


def open_registry_client(cfg: Config) -> Any:
    """The mutual-TLS registry client from `[registry]` (the kiosk's and the commands'); RegistryError when its
    credentials cannot be loaded."""
    from kiosk.registry_client import RegistryClient

    r = cfg.registry
    return RegistryClient(
        r.url, ca_cert=r.ca_cert, client_cert=r.client_cert, client_key=r.client_key, timeout_s=r.timeout_s
    )


def _registry_client(cfg: Config, stack: contextlib.ExitStack) -> Any | None:
    """The mutual-TLS client; None when this kiosk has no credentials yet (not enrolled with the registry)."""
    from kiosk.registry_client import RegistryError

    try:
        client = open_registry_client(cfg)
    except RegistryError as e:
        log.error("registry unavailable, only offline services offered: %s", e)
        return None
    stack.callback(client.close)
    return client


class UnreachableRegistry:
    """The registry port of a kiosk that has no credentials: every call fails as an unreachable registry would."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        from kiosk.flows.adapters import RegistryFailed

        def unreachable(*args: Any, **kwargs: Any) -> Any:
            raise RegistryFailed("this kiosk has no registry credentials", reason="unreachable")

        return unreachable


def printer_state(st: Any) -> str:
    """A printer status as the executor's device state, the most specific condition first."""
    if st.cover_open:
        return "cover_open"
    if st.paper_out:
        return "paper_out"
    if st.offline:
        return "offline"
    return "near_end" if st.paper_near_end else "ok"


def _probe(issuer: Any | None, client: Any) -> Callable[[], list[Any]]:
    """Status polls for the executor (run on a worker): the printer's real-time status, the registry's health."""
    from kiosk.errors import DeviceError, KioskError
    from kiosk.flows.host import DeviceReport

    def probe() -> list[Any]:
        reports = []
        printer = issuer.printer if issuer is not None else None
        if isinstance(printer, LockedPrinter) and printer.lock.acquire(blocking=False):
            try:
                state = printer_state(printer.inner.status())
            except DeviceError:
                state = "offline"
            finally:
                printer.lock.release()
            reports.append(DeviceReport("printer", state))
        if client is None:
            return reports
        try:
            client.health()
            reports.append(DeviceReport("registry", "ok"))
        except KioskError:
            reports.append(DeviceReport("registry", "unreachable"))
        return reports

    return probe


def _face_service(cfg: Config, stack: contextlib.ExitStack, camera: Camera | None, preview: Preview | None) -> Any:
    """Camera and face models; None (the face journeys are not offered) when either cannot be had here."""
    if not cfg.camera.enabled and camera is None:
        return None
    from kiosk.drivers.camera import open_camera
    from kiosk.errors import DeviceError
    from kiosk.face.service import FaceService
    from kiosk.face.verifier import FaceModels, FaceVerifier

    c = cfg.camera
    try:
        if camera is None:
            camera = open_camera(
                c.backend,
                device=c.device,
                folder=c.folder,
                width=c.width,
                height=c.height,
                mirrored=c.mirrored,
                rotation_deg=c.rotation_deg,
            )
        stack.callback(camera.close)
        verifier = FaceVerifier(FaceModels.load(cfg.face.model), threshold=cfg.face.match_threshold)
    except DeviceError as e:
        log.warning("camera or face models unavailable: %s", e)
        return None
    return FaceService(preview.tee(camera) if preview is not None else camera, verifier)


def outbox_syncer(cfg: Config, conn: Any, client: Any, data_key: bytes) -> Any:
    """The outbox (encrypted with `data_key`) sent to the registry `client`, backing off up to `[store]`'s ceiling."""
    from kiosk.store import Backoff, Outbox, Syncer, client_sender

    return Syncer(Outbox(conn, data_key), client_sender(client), Backoff(max_s=cfg.store.max_backoff_s))


def _start_sync(cfg: Config, client: Any, data_key: bytes, stack: contextlib.ExitStack) -> None:
    """Send the outbox to the registry in the background, a pass every `sync_interval_s` (back-off inside)."""
    import time

    from kiosk.store import open_store

    conn = open_store(cfg.store.path)  # the syncer's own connection: it never shares a transaction with the kiosk
    syncer = outbox_syncer(cfg, conn, client, data_key)
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(cfg.store.sync_interval_s):
            try:
                report = syncer.sync(time.time())
                if report.acknowledged or report.failed or report.error:
                    log.info(
                        "outbox sync: %d sent, %d refused, %d waiting%s",
                        len(report.acknowledged),
                        len(report.failed),
                        report.remaining,
                        f" ({report.error})" if report.error else "",
                    )
            except Exception:
                log.exception("outbox sync pass failed")

    thread = threading.Thread(target=loop, name="kiosk-sync", daemon=True)
    thread.start()
    stack.callback(conn.close)
    stack.callback(thread.join, 5.0)
    stack.callback(stop.set)
