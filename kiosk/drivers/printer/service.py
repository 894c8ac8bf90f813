"""Issuing documents on paper for the journeys: render a job's document for this printer's paper, print, confirm.

issuer = DocumentIssuer(printer, Renderer(width_dots))
job = issuer.issue(PrintJob(document))     # CONFIRMED, or a PrinterError whose .job says what became of it
issuer.after_failure(failed_job)           # VOIDED copy -> the next job, marked as a reprint (same number)
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PIL import Image

from kiosk.documents.model import Document
from kiosk.documents.renderer import Renderer
from kiosk.drivers.printer import Printer
from kiosk.drivers.printer.errors import JobStateError
from kiosk.drivers.printer.job import JobState, PrintJob

log = logging.getLogger(__name__)


class DocumentIssuer:
    def __init__(self, printer: Printer, renderer: Renderer) -> None:
        self.printer = printer
        self.renderer = renderer

    def render(self, document: Document) -> Image.Image:
        """The raster that will be printed, also for the screen's preview."""
        return self.renderer.render(document)

    def preview_png(self, document: Document) -> bytes:
        return self.renderer.render_png(document)

    def issue(self, job: PrintJob, progress: Callable[[float], None] | None = None) -> PrintJob:
        """Print `job` and return it CONFIRMED; a PrinterError carries the job RENDERED (nothing sent) or FAILED.
        Its bands go out as they are drawn; `progress(fraction)` as they go (see `Printer.print_job`)."""
        return self.printer.print_job(job, self.renderer.strips(job.document), progress)

    def after_failure(self, job: PrintJob) -> PrintJob:
        """Void a FAILED copy and return its reprint (RENDERED, same document number, marked "พิมพ์ซ้ำ")."""
        if job.state is not JobState.FAILED:
            raise JobStateError(f"job {job.document_number} is {job.state.value}: only a failed copy is voided here")
        log.info("print attempt %d voided (%s); reprint follows", job.attempt, job.failure)
        return job.void().reprint()
