"""The journeys' printer port over the real driver: the simulated ESC/POS printer on a pseudo-terminal runs out of
paper mid-job; the copy is voided through the driver's job values and the reprint keeps the number, marked "พิมพ์ซ้ำ",
in the citizen's language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import zxingcpp

from kiosk.documents import Renderer
from kiosk.drivers.printer import JobState
from kiosk.drivers.printer.escpos import EscPosPrinter, PrinterProfile, Timing
from kiosk.drivers.printer.service import DocumentIssuer
from kiosk.drivers.printer.transport import open_transport
from kiosk.flows.adapters import PrinterAdapter
from kiosk.flows.host import DeviceReport
from simulator.printer import Fault, PtyPort, SimulatedPrinter
from tests.flows.fakes import IDENTITY, fake_ports
from tests.flows.kit import Kiosk
from tests.printer.conftest import FAST

DOC_NO = "TR122-0001-000042"
SEAL = "HC1:TEST-SEAL-" + DOC_NO


class ExtractRegistry:
    """The registry's issue-extract answer (it numbers and seals the extract); counts how often it was asked."""

    def __init__(self) -> None:
        self.issued = 0

    def issue_extract(self, citizen_id: str, form: str, key: str) -> dict[str, Any]:
        self.issued += 1
        person = {
            "citizen_id": citizen_id,
            "name_th": {"prefix": "นาย", "first": "สมชาย", "last": "ใจดี"},
            "name_en": {"prefix": "Mr.", "first": "Somchai", "last": "Jaidee"},
            "dob": "1980-05-17",
            "events": [{"day": "1980-05-20", "kind": "birth", "office_code": "1001", "detail": ""}],
        }
        return {"doc_no": DOC_NO, "seal": SEAL, "issuer": "สำนักทะเบียนเขตปทุมวัน", "person": person}


@pytest.fixture
def sim() -> Iterator[SimulatedPrinter]:
    printer = SimulatedPrinter(width_dots=384)
    yield printer
    printer.close()


@pytest.fixture
def driver(sim: SimulatedPrinter) -> Iterator[EscPosPrinter]:
    with PtyPort(sim) as port:
        printer = EscPosPrinter(open_transport(port.path, baud=115200), PrinterProfile(width_dots=384), timing=FAST)
        yield printer
        printer.close()


def test_paper_out_mid_extract_voids_the_copy_and_the_reprint_keeps_the_number(
    sim: SimulatedPrinter, driver: EscPosPrinter
) -> None:
    registry = ExtractRegistry()
    adapter = PrinterAdapter(DocumentIssuer(driver, Renderer(384)), registry, "KIOSK-T1")
    k = Kiosk(fake_ports(printer=adapter))
    try:
        k.tap("start").tap("language", "en").tap("service", "extract").on("extract_choice")
        k.tap("document", "tr12_2").tap("accept").insert_card().on("extract_preview")
        sim.fault_after(Fault.PAPER_OUT, 5000)  # the roll ends part-way through the extract
        k.tap("print").on("error")
        assert k.shown[1]["reason"] == "printer_paper_out" and k.shown[1]["retry"] is False
        k.host.flush()  # the void is carried out on the executor's writer
        (failed,) = adapter.copies(DOC_NO)
        assert failed.state is JobState.VOIDED and failed.failure == "paper_out" and not failed.is_reprint

        driver.status()  # the printer's buffer clear has come back
        sim.load_paper()
        k.post(DeviceReport("printer", "ok")).on("error")
        assert k.shown[1]["retry"] is True
        k.tap("retry").on("printed")
        assert k.shown[1]["document_no"] == DOC_NO
    finally:
        k.close()
    first, again = adapter.copies(DOC_NO)
    assert first.state is JobState.VOIDED
    assert again.state is JobState.CONFIRMED and again.is_reprint and again.attempt == 2
    assert again.document.document_number == DOC_NO and again.document.language == "en"
    assert registry.issued == 1  # the reprint is the same extract, not a second one issued
    paper = sim.documents()[-1].convert("L")
    assert [c.text for c in zxingcpp.read_barcodes(paper)] == [SEAL]  # the seal of the same document number
    assert IDENTITY.cid == again.document.citizen_id


def test_the_printing_screen_follows_the_bytes_on_a_paced_line(sim: SimulatedPrinter) -> None:
    """At 115200 baud the extract takes seconds on the wire: the screen shows how far it is, up to 100 %."""
    with PtyPort(sim, paced=True) as port:
        # the kiosk's own timings: on a paced line a status answer waits behind the raster already buffered
        driver = EscPosPrinter(open_transport(port.path, baud=115200), PrinterProfile(width_dots=384), timing=Timing())
        adapter = PrinterAdapter(DocumentIssuer(driver, Renderer(384)), ExtractRegistry(), "KIOSK-T1")
        k = Kiosk(fake_ports(printer=adapter))
        try:
            k.tap("start").tap("language", "th").tap("service", "extract").on("extract_choice")
            k.tap("document", "tr12_2").tap("accept").insert_card().on("extract_preview")
            k.tap("print").on("printed", timeout_s=30)
        finally:
            k.close()
            driver.close()
    shown = [d["progress"] for name, d in k.screens.shown if name == "printing" and "progress" in d]
    assert shown == sorted(shown) and shown[-1] == 1.0
    assert any(0 < f < 1 for f in shown), shown  # seen part-way, not only at the end
    assert len(shown) <= 21  # in steps of 5 %: a redraw per step, not per band


def test_a_reprint_before_the_void_arrives_voids_the_failed_copy_first(
    sim: SimulatedPrinter, driver: EscPosPrinter
) -> None:
    from kiosk.drivers.printer.errors import PaperOut
    from kiosk.flows.effects import Document

    adapter = PrinterAdapter(DocumentIssuer(driver, Renderer(384)), ExtractRegistry(), "KIOSK-T1")
    doc = Document("extract", "ท.ร.12/2", (), sealed=True, form="tr12_2", citizen_id=IDENTITY.cid)
    sent: list[tuple[str, str]] = []
    sim.fault_after(Fault.PAPER_OUT, 5000)
    with pytest.raises(PaperOut):
        adapter.print(doc, "", lambda job, number: sent.append((job, number)))
    driver.status()
    sim.load_paper()
    adapter.print(doc, DOC_NO, lambda job, number: sent.append((job, number)))
    first, again = adapter.copies(DOC_NO)
    assert first.state is JobState.VOIDED and again.is_reprint and again.state is JobState.CONFIRMED
    assert [number for _, number in sent] == [DOC_NO, DOC_NO] and sent[0][0] != sent[1][0]
    adapter.void(sent[0][0], "paper_out")  # the late void changes nothing
    assert [j.state for j in adapter.copies(DOC_NO)] == [JobState.VOIDED, JobState.CONFIRMED]


def test_the_thaid_receipt_prints_with_its_activation_qr_and_the_kiosk_masked_id(
    sim: SimulatedPrinter, driver: EscPosPrinter
) -> None:
    """Defect 1: the receipt was refused by the document model (the journey masked with its own rule)."""
    from kiosk.text.numbers import mask_citizen_id

    adapter = PrinterAdapter(DocumentIssuer(driver, Renderer(384)), ExtractRegistry(), "KIOSK-T1")
    k = Kiosk(fake_ports(printer=adapter))
    try:
        k.tap("start").tap("language", "th").tap("service", "thaid").on("consent")
        k.tap("accept").insert_card().on("card_data")
        assert k.shown[1]["citizen_id"] == mask_citizen_id(IDENTITY.cid)  # the screen shows what the paper prints
        k.tap("confirm").on("passcode")
        k.digits("13572468").digits("13572468").on("passcode").digits("13572468").on("activation_qr")
        k.tap("receipt").until(lambda: "printing" in k.screens.names and k.shown[0] != "printing")
        assert k.shown[0] != "error", k.shown
    finally:
        k.close()
    (job,) = [j for j in adapter.copies("ABCD-EFGH")]
    assert job.state is JobState.CONFIRMED
    assert job.document.citizen_id_masked == mask_citizen_id(IDENTITY.cid)
    paper = sim.documents()[-1].convert("L")
    assert [c.text for c in zxingcpp.read_barcodes(paper)] == ["THAID:ACT:ABCD"]
