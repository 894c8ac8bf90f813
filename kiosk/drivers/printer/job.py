"""A print job as a plain value: its state (rendered → sent → confirmed / failed → voided), attempts and reprints.

Nothing is silently lost or issued twice: a copy counts as issued only when CONFIRMED; a FAILED copy (possibly half
on paper) must be voided before a reprint, and the reprint carries the same document number, marked as a reprint.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass

from kiosk.documents.model import Document
from kiosk.drivers.printer.errors import JobStateError


class JobState(enum.Enum):
    RENDERED = "rendered"  # ready to send; nothing on paper yet
    SENT = "sent"  # bytes went to the printer; not yet known to be printed
    CONFIRMED = "confirmed"  # the printer answered GS r after printing it: issued
    FAILED = "failed"  # sending or printing failed part-way: a partial copy may exist
    VOIDED = "voided"  # this copy is declared invalid (recorded), a reprint may follow


@dataclass(frozen=True)
class PrintJob:
    document: Document
    attempt: int = 1
    state: JobState = JobState.RENDERED
    failure: str | None = None  # the PrinterError reason of a FAILED job

    @property
    def document_number(self) -> str:
        return self.document.document_number

    @property
    def is_reprint(self) -> bool:
        return self.document.reprint

    def _to(self, state: JobState, allowed: tuple[JobState, ...], failure: str | None = None) -> PrintJob:
        if self.state not in allowed:
            raise JobStateError(f"job {self.document_number}: cannot go from {self.state.value} to {state.value}")
        return dataclasses.replace(self, state=state, failure=failure or self.failure)

    def sent(self) -> PrintJob:
        return self._to(JobState.SENT, (JobState.RENDERED,))

    def confirmed(self) -> PrintJob:
        return self._to(JobState.CONFIRMED, (JobState.SENT,))

    def failed(self, reason: str) -> PrintJob:
        return self._to(JobState.FAILED, (JobState.SENT,), reason)

    def void(self) -> PrintJob:
        """Declare this copy invalid: after a failure, or to withdraw a printed copy (e.g. a citizen left it)."""
        return self._to(JobState.VOIDED, (JobState.FAILED, JobState.CONFIRMED))

    def reprint(self) -> PrintJob:
        """The next copy of a voided job: same document number, marked "พิมพ์ซ้ำ"/"REPRINT", attempt + 1."""
        if self.state is not JobState.VOIDED:
            raise JobStateError(f"job {self.document_number}: void the {self.state.value} copy before a reprint")
        return PrintJob(self.document.as_reprint(), attempt=self.attempt + 1)
