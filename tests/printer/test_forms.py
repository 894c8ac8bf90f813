"""Form fidelity: the printed ท.ร.14/1 and ท.ร.12/2 carry every field of docs/forms.md, in the form's order, in Thai
and in English, whether a field has data or not (then "–"); and their seal still decodes from the printed roll."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp

from kiosk.documents import Renderer
from kiosk.documents import model as m
from kiosk.documents.blocks import Block, Field, Flow, Text
from kiosk.documents.blocks import fields as fields_of
from kiosk.documents.layout import DASH, layout
from kiosk.documents.renderer import qr_matrix
from kiosk.documents.samples import sample
from kiosk.drivers.printer import PrintJob
from kiosk.drivers.printer.escpos import PrinterProfile, open_printer
from kiosk.registry.service import Registry
from simulator.printer import PtyPort, SimulatedPrinter
from tests.printer.test_content import SOMCHAI, extract, registry  # noqa: F401  (a fixture)

FORMS = Path(__file__).resolve().parents[2] / "docs" / "forms.md"
KINDS = {"tr14": "tr14_1", "tr12": "tr12_2"}


def form_fields(kind: str) -> list[tuple[str, str]]:
    """(Thai label, English label) of each row of the `<!-- fields: kind -->` table of docs/forms.md."""
    text = FORMS.read_text(encoding="utf-8")
    table = text.split(f"<!-- fields: {kind} -->", 1)[1].split("\n\n", 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in table.strip().splitlines()[2:]]
    assert rows and all(len(r) == 5 and r[0].isdigit() for r in rows), f"malformed table for {kind}"
    return [(r[2], r[3]) for r in rows]


def paper_items(blocks: list[Block]) -> Iterator[Field | Text]:
    """What the paper says, top to bottom: headings and lines of text, and each field (a Flow's in its order)."""
    for b in blocks:
        if isinstance(b, Flow):
            yield from b.fields
        elif isinstance(b, Field | Text):
            yield b


def labels_in_order(doc: m.Document, expected: list[str]) -> list[str]:
    """The expected labels not found on `doc` in order (empty: all there, in order)."""
    said = [i.label if isinstance(i, Field) else i.text for i in paper_items(layout(doc))]
    missing, at = [], 0
    for want in expected:
        try:
            at = said.index(want, at) + 1
        except ValueError:
            missing.append(want)
    return missing


def test_the_forms_document_lists_both_forms() -> None:
    tr14, tr12 = form_fields("tr14"), form_fields("tr12")
    assert len(tr14) >= 30 and len(tr12) >= 15
    thai = [th for th, _ in tr14]
    for field in ("เลขรหัสประจำบ้าน", "ชื่อหมู่บ้าน", "ประเภทบ้าน", "ลักษณะบ้าน", "ลำดับที่", "ย้ายมาจาก"):
        assert field in thai
    assert all(re.search(r"\b(S\d|I15|K)\b", line) for line in FORMS.read_text().splitlines() if line.startswith("| 1"))


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_field_of_the_form_is_printed_in_order(kind: str, lang: m.Lang) -> None:
    expected = [th if lang == "th" else en for th, en in form_fields(kind)]
    doc = sample(kind, lang)
    assert labels_in_order(doc, expected) == []
    for width in (384, 576):  # and the renderer lays every one of them out on both papers
        assert Renderer(width).render(doc).height > 0


@pytest.mark.parametrize("lang", ["th", "en"])
def test_a_field_without_data_still_prints_its_label_with_a_dash(lang: m.Lang) -> None:
    doc = sample("tr14", lang)
    bare = dataclasses.replace(
        doc, village_name="", house_type="", house_character="", house_number_assigned_on=None, sequence=None,
        moved_from="", moved_in_on=None, remarks="", address=m.Address(),
    )  # fmt: skip
    expected = [th if lang == "th" else en for th, en in form_fields("tr14")]
    assert labels_in_order(bare, expected) == []
    blank = [f for f in paper_items(layout(bare)) if isinstance(f, Field) and f.value.strip() in ("", DASH)]
    assert len(blank) >= 13  # 6 address parts, village, type, style, date, sequence, moved from/in, remarks
    Renderer(384).render(bare)  # each drawn as its label and "–" (tests/printer/test_documents.py)


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_extracts_from_the_registry_carry_every_field_in_order(
    registry: Registry,  # noqa: F811
    kind: str,
    lang: m.Lang,
) -> None:
    doc = extract(registry, KINDS[kind], SOMCHAI, lang)
    expected = [th if lang == "th" else en for th, en in form_fields(kind)]
    assert labels_in_order(doc, expected) == []


def test_the_address_is_split_into_the_forms_parts() -> None:
    a = m.Address.parse("5/1 ซอยอารีย์ 2 ถนนพหลโยธิน แขวงสามเสนใน เขตพญาไท กรุงเทพมหานคร", "5/1")
    assert a == m.Address("", "ซอยอารีย์ 2", "ถนนพหลโยธิน", "แขวงสามเสนใน", "เขตพญาไท", "กรุงเทพมหานคร")
    b = m.Address.parse("หมู่ที่ 4 ถนนสุมนเทวราช ตำบลในเวียง อำเภอเมืองน่าน จังหวัดน่าน")
    assert (b.moo, b.soi, b.province) == ("หมู่ที่ 4", "", "จังหวัดน่าน")
    fields = {f.label: f.value for f in fields_of(layout(dataclasses.replace(sample("tr14"), address=b)))}
    assert fields["หมู่ที่"] == "4" and fields["ถนน"] == "สุมนเทวราช" and fields["อำเภอ/เขต"] == "เมืองน่าน"


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_seal_decodes_from_the_printed_roll(kind: str) -> None:
    """The QR at its smallest module size, read by an independent decoder from the paper the simulated printer
    burned from the bytes on the wire (not from our own rendering)."""
    doc = sample(kind)
    renderer = Renderer(384)
    sim = SimulatedPrinter(width_dots=384)
    with PtyPort(sim) as port:
        printer = open_printer(port.path, baud=115200, profile=PrinterProfile(width_dots=384))
        try:
            printer.print_job(PrintJob(doc), renderer.render(doc))
        finally:
            printer.close()
    paper = sim.documents()[-1]
    results = zxingcpp.read_barcodes(paper.convert("L"))
    assert [r.text for r in results] == [doc.seal]
    assert renderer.qr_module_dots(qr_matrix(doc.seal).shape[0]) == renderer.scale.max_module_dots == 2
