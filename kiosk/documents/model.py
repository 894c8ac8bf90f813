"""The printed documents as plain values: what each paper says, independent of paper width, fonts and printers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from typing import Literal, Self

from kiosk.text.dates import PartialDate
from kiosk.text.numbers import check_digit_ok, is_masked_citizen_id

Lang = Literal["th", "en"]


class Sex(enum.Enum):
    MALE = "male"
    FEMALE = "female"


class HouseStatus(enum.Enum):
    """A person's status in the house register (สถานภาพในบ้าน)."""

    HOUSE_OWNER = "house_owner"  # เจ้าบ้าน
    RESIDENT = "resident"  # ผู้อาศัย


class HistoryEvent(enum.Enum):
    """Civil-registration events a ท.ร.12/2 history lists."""

    BIRTH = "birth"
    MOVE_IN = "move_in"
    MOVE_OUT = "move_out"
    FIRST_NAME_CHANGE = "first_name_change"  # ชื่อตัว
    SURNAME_CHANGE = "surname_change"  # ชื่อสกุล
    MARRIAGE = "marriage"
    DIVORCE = "divorce"
    ID_CARD_ISSUED = "id_card_issued"
    DEATH_OF_SPOUSE = "death_of_spouse"


SERVICES: dict[str, tuple[str, str]] = {
    "general": ("งานทะเบียนราษฎรทั่วไป", "General civil registration"),
    "id_card": ("ทำบัตรประจำตัวประชาชน", "ID card"),
}
"""The services a district office books slots for (the registry's slot keys), named in Thai and English."""


class EnrolmentMethod(enum.Enum):
    SELF_SERVICE = "self_service"
    OFFICER_ASSISTED = "officer_assisted"


@dataclass(frozen=True, kw_only=True)
class Document:
    """What every printed document carries.

    `seal` is opaque: the text for the QR code (a Base45 COSE_Sign1 seal for extracts, a booking reference for a
    ticket) produced elsewhere; the renderer puts it in the QR as given. `reprint` marks a copy printed after a failed
    or voided one: same `document_number`, printed "พิมพ์ซ้ำ" / "REPRINT".
    """

    document_number: str
    kiosk_id: str
    issued_at: dt.datetime
    language: Lang = "th"
    reprint: bool = False
    take_card: bool = False  # printed while the ID card is in the kiosk: a reminder to take it, in Thai and English
    seal: str

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None:
            raise ValueError("issued_at must be an aware datetime")
        if self.language not in ("th", "en"):
            raise ValueError(f"unknown language {self.language!r}")
        if not self.document_number or not self.seal:
            raise ValueError("a document needs a document number and a seal")

    def as_reprint(self) -> Self:
        """The same document, marked as a reprint (the document number does not change)."""
        return dataclasses.replace(self, reprint=True)


def _require_full_citizen_id(citizen_id: str) -> None:
    if not check_digit_ok(citizen_id):
        raise ValueError("not a valid 13-digit citizen ID")


@dataclass(frozen=True)
class PersonName:
    """A name as the register keeps it: prefix (นาย, นาง, นางสาว, เด็กชาย ...), first, middle, last."""

    prefix: str
    first: str
    last: str
    middle: str = ""

    def full(self) -> str:
        given = " ".join(p for p in (self.first, self.middle, self.last) if p)
        # Thai writes the prefix joined to the name (นางสาวฤดี); English separates it (Miss Ruedee).
        joiner = "" if self.prefix and "\u0e00" <= self.prefix[-1] <= "\u0e7f" else " "
        return f"{self.prefix}{joiner}{given}" if self.prefix else given


# The parts of a Thai address in the order the house register writes them, each with the words that open it.
ADDRESS_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("moo", ("หมู่ที่", "หมู่", "ม.")),
    ("soi", ("ตรอก", "ซอย", "ซ.")),
    ("road", ("ถนน", "ถ.")),
    ("subdistrict", ("ตำบล", "แขวง", "ต.")),
    ("district", ("อำเภอ", "เขต", "อ.")),
    ("province", ("จังหวัด", "จ.")),
)
BANGKOK_PROVINCE = "กรุงเทพมหานคร"


@dataclass(frozen=True)
class Address:
    """A house's address as the house register splits it (ที่อยู่): each part with its opening word, "" if none."""

    moo: str = ""  # หมู่ที่ 4
    soi: str = ""  # ตรอก/ซอย
    road: str = ""  # ถนน
    subdistrict: str = ""  # ตำบล/แขวง
    district: str = ""  # อำเภอ/เขต
    province: str = ""  # จังหวัด (Bangkok: กรุงเทพมหานคร, no opening word)

    @classmethod
    def parse(cls, line: str, house_number: str = "") -> Address:
        """The parts of a one-line registered address ("99/1 หมู่ที่ 4 ถนน... ตำบล... อำเภอ... จังหวัด...").

        A leading house number is dropped (the form prints it on its own line); words that open no part stay with
        the part before them (a two-word road name); Bangkok's name is its province."""
        words = line.split()
        if house_number and words and words[0] == house_number:
            words = words[1:]
        parts: dict[str, list[str]] = {}
        current = ""
        for word in words:
            if word == BANGKOK_PROVINCE:
                parts.setdefault("province", []).append(word)
                current = "province"
                continue
            opened = next((name for name, starts in ADDRESS_PARTS if word.startswith(starts)), None)
            if opened is not None and opened not in parts:
                current = opened
            parts.setdefault(current or "road", []).append(word)
        return cls(**{name: " ".join(ws) for name, ws in parts.items() if name})

    def line(self) -> str:
        return " ".join(p for p in dataclasses.astuple(self) if p)


@dataclass(frozen=True, kw_only=True)
class HouseRegisterEntry(Document):
    """ท.ร.14/1: certified extract of one person's entry in a house register (รายการบุคคลในทะเบียนบ้าน).

    The house part first (the house as registered), then the person part; every field of docs/forms.md, in the
    form's order. What the register does not hold is left empty and prints as a dash."""

    # house part (รายการเกี่ยวกับบ้าน)
    house_code: str  # เลขรหัสประจำบ้าน, 11 digits
    house_number: str
    address: Address
    village_name: str = ""  # ชื่อหมู่บ้าน
    house_type: str = ""  # ประเภทบ้าน (บ้าน, ห้องชุด, ...)
    house_character: str = ""  # ลักษณะบ้าน (บ้านเดี่ยว, ตึกแถว, ...)
    house_number_assigned_on: dt.date | None = None  # วันเดือนปีที่กำหนดบ้านเลขที่
    registrar_office: str  # สำนักทะเบียน: the office's name in the document's language
    registrar_office_code: str = ""  # รหัสสำนักทะเบียน, printed beside the name
    # person part (รายการบุคคล)
    sequence: int | None = None  # ลำดับที่ in the house register
    citizen_id: str  # the full ID, as the paper extract shows it
    name_th: PersonName
    name_en: PersonName | None = None
    sex: Sex
    date_of_birth: PartialDate
    nationality: str
    house_status: HouseStatus
    mother_name: str
    mother_nationality: str = ""
    father_name: str
    father_nationality: str = ""
    moved_from: str = ""  # ย้ายมาจาก: the previous address, as registered
    moved_in_on: dt.date | None = None
    remarks: str = ""  # รายการเปลี่ยนแปลง / หมายเหตุ

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_full_citizen_id(self.citizen_id)
        if len(self.house_code) != 11 or not self.house_code.isdigit():
            raise ValueError("a house code has 11 digits")


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a civil-registration history."""

    date: dt.date
    event: HistoryEvent
    place: str  # the registrar office's name (or the address) where it was recorded, never a bare code
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class CivilRegistrationHistory(Document):
    """ท.ร.12/2: certified civil-registration history of one person (ข้อมูลทะเบียนประวัติราษฎร)."""

    registrar_office: str
    citizen_id: str
    name_th: PersonName
    name_en: PersonName | None = None
    sex: Sex | None = None
    date_of_birth: PartialDate
    nationality: str = ""
    mother_name: str = ""
    mother_nationality: str = ""
    father_name: str = ""
    father_nationality: str = ""
    address: str = ""  # the current address in the house register (บ้านเลขที่ and the address), as registered
    events: tuple[HistoryEntry, ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_full_citizen_id(self.citizen_id)


@dataclass(frozen=True, kw_only=True)
class BookingTicket(Document):
    """A booked service slot at a district office; `seal` is the booking QR the office scans."""

    office: str  # the office's name in the document's language
    service: str  # a key of SERVICES ("general", "id_card"): the paper prints its name
    slot_start: dt.datetime
    slot_minutes: int
    booking_code: str
    citizen_id_masked: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.slot_start.tzinfo is None:
            raise ValueError("slot_start must be an aware datetime")
        if self.service not in SERVICES:
            raise ValueError(f"unknown service {self.service!r}")
        if self.slot_minutes <= 0:
            raise ValueError("a slot lasts a positive number of minutes")
        if self.citizen_id_masked and not is_masked_citizen_id(self.citizen_id_masked):
            raise ValueError("a ticket carries only a masked citizen ID")


@dataclass(frozen=True, kw_only=True)
class EnrolmentReceipt(Document):
    """Proof that a ThaiD enrolment was taken, a masked ID only, no passcode; its QR (`seal`) is the one-use
    activation QR the citizen scans with the ThaiD app (useless once used or past `activation_expires_at`)."""

    citizen_id_masked: str
    method: EnrolmentMethod
    reference: str
    activation_expires_at: dt.datetime

    def __post_init__(self) -> None:
        super().__post_init__()
        if not is_masked_citizen_id(self.citizen_id_masked):
            raise ValueError("a receipt carries only a masked citizen ID")
        if self.activation_expires_at.tzinfo is None:
            raise ValueError("activation_expires_at must be an aware datetime")


AnyDocument = HouseRegisterEntry | CivilRegistrationHistory | BookingTicket | EnrolmentReceipt
