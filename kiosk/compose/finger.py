"""The fingerprint sensor from `[finger]`: its serial port opened and the UART driver over it."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from kiosk.config import Config
from kiosk.errors import DeviceError

log = logging.getLogger(__name__)


def finger_sensor(cfg: Config, stack: contextlib.ExitStack) -> Any | None:
    """The sensor's driver on its port, closed by `stack`; None (logged) when disabled or the port cannot be opened."""
    if not cfg.finger.enabled:
        return None
    from kiosk.drivers.finger.commands import settings_from
    from kiosk.drivers.finger.uart import FingerUart, open_port

    try:
        port = open_port(cfg.finger.port, cfg.finger.baud)
    except DeviceError as e:
        log.warning("fingerprint sensor unavailable: %s", e)
        return None
    stack.callback(port.close)
    return FingerUart(port, settings_from(cfg.finger))
