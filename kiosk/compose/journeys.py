"""What the journeys' executor is given from the config and the opened devices: its limits, the device status it
starts with, and the periodic status probe of printer and registry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.boot_check import failed_check
from kiosk.compose.printer import LockedPrinter, printer_state
from kiosk.config import Config

if TYPE_CHECKING:
    from kiosk.flows.context import DeviceStatus, Limits
    from kiosk.flows.ports import Ports

PROBE_S = 3.0  # how often printer and registry are asked how they are, so the menu follows paper and network


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
        boot_fault=failed_check(Path(cfg.kiosk.boot_check) if cfg.kiosk.boot_check else None),
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
        max_offline_s=cfg.store.max_offline_hours * 3600.0,
    )


def status_probe(issuer: Any | None, client: Any) -> Callable[[], list[Any]]:
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
