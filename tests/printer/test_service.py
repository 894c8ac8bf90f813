"""Issuing a document through the service, with a failure voided and reprinted under the same number."""

from __future__ import annotations

import pytest
import zxingcpp

from kiosk.documents import Renderer
from kiosk.documents.samples import sample
from kiosk.drivers.printer import JobState, JobStateError, PaperOut, PrintJob
from kiosk.drivers.printer.service import DocumentIssuer
from simulator.printer import Fault, SimulatedPrinter
from tests.printer.conftest import MakePrinter


def test_issue_fail_void_reprint(
    pty_url: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer
) -> None:
    printer = make_printer(pty_url)
    issuer = DocumentIssuer(printer, renderer)
    doc = sample("tr12", "en")
    sim.fault_after(Fault.PAPER_OUT, 5000)
    with pytest.raises(PaperOut) as err:
        issuer.issue(PrintJob(doc))
    failed = err.value.job
    assert failed is not None and failed.state is JobState.FAILED
    printer.status()  # the buffer clear has arrived
    sim.load_paper()
    again = issuer.after_failure(failed)
    done = issuer.issue(again)
    assert done.state is JobState.CONFIRMED and done.document.reprint and done.attempt == 2
    assert [r.text for r in zxingcpp.read_barcodes(sim.documents()[-1].convert("L"))] == [doc.seal]
    with pytest.raises(JobStateError):
        issuer.after_failure(done)  # a confirmed copy is not silently reprinted
    assert issuer.preview_png(doc)[:4] == b"\x89PNG"
