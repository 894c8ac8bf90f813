"""The printer from `[printer]`: its driver behind a one-conversation lock, and the document issuer over it."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from kiosk.config import Config
from kiosk.errors import DeviceError

log = logging.getLogger(__name__)


def document_issuer(cfg: Config, stack: contextlib.ExitStack) -> Any | None:
    """The issuer on the configured printer, closed by `stack`; None (logged) when disabled or it cannot be opened."""
    if not cfg.printer.enabled:
        return None
    from kiosk.documents.renderer import Renderer
    from kiosk.drivers.printer.commands import open_configured
    from kiosk.drivers.printer.service import DocumentIssuer

    p = cfg.printer
    try:
        printer = open_configured(p)
    except DeviceError as e:
        log.warning("printer unavailable: %s", e)
        return None
    stack.callback(printer.close)
    return DocumentIssuer(LockedPrinter(printer), Renderer(p.width_dots))


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


def printer_state(st: Any) -> str:
    """A printer status as the executor's device state, the most specific condition first."""
    if st.cover_open:
        return "cover_open"
    if st.paper_out:
        return "paper_out"
    if st.offline:
        return "offline"
    return "near_end" if st.paper_near_end else "ok"
