"""Sample documents of every type (fictitious people) for the CLI, the simulator, golden tests and benchmarks."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.documents.model import (
    Address,
    AnyDocument,
    BookingTicket,
    CivilRegistrationHistory,
    EnrolmentMethod,
    EnrolmentReceipt,
    HistoryEntry,
    HistoryEvent,
    HouseRegisterEntry,
    HouseStatus,
    Lang,
    PersonName,
    Sex,
)
from kiosk.documents.numbers import document_number
from kiosk.seal import SealDocument, SigningKey, TrustList, seal
from kiosk.text.dates import PartialDate

ICT = dt.timezone(dt.timedelta(hours=7))
ISSUED_AT = dt.datetime(2026, 11, 22, 14, 5, tzinfo=ICT)
KIOSK_ID = "KIOSK-NAN-0007"
SAMPLE_CITIZEN_ID = "1101700203450"  # valid check digit, fictitious
SAMPLE_KINDS = ("tr14", "tr12", "ticket", "receipt")
SAMPLE_ISSUER = "ตัวอย่าง ไม่ใช่เอกสารจริง (SAMPLE KEY, not a registry)"
SAMPLE_SEAL_VALIDITY = dt.timedelta(days=90)


def sample_key() -> SigningKey:
    """The samples' Ed25519 key, derived from a published seed: anyone can sign with it, so no trust list of a
    registry holds it; its seals verify only against `sample_trust_list()` and name SAMPLE_ISSUER as the issuer."""
    seed = hashlib.sha256(b"kiosk/documents/samples: sample seal key, not for real documents").digest()
    return SigningKey(ed25519.Ed25519PrivateKey.from_private_bytes(seed))


def sample_trust_list() -> TrustList:
    """The trust list that holds only the sample key: for checking sample papers, never for real ones."""
    not_before = ISSUED_AT - dt.timedelta(days=1)
    return TrustList((sample_key().trusted(SAMPLE_ISSUER, not_before, not_before + dt.timedelta(days=3650)),))


def sample_seal(doc_type: str, number: str, fields: dict[str, str]) -> str:
    """A real seal (signed by the sample key; Ed25519 signatures are deterministic, so are the samples)."""
    doc = SealDocument(
        doc_type, number, SAMPLE_CITIZEN_ID, SAMPLE_ISSUER, ISSUED_AT, ISSUED_AT + SAMPLE_SEAL_VALIDITY, fields
    )
    return seal.issue(doc, sample_key())


def sample_number(doc_type: str) -> str:
    """A number in the registry's scheme, its serial drawn from a fixed seed."""
    rng = random.Random(f"sample/{doc_type}")
    return document_number(doc_type, ISSUED_AT, rng.choice)


def _name_th() -> PersonName:
    return PersonName("นางสาว", "ฤดี", "พุ่มพวง")


def _name_en() -> PersonName:
    return PersonName("Miss", "Ruedee", "Phumphuang")


def house_register_entry(lang: Lang = "th", *, reprint: bool = False) -> HouseRegisterEntry:
    number = sample_number("TR14_1")
    return HouseRegisterEntry(
        document_number=number,
        kiosk_id=KIOSK_ID,
        issued_at=ISSUED_AT,
        language=lang,
        reprint=reprint,
        seal=sample_seal("TR14_1", number, {"name": "นางสาวฤดี พุ่มพวง", "dob": "1968-03-14", "house_id": "55990123456"}),
        house_code="55990123456",
        house_number="99/1",
        address=Address.parse("หมู่ที่ 4 ถนนสุมนเทวราช ตำบลในเวียง อำเภอเมืองน่าน จังหวัดน่าน"),  # no ตรอก/ซอย
        village_name="บ้านสวนตาล",
        house_type="บ้าน" if lang == "th" else "House",
        house_character="บ้านเดี่ยว" if lang == "th" else "Detached house",
        house_number_assigned_on=dt.date(1987, 4, 10),
        registrar_office="ท้องถิ่นเทศบาลเมืองน่าน" if lang == "th" else "Nan Town Municipality",
        registrar_office_code="5598",
        sequence=2,
        citizen_id=SAMPLE_CITIZEN_ID,
        name_th=_name_th(),
        name_en=_name_en(),
        sex=Sex.FEMALE,
        date_of_birth=PartialDate(1968, 3, 14),
        nationality="ไทย" if lang == "th" else "Thai",
        house_status=HouseStatus.RESIDENT,
        mother_name="นางบุญเรือน พุ่มพวง",
        mother_nationality="ไทย" if lang == "th" else "Thai",
        father_name="นายผู้ใหญ่บ้าน พุ่มพวง",
        father_nationality="ไทย" if lang == "th" else "Thai",
        moved_from="12 หมู่ที่ 2 ตำบลดู่ใต้ อำเภอเมืองน่าน จังหวัดน่าน",
        moved_in_on=dt.date(2001, 6, 1),
        remarks="",  # no change recorded: prints a dash
    )


def civil_registration_history(lang: Lang = "th", *, reprint: bool = False) -> CivilRegistrationHistory:
    place = "อำเภอเมืองน่าน จังหวัดน่าน"
    number = sample_number("TR12_2")
    fields = {"name": "นางสาวฤดี พุ่มพวง", "dob": "1968-00-00", "events": "5", "last_event": "2012-08-15"}
    return CivilRegistrationHistory(
        document_number=number,
        kiosk_id=KIOSK_ID,
        issued_at=ISSUED_AT,
        language=lang,
        reprint=reprint,
        seal=sample_seal("TR12_2", number, fields),
        registrar_office="สำนักทะเบียนอำเภอเมืองน่าน" if lang == "th" else "Mueang Nan District Registration Office",
        citizen_id=SAMPLE_CITIZEN_ID,
        name_th=_name_th(),
        name_en=_name_en(),
        sex=Sex.FEMALE,
        date_of_birth=PartialDate(1968),
        nationality="ไทย" if lang == "th" else "Thai",
        mother_name="นางบุญเรือน พุ่มพวง",
        mother_nationality="ไทย" if lang == "th" else "Thai",
        father_name="",  # not in the register: prints a dash
        address="99/1 หมู่ที่ 4 ถนนสุมนเทวราช ตำบลในเวียง อำเภอเมืองน่าน จังหวัดน่าน",
        events=(
            HistoryEntry(dt.date(1968, 3, 20), HistoryEvent.BIRTH, "ผู้ใหญ่บ้านหมู่ที่ 4 ตำบลดู่ใต้ " + place),
            HistoryEntry(dt.date(1984, 5, 2), HistoryEvent.ID_CARD_ISSUED, place),
            HistoryEntry(dt.date(1995, 1, 9), HistoryEvent.MOVE_OUT, "ตำบลดู่ใต้ " + place),
            HistoryEntry(dt.date(2001, 6, 1), HistoryEvent.MOVE_IN, "ตำบลในเวียง " + place),
            HistoryEntry(dt.date(2012, 8, 15), HistoryEvent.FIRST_NAME_CHANGE, place, detail="ชื่อตัวเดิม บุญศรี"),
        ),
    )


def booking_ticket(lang: Lang = "th", *, reprint: bool = False) -> BookingTicket:
    return BookingTicket(
        document_number="BK-2569-004512",
        kiosk_id=KIOSK_ID,
        issued_at=ISSUED_AT,
        language=lang,
        reprint=reprint,
        seal="BK:4512:K7Q2",
        office="ที่ว่าการอำเภอเมืองน่าน" if lang == "th" else "Mueang Nan District Office",
        service="id_card",
        slot_start=dt.datetime(2026, 11, 25, 9, 0, tzinfo=ICT),
        slot_minutes=60,
        booking_code="K7Q2",
        citizen_id_masked="x-xxxx-xxxx3-45-0",
    )


def enrolment_receipt(lang: Lang = "th", *, reprint: bool = False) -> EnrolmentReceipt:
    return EnrolmentReceipt(
        document_number="EN-2569-017733",
        kiosk_id=KIOSK_ID,
        issued_at=ISSUED_AT,
        language=lang,
        reprint=reprint,
        seal="THAID:ACT:7Q4M-2KXP",  # as the kiosk prints it: the one-use activation QR for the ThaiD app
        citizen_id_masked="x-xxxx-xxxx3-45-0",
        method=EnrolmentMethod.SELF_SERVICE,
        reference="TD-7F3K-9QX2",
        activation_expires_at=dt.datetime(2026, 11, 23, 14, 5, tzinfo=ICT),
    )


def sample(kind: str, lang: Lang = "th", *, reprint: bool = False) -> AnyDocument:
    """One of SAMPLE_KINDS: 'tr14', 'tr12', 'ticket', 'receipt'."""
    makers: dict[str, Callable[..., AnyDocument]] = {
        "tr14": house_register_entry,
        "tr12": civil_registration_history,
        "ticket": booking_ticket,
        "receipt": enrolment_receipt,
    }
    if kind not in makers:
        raise ValueError(f"unknown sample {kind!r}; choose from {', '.join(SAMPLE_KINDS)}")
    return makers[kind](lang, reprint=reprint)
