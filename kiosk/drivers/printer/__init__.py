"""The thermal printer: its interface, status, job states and typed errors (ESC/POS driver in `escpos`).

Use:
    printer = EscPosPrinter(open_transport(url, baud=115200), PrinterProfile(width_dots=384, has_cutter=True), ...)
    job = PrintJob(document)                       # RENDERED
    try:
        job = printer.print_job(job, renderer.strips(job.document))   # CONFIRMED: issued (bands sent as drawn)
    except PrinterError as e:                     # e.reason: paper_out, cover_open, paper_near_end, timeout, ...
        job = e.job                                # RENDERED (nothing sent) or FAILED (maybe half on paper)
        if job.state is JobState.FAILED:
            job = job.void().reprint()             # same document number, marked "พิมพ์ซ้ำ"/"REPRINT"
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from PIL import Image

from kiosk.drivers.printer.codec import PrinterStatus
from kiosk.drivers.printer.errors import (
    CoverOpen,
    JobStateError,
    PaperNearEnd,
    PaperOut,
    PrinterError,
    PrinterFault,
    PrinterLinkError,
    PrinterOffline,
    PrinterTimeout,
)
from kiosk.drivers.printer.job import JobState, PrintJob


class Printer(Protocol):
    """What the journeys need from a printer."""

    def status(self) -> PrinterStatus: ...

    def check_ready(self, raster_lines: int = 0) -> PrinterStatus: ...

    def print_job(
        self,
        job: PrintJob,
        raster: Image.Image | Iterable[Image.Image],
        progress: Callable[[float], None] | None = None,
    ) -> PrintJob:
        """`raster`: the document's image, or its strips top to bottom (sent as they are drawn)."""
        ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...


__all__ = [
    "CoverOpen",
    "JobState",
    "JobStateError",
    "PaperNearEnd",
    "PaperOut",
    "PrintJob",
    "Printer",
    "PrinterError",
    "PrinterFault",
    "PrinterLinkError",
    "PrinterOffline",
    "PrinterStatus",
    "PrinterTimeout",
]
