"""The printer's typed errors: what went wrong (`reason`), and what became of the job that was printing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.errors import DeviceError, KioskError

if TYPE_CHECKING:
    from kiosk.drivers.printer.job import PrintJob


class PrinterError(DeviceError):
    """A printer failure. `job` is the job's value after the failure: unchanged (state RENDERED) when nothing was sent,
    FAILED when part of it may be on paper (void it, then reprint)."""

    device = "printer"
    reason = "failed"

    def __init__(self, message: str = "", *, reason: str | None = None, job: PrintJob | None = None) -> None:
        super().__init__(message, reason=reason)
        self.job = job


class PaperOut(PrinterError):
    reason = "paper_out"


class CoverOpen(PrinterError):
    reason = "cover_open"


class PaperNearEnd(PrinterError):
    """Refused before sending: the paper is near its end and the document is longer than what surely remains."""

    reason = "paper_near_end"


class PrinterFault(PrinterError):
    """The printer reports an error: reason 'overheat' (auto-recoverable), 'cutter', or 'unrecoverable'."""

    reason = "fault"


class PrinterOffline(PrinterError):
    """Offline for a cause the printer does not name (feed button held, waiting for recovery)."""

    reason = "offline"


class PrinterTimeout(PrinterError):
    """No answer before the deadline: the printer is silent, or never confirmed the job."""

    reason = "timeout"


class PrinterLinkError(PrinterError):
    """The transport failed (serial port gone, TCP connection refused or closed)."""

    reason = "link"


class JobStateError(KioskError):
    """A print job was asked for a transition its state does not allow (a programming error in the caller)."""
