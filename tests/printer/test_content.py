"""What the printed documents say, as a registrar would check it: one document-number scheme (Buddhist era, not
guessable, never broken), office names rather than codes, a ท.ร.12/2 that does not contradict itself, a ticket
naming its service and office in the citizen's language with the real slot length, a receipt that does not promise
a seal, and samples carrying real seals from a key that says it is a sample."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import presence, seal
from kiosk.booking_rules import DEFAULT_POLICY
from kiosk.documents import Renderer
from kiosk.documents import model as m
from kiosk.documents.blocks import Text
from kiosk.documents.blocks import fields as fields_of
from kiosk.documents.layout import ENUM_LABELS, layout
from kiosk.documents.numbers import document_number, is_document_number
from kiosk.documents.samples import (
    ISSUED_AT,
    SAMPLE_ISSUER,
    SAMPLE_KINDS,
    sample,
    sample_trust_list,
)
from kiosk.flows.adapters import PrinterAdapter
from kiosk.flows.booking import ticket_document
from kiosk.flows.effects import Document
from kiosk.flows.events import Office, Ticket
from kiosk.registry.db import SqliteDatabase, open_database
from kiosk.registry.population import seed
from kiosk.registry.service import Registry

NOW = datetime(2026, 11, 22, 7, 5, tzinfo=UTC)  # 14:05 in Bangkok: the year 2569 in the Buddhist era
SOMCHAI = "1101700123456"  # the simulator's test citizen, registered at office 1014 (สำนักงานเขตพญาไท)


class LocalRegistry:
    """The registry client's issue-extract call, answered by the registry service over SQLite in this process, from
    a kiosk that verified the citizen (its presence proof, `kiosk.presence`, signed by a key the registry holds)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.kiosk_key = Ed25519PrivateKey.generate()
        registry.enrol_kit_key("KIOSK-T1", self.kiosk_key.public_key().public_bytes_raw())

    def issue_extract(self, citizen_id: str, form: str, key: str) -> dict[str, Any]:
        at = int(NOW.timestamp())
        proof = presence.make(self.kiosk_key, "KIOSK-T1", presence.new_session(), "face", citizen_id, at)
        status, body = self.registry.issue_extract("KIOSK-T1", key, citizen_id, form, proof)
        assert status == 201, body
        return body


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    db = open_database(f"sqlite:///{tmp_path / 'registry.db'}")
    assert isinstance(db, SqliteDatabase)
    seed(db, NOW.date(), extra=40, days=0)
    yield Registry(db, seal.SigningKey.generate(), clock=lambda: NOW)
    db.close()


def adapter(registry: Registry) -> PrinterAdapter:
    return PrinterAdapter(issuer=None, registry=LocalRegistry(registry), kiosk_id="KIOSK-T1", clock=lambda: NOW)


def extract(registry: Registry, form: str, cid: str, lang: m.Lang = "th") -> Any:
    doc = Document("extract", form, (), sealed=True, form=form, citizen_id=cid, language=lang)
    return adapter(registry)._extract(doc, NOW)


def fields(doc: m.Document) -> dict[str, str]:
    return {f.label: f.value for f in fields_of(layout(doc))}


# -- 1. document numbers -----------------------------------------------------------------------------------------


def test_the_registry_numbers_extracts_in_one_scheme_with_the_buddhist_year_and_no_sequence(
    registry: Registry,
) -> None:
    numbers = [extract(registry, form, SOMCHAI).document_number for form in ("tr14_1", "tr12_2", "tr14_1")]
    assert all(is_document_number(n) for n in numbers), numbers
    assert [n[:10] for n in numbers] == ["TR14-2569-", "TR12-2569-", "TR14-2569-"]
    first, third = numbers[0][10:], numbers[2][10:]
    assert first != third and not (first.isdigit() and third.isdigit())  # no counter to read the next one from
    assert all(is_document_number(sample(kind).document_number) for kind in ("tr14", "tr12"))


def test_the_year_is_the_buddhist_year_in_bangkok() -> None:
    new_years_eve_utc = datetime(2026, 12, 31, 18, 0, tzinfo=UTC)  # already 1 January 2027 in Bangkok
    assert document_number("TR14_1", new_years_eve_utc).startswith("TR14-2570-")


@pytest.mark.parametrize("width", [384, 576])
@pytest.mark.parametrize("kind", SAMPLE_KINDS)
def test_a_document_number_is_never_broken_across_lines(kind: str, width: int) -> None:
    renderer = Renderer(width)
    doc = sample(kind)
    numbered = [f for f in fields_of(layout(doc)) if f.value == doc.document_number]
    assert len(numbered) == 2  # at the top and again above the seal
    for block in numbered:
        assert block.whole  # a Flow or a Field never breaks it: it moves under its label, or the render fails
        lines, _under = renderer.value_lines(block)
        assert lines == [doc.document_number]
    longest = dataclasses.replace(doc, document_number="TR14-2569-WWWWWWWW")
    renderer.render(longest)
    for block in (f for f in fields_of(layout(longest)) if f.value == longest.document_number):
        assert renderer.value_lines(block)[0] == [longest.document_number]


# -- 2. office names ---------------------------------------------------------------------------------------------


def test_extracts_print_the_offices_name_and_code_not_a_bare_code(registry: Registry) -> None:
    tr14 = extract(registry, "tr14_1", SOMCHAI)
    assert fields(tr14)["สำนักทะเบียน"] == "สำนักงานเขตพญาไท (รหัส\u00a01014)"
    assert fields(extract(registry, "tr14_1", SOMCHAI, "en"))["Registration office"].startswith(
        "Phaya Thai District Office"
    )
    tr12 = extract(registry, "tr12_2", SOMCHAI)
    assert tr12.registrar_office == "สำนักงานเขตพญาไท"
    assert tr12.events and all(e.place == "สำนักงานเขตพญาไท" for e in tr12.events)


# -- 3. ท.ร.12/2 ---------------------------------------------------------------------------------------------------


def surname_changer(registry: Registry) -> str:
    with registry.db.transaction() as tx:
        row = tx.one("SELECT cid FROM events WHERE kind = 'surname_change' ORDER BY cid LIMIT 1")
        assert tx.one("SELECT 1 FROM events WHERE kind = 'name_change'") is None  # one kind no longer means two
    assert row is not None, "the seeded population has someone whose surname changed"
    return str(row[0])


def test_a_surname_change_is_labelled_a_surname_change_and_labels_are_not_repeated(registry: Registry) -> None:
    history = extract(registry, "tr12_2", surname_changer(registry))
    change = next(e for e in history.events if e.event is m.HistoryEvent.SURNAME_CHANGE)
    assert change.detail.startswith("ชื่อสกุลเดิม ")
    values = [f.value for f in fields_of(layout(history)) if re.match(r"\d", f.label)]
    assert any(v.startswith("เปลี่ยนชื่อสกุล ชื่อสกุลเดิม ") for v in values)
    assert not any("เปลี่ยนชื่อตัว" in v or "changed" in v for v in values)
    names = {label for key, label in ((k, v[0]) for k, v in ENUM_LABELS.items()) if isinstance(key, m.HistoryEvent)}
    for value in values:  # what happened is said once, first
        said = [n for n in names if value.startswith(n + " ") or value == n]
        assert len(said) == 1 and value.count(said[0]) == 1, value


def test_a_detail_repeating_the_events_name_is_printed_once() -> None:
    doc = sample("tr12")
    entry = m.HistoryEntry(date(2001, 6, 1), m.HistoryEvent.BIRTH, "สำนักงานเขตพญาไท", "แจ้งเกิด / birth registered")
    values = [f.value for f in fields_of(layout(dataclasses.replace(doc, events=(entry,))))]
    assert "แจ้งเกิด birth registered สำนักงานเขตพญาไท" in values


def test_a_thai_history_carries_no_english_issuer(registry: Registry) -> None:
    history = extract(registry, "tr12_2", SOMCHAI)
    printed = [getattr(b, "value", getattr(b, "text", "")) for b in layout(history)]
    assert not any("DOPA" in p or "reference registry" in p for p in printed)


# -- 4. the booking ticket ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "office", "service"),
    [("th", "สำนักงานเขตพญาไท", "ทำบัตรประจำตัวประชาชน"), ("en", "Phaya Thai District Office", "ID card")],
)
def test_the_ticket_names_service_and_office_in_the_citizens_language_with_the_slot_length(
    lang: m.Lang, office: str, service: str
) -> None:
    ticket = Ticket("B1A2B3C4D5", "1014", "id_card", date(2026, 11, 25), "09:00", "BK:B1A2B3C4D5")
    offices = Office("1014", "สำนักงานเขตพญาไท", "Phaya Thai District Office", ("general", "id_card"))
    printer = PrinterAdapter(issuer=None, registry=None, kiosk_id="KIOSK-T1", clock=lambda: NOW)
    printed = printer._model(ticket_document(ticket, offices, lang))
    assert isinstance(printed, m.BookingTicket) and printed.slot_minutes == DEFAULT_POLICY.slot_minutes == 60
    values = fields(printed)
    assert office in values.values() and service in values.values()
    assert not any("id_card" in v for v in values.values())
    assert any(f"(60\u00a0{'นาที' if lang == 'th' else 'min'})" in v for v in values.values())


def test_a_ticket_refuses_a_service_it_cannot_name() -> None:
    with pytest.raises(ValueError, match="service"):
        dataclasses.replace(sample("ticket"), service="passport")


# -- 5. the enrolment receipt ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_receipts_caption_says_its_qr_activates_thaid_not_that_it_is_a_seal(lang: m.Lang) -> None:
    receipt = sample("receipt", lang)
    captions = " ".join(b.text for b in layout(receipt) if isinstance(b, Text))
    assert "ลายมือชื่ออิเล็กทรอนิกส์" not in captions and "seal" not in captions
    assert "ThaiD" in captions and ("เปิดใช้งาน" if lang == "th" else "activate") in captions
    assert receipt.seal.startswith("THAID:ACT:")


# -- 6. sample seals and `kiosk verify` --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["tr14", "tr12"])
def test_sample_extracts_carry_a_real_seal_from_the_sample_key(kind: str) -> None:
    doc = sample(kind)
    check = seal.verify(doc.seal, sample_trust_list(), ISSUED_AT + timedelta(days=1))
    assert check.ok and check.document is not None
    assert check.document.issuer == SAMPLE_ISSUER and "SAMPLE" in SAMPLE_ISSUER
    assert check.document.doc_no == doc.document_number
    assert seal.verify(doc.seal, seal.TrustList(), ISSUED_AT).status == "unknown_key"  # no registry trusts it


def test_verify_calls_foreign_text_not_a_kiosk_seal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    assert main(["verify", "HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEPWK G2EP4J0B3KL6QM5/OVGA/MAT%ZSF"]) == 3
    out = capsys.readouterr()
    assert "not a kiosk seal" in out.out and "No such file" not in out.out + out.err
