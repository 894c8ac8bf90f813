"""Sample documents of every type (fictitious people) for the CLI, the simulator, golden tests and benchmarks."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from kiosk.documents.model import (
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
from kiosk.text.dates import PartialDate

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
ICT = dt.timezone(dt.timedelta(hours=7))
ISSUED_AT = dt.datetime(2026, 11, 22, 14, 5, tzinfo=ICT)
KIOSK_ID = "KIOSK-NAN-0007"
SAMPLE_CITIZEN_ID = "1101700203450"  # valid check digit, fictitious
SAMPLE_KINDS = ("tr14", "tr12", "ticket", "receipt")


def base45(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        value = data[i] * 256 + data[i + 1]
        out += [BASE45[value % 45], BASE45[(value // 45) % 45], BASE45[value // 2025]]
    if len(data) % 2:
        value = data[-1]
        out += [BASE45[value % 45], BASE45[value // 45]]
    return "".join(out)


def sample_seal(kind: str, n_bytes: int = 260) -> str:
    """A seal-sized stand-in (not signed): 'HC1:' + Base45 of deterministic bytes, sized like a compressed COSE seal."""
    data = b""
    counter = 0
    while len(data) < n_bytes:
        data += hashlib.sha256(f"{kind}:{counter}".encode()).digest()
        counter += 1
    return "HC1:" + base45(data[:n_bytes])


def _name_th() -> PersonName:
    return PersonName("นางสาว", "ฤดี", "พุ่มพวง")


def _name_en() -> PersonName:
    return PersonName("Miss", "Ruedee", "Phumphuang")


def house_register_entry(lang: Lang = "th", *, reprint: bool = False) -> HouseRegisterEntry:
    return HouseRegisterEntry(
        document_number="TR14-2569-000123",
        kiosk_id=KIOSK_ID,
        issued_at=ISSUED_AT,
        language=lang,
        reprint=reprint,
        seal=sample_seal("tr14"),
        registrar_office="ท้องถิ่นเทศบาลเมืองน่าน" if lang == "th" else "Nan Town Municipality",
        house_number="99/1",
        address="หมู่ที่ 4 ถนนสุมนเทวราช ตำบลในเวียง อำเภอเมืองน่าน จังหวัดน่าน",
        house_code="55990123456",
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
        moved_in_on=dt.date(2001, 6, 1),
    )


def civil_registration_history(lang: Lang = "th", *, reprint: bool = False) -> CivilRegistrationHistory:
    place = "อำเภอเมืองน่าน จังหวัดน่าน"
    return CivilRegistrationHistory(
        document_number="TR12-2569-000045",
        kiosk_id=KIOSK_ID,
        issued_at=ISSUED_AT,
        language=lang,
        reprint=reprint,
        seal=sample_seal("tr12"),
        registrar_office="สำนักทะเบียนอำเภอเมืองน่าน" if lang == "th" else "Mueang Nan District Registration Office",
        citizen_id=SAMPLE_CITIZEN_ID,
        name_th=_name_th(),
        name_en=_name_en(),
        date_of_birth=PartialDate(1968),
        events=(
            HistoryEntry(dt.date(1968, 3, 20), HistoryEvent.BIRTH, "ผู้ใหญ่บ้านหมู่ที่ 4 ตำบลดู่ใต้ " + place),
            HistoryEntry(dt.date(1984, 5, 2), HistoryEvent.ID_CARD_ISSUED, place),
            HistoryEntry(dt.date(1995, 1, 9), HistoryEvent.MOVE_OUT, "ตำบลดู่ใต้ " + place),
            HistoryEntry(dt.date(2001, 6, 1), HistoryEvent.MOVE_IN, "ตำบลในเวียง " + place),
            HistoryEntry(dt.date(2012, 8, 15), HistoryEvent.NAME_CHANGE, place, detail="ชื่อเดิม นางสาวบุญศรี พุ่มพวง"),
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
        service="ทำบัตรประจำตัวประชาชน" if lang == "th" else "ID card renewal",
        slot_start=dt.datetime(2026, 11, 25, 9, 30, tzinfo=ICT),
        slot_minutes=15,
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
        seal=sample_seal("receipt", 120),
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
