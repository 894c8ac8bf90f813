"""The composition root: builds devices, store and journeys from the config and hands them to the runner."""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.compose.card import card_reader, local_today
from kiosk.compose.coproc import BEEPS, FACE_RING, CoprocSignals, coproc_link, coproc_signals
from kiosk.compose.face import face_service
from kiosk.compose.finger import finger_sensor
from kiosk.compose.journeys import PROBE_S, device_status, limits_of, status_probe
from kiosk.compose.printer import LockedPrinter, document_issuer, printer_state
from kiosk.compose.registry import (
    UnreachableRegistry,
    open_registry_client,
    outbox_syncer,
    registry_client,
    start_heartbeat,
    start_sync,
)
from kiosk.compose.store import open_keys_and_store
from kiosk.config import Config
from kiosk.errors import KioskError
from kiosk.runner import Runner

if TYPE_CHECKING:
    from kiosk.drivers.camera import Camera
    from kiosk.ui.port import ScreenPort
    from kiosk.ui.preview import Preview

__all__ = [
    "BEEPS",
    "FACE_RING",
    "PROBE_S",
    "CoprocSignals",
    "LockedPrinter",
    "UnreachableRegistry",
    "compose",
    "device_status",
    "limits_of",
    "local_today",
    "open_registry_client",
    "outbox_syncer",
    "printer_state",
    "run",
    "wants_simulator",
]

log = logging.getLogger(__name__)

_coproc = coproc_link  # the names the co-processor's kiosk tests know them by
_signals = coproc_signals


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

    stack = contextlib.ExitStack()
    try:
        keys, conn = open_keys_and_store(cfg, stack)
        wall = runner.clock.wall  # one clock for the journeys, the adapters and the card's expiry date
        local = adapters.LocalAdapter(conn, keys, cfg.kiosk.unit, cfg.kiosk.id, clock=wall)
        client = registry_client(cfg, stack, presence=local.presence.for_citizen)
        reader = card_reader(cfg, runner, stack)
        sensor = finger_sensor(cfg, stack)
        issuer = document_issuer(cfg, stack)
        face = face_service(cfg, stack, camera, preview)
        board = coproc_link(cfg, runner, stack)
        signals = coproc_signals(board, stack)
        ports = Ports(
            local=local,
            registry=adapters.RegistryAdapter(client, cfg.kiosk.unit, wall) if client else UnreachableRegistry(),
            card=adapters.CardAdapter(reader) if reader is not None else None,
            face=face,
            signals=signals,
            board=signals,
            finger=adapters.FingerAdapter(
                sensor, local.officer_by_page, client.finger_template if client else None, local.template_fetch
            )
            if sensor is not None
            else None,
            printer=adapters.PrinterAdapter(issuer, client, cfg.kiosk.id, wall) if issuer and client else None,
        )
        host = JourneyHost(
            runner,
            screen,
            ports,
            secret=keys.subject_key,
            limits=limits_of(cfg),
            status=device_status(cfg, ports, registry=client is not None),
            language=cfg.kiosk.language,
            read_photo=cfg.card.read_photo,
            probe=status_probe(issuer, client),
            probe_s=PROBE_S,
        )
        stack.callback(host.close)
        if client is not None:
            start_sync(cfg, client, keys.data_key, stack)
            start_heartbeat(cfg, client, keys.data_key, lambda: host.status.printer, stack)
    except BaseException:
        stack.close()
        raise
    return stack.close
