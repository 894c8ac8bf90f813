"""Print job states: a copy counts only when confirmed; a failed copy is voided before a reprint, same number."""

from __future__ import annotations

import pytest

from kiosk.documents.samples import sample
from kiosk.drivers.printer import JobState, JobStateError, PrintJob


def test_happy_path() -> None:
    job = PrintJob(sample("tr14"))
    assert job.state is JobState.RENDERED
    done = job.sent().confirmed()
    assert done.state is JobState.CONFIRMED
    assert done.attempt == 1 and not done.is_reprint


def test_failure_void_reprint_keeps_the_number() -> None:
    failed = PrintJob(sample("tr14")).sent().failed("paper_out")
    assert failed.state is JobState.FAILED and failed.failure == "paper_out"
    with pytest.raises(JobStateError):
        failed.reprint()  # the failed copy must be voided first
    again = failed.void().reprint()
    assert again.state is JobState.RENDERED
    assert again.attempt == 2
    assert again.is_reprint and again.document.reprint
    assert again.document_number == failed.document_number
    assert again.document.seal == failed.document.seal


@pytest.mark.parametrize(
    "move",
    [
        lambda j: j.confirmed(),  # not sent yet
        lambda j: j.failed("x"),  # nothing on paper: not a failure to void
        lambda j: j.void(),
        lambda j: j.sent().confirmed().sent(),  # an issued copy is never sent again
        lambda j: j.sent().confirmed().reprint(),  # nor reprinted unless voided
    ],
)
def test_forbidden_transitions(move: object) -> None:
    with pytest.raises(JobStateError):
        move(PrintJob(sample("ticket")))  # type: ignore[operator]
