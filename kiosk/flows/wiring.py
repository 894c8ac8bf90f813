"""Building the journeys' executor over the real parts from the config: the store and keys, the registry client,
the card reader, the printer with the documents module, the fingerprint sensor; each part that cannot start is
reported down, so the menu leaves out the services it would break. `kiosk.app.compose` calls `start` (via
`kiosk.flows.host.start`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from kiosk.errors import DeviceError
from kiosk.flows.context import DeviceStatus, Limits
from kiosk.flows.host import PRINTER_STATES, DeviceReport, JourneyHost, ScreenSink
from kiosk.flows.ports import Ports
from kiosk.runner import Runner

log = logging.getLogger(__name__)


def limits_from(cfg: Any) -> Limits:
    """The journeys' limits from the config's values (flows never see the config object)."""
    from kiosk.flows.passcode import PasscodeRules

    pc = cfg.passcode
    return Limits(
        inactivity_warning_s=cfg.ui.inactivity_warning_s,
        inactivity_timeout_s=cfg.ui.inactivity_timeout_s,
        card_read_s=15.0,
        liveness_s=cfg.face.liveness_timeout_s,
        finger_s=max(cfg.finger.capture_timeout_s * 2 + 5.0, 20.0),
        registry_s=cfg.registry.timeout_s * 3 + 5.0,
        print_s=cfg.printer.confirm_timeout_s + 10.0,
        face_max_attempts=cfg.face.max_attempts,
        liveness=cfg.face.liveness,
        reject_expired=cfg.card.reject_expired,
        passcode=PasscodeRules(pc.length, pc.max_run, pc.max_repeat, pc.max_attempts),
    )


def printer_state(status: Any) -> str:
    if status.offline or status.unrecoverable_error:
        return "offline"
    if status.paper_out:
        return "paper_out"
    if status.cover_open:
        return "cover_open"
    return "near_end" if status.paper_near_end else "ok"


def start(cfg: Any, runner: Runner, screen: ScreenSink) -> Callable[[], None]:
    """Build the ports from `cfg` (each device that cannot start is reported down, so the menu leaves out what it
    would break), start the executor on `runner`, and return what stops it all, in reverse order."""
    from kiosk.flows import adapters
    from kiosk.store import Outbox, Syncer, client_sender, load_or_create, open_store

    closers: list[Callable[[], None]] = []
    conn = open_store(cfg.store.path)
    closers.append(conn.close)
    keys = load_or_create(cfg.kiosk.data_dir / "keys")
    local = adapters.LocalAdapter(conn, keys, cfg.kiosk.unit, cfg.kiosk.id)
    limits = limits_from(cfg)
    # A field kit (officer-assisted enrolment) is the build with a fingerprint sensor and no camera.
    status = DeviceStatus(field_kit=cfg.finger.enabled and not cfg.camera.enabled, camera=False)
    client, registry = _registry(cfg, closers)
    status = replace(status, registry=client is not None)
    ports = Ports(local=local, registry=registry)
    status = _card(cfg, runner, ports, status, limits, closers)
    status = _printer(cfg, ports, client, status, closers)
    status = _finger(cfg, ports, local, status, closers)
    syncer = Syncer(Outbox(conn), client_sender(client)) if client is not None else None

    def probe() -> list[DeviceReport]:
        reports: list[DeviceReport] = []
        if client is not None:
            try:
                client.health()
                reports.append(DeviceReport("registry", "ok"))
                with local.lock:
                    if syncer is not None and syncer.due(datetime.now(UTC).timestamp()):
                        syncer.sync(datetime.now(UTC).timestamp(), max_ops=20)
            except Exception as e:
                log.info("registry not reachable: %s", e)
                reports.append(DeviceReport("registry", "unreachable"))
        status_of = getattr(ports.printer, "issuer", None)
        if status_of is not None:
            try:
                reports.append(DeviceReport("printer", printer_state(status_of.printer.status())))
            except DeviceError as e:
                reports.append(DeviceReport("printer", e.reason if e.reason in PRINTER_STATES else "offline"))
        return reports

    host = JourneyHost(
        runner,
        screen,
        ports,
        secret=keys.subject_key,
        limits=limits,
        status=status,
        language=cfg.kiosk.language,
        read_photo=cfg.card.read_photo,
        probe=probe,
        probe_s=cfg.store.sync_interval_s,
    )
    closers.append(host.close)

    def close() -> None:
        for fn in reversed(closers):
            try:
                fn()
            except Exception:
                log.exception("closing %s failed", fn)

    return close


def _registry(cfg: Any, closers: list[Callable[[], None]]) -> tuple[Any, Any]:
    from kiosk.flows import adapters
    from kiosk.registry_client import RegistryClient, RegistryError

    r = cfg.registry
    try:
        client = RegistryClient(
            r.url, ca_cert=r.ca_cert, client_cert=r.client_cert, client_key=r.client_key, timeout_s=r.timeout_s
        )
    except RegistryError as e:
        log.warning("no registry client: %s", e)
        return None, _NoRegistry()
    closers.append(client.close)
    return client, adapters.RegistryAdapter(client, cfg.kiosk.unit)


def _card(
    cfg: Any, runner: Runner, ports: Ports, status: DeviceStatus, limits: Limits, closers: list[Callable[[], None]]
) -> DeviceStatus:
    if not cfg.card.enabled:
        return replace(status, card=False)
    from kiosk.drivers.card.pcsc import PcscCardReader
    from kiosk.flows import adapters

    c = cfg.card
    reader = PcscCardReader(
        runner.post,
        today=lambda: datetime.now(UTC).date(),
        reader=c.reader,
        share_mode=c.share_mode,
        read_photo=c.read_photo,
        reject_expired=c.reject_expired,
        read_timeout_s=limits.card_read_s,
    )
    reader.start()
    closers.append(reader.stop)
    ports.card = adapters.CardAdapter(reader)
    return status


def _printer(
    cfg: Any, ports: Ports, client: Any, status: DeviceStatus, closers: list[Callable[[], None]]
) -> DeviceStatus:
    if not cfg.printer.enabled:
        return replace(status, printer="absent")
    from kiosk.documents.renderer import Renderer
    from kiosk.drivers.printer.commands import profile_of, timing_of
    from kiosk.drivers.printer.escpos import open_printer
    from kiosk.drivers.printer.service import DocumentIssuer
    from kiosk.flows import adapters

    p = cfg.printer
    try:
        printer = open_printer(
            p.transport,
            baud=p.baud,
            profile=profile_of(p),
            timing=timing_of(p),
            near_end_max_lines=p.near_end_max_lines,
        )
    except DeviceError as e:
        log.warning("printer unavailable: %s", e)
        return replace(status, printer="offline")
    closers.append(printer.close)
    ports.printer = adapters.PrinterAdapter(DocumentIssuer(printer, Renderer(p.width_dots)), client, cfg.kiosk.id)
    try:
        return replace(status, printer=printer_state(printer.status()))  # type: ignore[arg-type]
    except DeviceError as e:
        log.warning("printer status unknown: %s", e)
        return replace(status, printer="offline")


def _finger(
    cfg: Any, ports: Ports, local: Any, status: DeviceStatus, closers: list[Callable[[], None]]
) -> DeviceStatus:
    if not cfg.finger.enabled:
        return replace(status, finger=False)
    from kiosk.drivers.finger.commands import settings_from
    from kiosk.drivers.finger.uart import FingerUart, open_port
    from kiosk.flows import adapters

    try:
        port = open_port(cfg.finger.port, cfg.finger.baud)
        sensor = FingerUart(port, settings_from(cfg.finger))
        sensor.handshake()
    except DeviceError as e:
        log.warning("fingerprint sensor unavailable: %s", e)
        return replace(status, finger=False)
    closers.append(port.close)
    ports.finger = adapters.FingerAdapter(sensor, local.officer_by_page)
    return status


class _NoRegistry:
    """Stands in when the kiosk has no registry credentials: every call is a clear registry failure."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def fail(*args: object) -> Any:
            from kiosk.flows.adapters import RegistryFailed

            raise RegistryFailed("the kiosk has no registry credentials", reason="unreachable")

        return fail
