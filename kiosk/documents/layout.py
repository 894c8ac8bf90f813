"""What each document type prints, in which order, in Thai or English: documents in, blocks out (no pixels)."""

from __future__ import annotations

import datetime as dt
from functools import singledispatch

from kiosk.documents.blocks import Banner, Block, Field, Flow, Gap, Rule, Seal, Text
from kiosk.documents.model import (
    ADDRESS_PARTS,
    SERVICES,
    Address,
    BookingTicket,
    CivilRegistrationHistory,
    Document,
    EnrolmentMethod,
    EnrolmentReceipt,
    HistoryEntry,
    HistoryEvent,
    HouseRegisterEntry,
    HouseStatus,
    Lang,
    Sex,
)
from kiosk.text.dates import thai_date, thai_datetime
from kiosk.text.numbers import format_citizen_id, format_house_code

# label key -> (Thai, English)
LABELS: dict[str, tuple[str, str]] = {
    "tr14_title": ("รายการบุคคลในทะเบียนบ้าน", "Person Entry in a House Register"),
    "tr14_form": ("(ท.ร.14/1) สำเนารับรอง", "(Tor.Ror. 14/1) certified extract"),
    "tr12_title": ("ข้อมูลทะเบียนประวัติราษฎร", "Civil Registration History"),
    "tr12_form": ("(ท.ร.12/2) สำเนารับรอง", "(Tor.Ror. 12/2) certified extract"),
    "ticket_title": ("บัตรนัดหมายรับบริการ", "Service Appointment"),
    "receipt_title": ("ใบรับการลงทะเบียน ThaiD", "ThaiD Enrolment Receipt"),
    "reprint": ("พิมพ์ซ้ำ", "REPRINT"),
    "document_number": ("เลขที่เอกสาร", "Document no."),
    "house_part": ("รายการเกี่ยวกับบ้าน", "The house"),
    "person_part": ("รายการบุคคล", "The person"),
    "registrar_office": ("สำนักทะเบียน", "Registration office"),
    "house_code": ("เลขรหัสประจำบ้าน", "House code"),
    "house_number": ("บ้านเลขที่", "House number"),
    "moo": ("หมู่ที่", "Moo (village no.)"),
    "soi": ("ตรอก/ซอย", "Trok/Soi (lane)"),
    "road": ("ถนน", "Road"),
    "subdistrict": ("ตำบล/แขวง", "Tambon/Khwaeng"),
    "district": ("อำเภอ/เขต", "Amphoe/Khet"),
    "province": ("จังหวัด", "Province"),
    "village_name": ("ชื่อหมู่บ้าน", "Village name"),
    "house_type": ("ประเภทบ้าน", "House type"),
    "house_character": ("ลักษณะบ้าน", "House style"),
    "house_number_assigned_on": ("วันเดือนปีที่กำหนดบ้านเลขที่", "House number assigned on"),
    "printed_on": ("วันที่พิมพ์", "Printed on"),
    "address": ("ที่อยู่", "Address"),
    "sequence": ("ลำดับที่", "No. in register"),
    "citizen_id": ("เลขประจำตัวประชาชน", "Citizen ID"),
    "name": ("ชื่อ-ชื่อสกุล", "Name"),
    "name_other": ("Name", "ชื่อภาษาไทย"),
    "sex": ("เพศ", "Sex"),
    "date_of_birth": ("เกิดวันที่", "Date of birth"),
    "nationality": ("สัญชาติ", "Nationality"),
    "house_status": ("สถานภาพ", "Status in house"),
    "mother": ("มารดา", "Mother"),
    "father": ("บิดา", "Father"),
    "parent_nationality": ("สัญชาติ", "Nationality"),
    "moved_from": ("ย้ายมาจาก", "Moved from"),
    "moved_in_on": ("วันเดือนปีที่ย้ายเข้า", "Moved in on"),
    "remarks": ("รายการเปลี่ยนแปลง/หมายเหตุ", "Changes/remarks"),
    "history": ("รายการทะเบียนประวัติ", "Registration events"),
    "no_events": ("ไม่มีรายการ", "No events"),
    "office": ("สถานที่", "Office"),
    "service": ("บริการ", "Service"),
    "slot": ("วันเวลานัด", "Appointment"),
    "booking_code": ("รหัสการจอง", "Booking code"),
    "ticket_note": (
        "กรุณามาถึงก่อนเวลานัด 15 นาที พร้อมบัตรประจำตัวประชาชน",
        "Please arrive 15 minutes early and bring your ID card.",
    ),
    "method": ("วิธีลงทะเบียน", "Method"),
    "reference": ("เลขอ้างอิง", "Reference"),
    "activate_by": ("เปิดใช้งานภายใน", "Activate by"),
    "receipt_note": (
        "เปิดแอป ThaiD แล้วยืนยันตัวตนให้เสร็จภายในเวลาที่กำหนด เจ้าหน้าที่จะไม่ขอรหัสผ่านของท่าน",
        "Open the ThaiD app and finish activation in time. Officers never ask for your passcode.",
    ),
    "certify": (
        "ขอรับรองว่าเป็นรายการที่ถูกต้องตามหลักฐานทะเบียนราษฎร",
        "Certified to match the civil registration records.",
    ),
    "issued_by": ("ออกโดยตู้บริการ", "Issued by kiosk"),
    "issued_at": ("วันเวลาที่ออก", "Issued at"),
    "verify": ("สแกนเพื่อตรวจสอบตราอิเล็กทรอนิกส์", "Scan to verify the electronic seal."),
    "scan_ticket": ("แสดงคิวอาร์โค้ดนี้ที่จุดบริการ", "Show this QR code at the counter."),
    "scan_activate": (
        "สแกนคิวอาร์โค้ดนี้ด้วยแอป ThaiD เพื่อเปิดใช้งาน (ใช้ได้ครั้งเดียว)",
        "Scan this QR code with the ThaiD app to activate (one use only).",
    ),
    "office_code": ("รหัส", "code"),
    "minutes": ("นาที", "min"),
}

ENUM_LABELS: dict[object, tuple[str, str]] = {
    Sex.MALE: ("ชาย", "Male"),
    Sex.FEMALE: ("หญิง", "Female"),
    HouseStatus.HOUSE_OWNER: ("เจ้าบ้าน", "House owner"),
    HouseStatus.RESIDENT: ("ผู้อาศัย", "Resident"),
    HistoryEvent.BIRTH: ("แจ้งเกิด", "Birth registered"),
    HistoryEvent.MOVE_IN: ("ย้ายเข้า", "Moved in"),
    HistoryEvent.MOVE_OUT: ("ย้ายออก", "Moved out"),
    HistoryEvent.FIRST_NAME_CHANGE: ("เปลี่ยนชื่อตัว", "First name changed"),
    HistoryEvent.SURNAME_CHANGE: ("เปลี่ยนชื่อสกุล", "Surname changed"),
    HistoryEvent.MARRIAGE: ("จดทะเบียนสมรส", "Marriage registered"),
    HistoryEvent.DIVORCE: ("จดทะเบียนหย่า", "Divorce registered"),
    HistoryEvent.ID_CARD_ISSUED: ("ออกบัตรประจำตัวประชาชน", "ID card issued"),
    HistoryEvent.DEATH_OF_SPOUSE: ("คู่สมรสเสียชีวิต", "Death of spouse"),
    EnrolmentMethod.SELF_SERVICE: ("ด้วยตนเองที่ตู้บริการ", "Self-service at a kiosk"),
    EnrolmentMethod.OFFICER_ASSISTED: ("โดยเจ้าหน้าที่", "Assisted by an officer"),
}


def label(key: str, lang: Lang) -> str:
    th, en = LABELS[key]
    return th if lang == "th" else en


def enum_label(value: object, lang: Lang) -> str:
    th, en = ENUM_LABELS[value]
    return th if lang == "th" else en


NBSP = "\u00a0"
DASH = "\u2013"  # what a field the register holds no value for prints (its label is always printed)


def _moment(moment: dt.datetime, lang: Lang, *, short: bool = False) -> str:
    """Date and time, with the time never split from its 'น.'."""
    return thai_datetime(moment, lang, short=short).replace(" น.", f"{NBSP}น.")


def _date(d: dt.date | None, lang: Lang) -> str:
    return thai_date(d, lang) if d is not None else DASH


def _header(doc: Document, title_key: str, form_key: str | None) -> list[Block]:
    lang = doc.language
    blocks: list[Block] = [Text(label(title_key, lang), size="title", bold=True, align="center")]
    if form_key:
        blocks.append(Text(label(form_key, lang), align="center"))
    if doc.reprint:
        blocks += [Gap(0.3), Banner(label("reprint", lang))]
    if doc.take_card:
        blocks += [Gap(0.3), *(Text(line, bold=True, align="center") for line in TAKE_CARD)]
    blocks += [Gap(0.3), Flow((_number(doc),)), Rule()]
    return blocks


# Every paper printed while a card is in the slot ends with this, in both languages whatever the paper's language.
TAKE_CARD = ("อย่าลืมรับบัตรประชาชนคืนจากตู้", "Remember to take your ID card from the kiosk")


def _footer(doc: Document, note_key: str, scan_key: str, *, when: bool = True) -> list[Block]:
    """Who issued it and when (`when`: unless the form printed it already), the document number again, then the
    seal: the seal is always last."""
    lang = doc.language
    issued_at = Field(label("issued_at", lang), _moment(doc.issued_at, lang, short=True), whole=True)
    blocks: list[Block] = [
        Rule(),
        Text(label(note_key, lang), size="small"),
        Flow((Field(label("issued_by", lang), doc.kiosk_id), *((issued_at,) if when else ()), _number(doc))),
    ]
    if doc.reprint:
        blocks += [Gap(0.3), Banner(label("reprint", lang))]
    return [*blocks, Gap(0.3), Text(label(scan_key, lang), size="small", align="center"), Seal(doc.seal)]


def _number(doc: Document) -> Field:
    """The document number: bold and never broken across lines."""
    return Field(label("document_number", doc.language), doc.document_number, bold=True, whole=True)


def _office(name: str, code: str, lang: Lang) -> str:
    return f"{name} ({label('office_code', lang)}{NBSP}{code})" if code and name else name or code


def _event_value(entry: HistoryEntry, lang: Lang) -> str:
    """What happened, its detail and where: a detail that only repeats the event's name is left out."""
    what = enum_label(entry.event, lang)
    detail = entry.detail.strip()
    if detail and (detail == what or detail.startswith(what + " ") or detail.startswith(what + "/")):
        detail = detail[len(what) :].strip(" /")
    return " ".join(p for p in (what, detail, entry.place) if p)


def _names(name_th: str, name_en: str | None, lang: Lang) -> list[Field]:
    first, other = (name_th, name_en) if lang == "th" else (name_en or name_th, name_th if name_en else None)
    fields = [Field(label("name", lang), first, bold=True)]
    if other:
        fields.append(Field(label("name_other", lang), other))
    return fields


@singledispatch
def layout(doc: Document) -> list[Block]:
    """The blocks of `doc`, top to bottom; the last block is always its Seal."""
    raise TypeError(f"no layout for {type(doc).__name__}")


def _address_part(address: Address, name: str) -> str:
    """A part of the address without its opening word: the label says หมู่ที่, ถนน, ตำบล/แขวง ..."""
    value: str = getattr(address, name)
    starts = dict(ADDRESS_PARTS)[name]
    for start in sorted(starts, key=len, reverse=True):
        if value.startswith(start):
            return value[len(start) :].strip()
    return value


def _f(key: str, value: str, lang: Lang, *, bold: bool = False, whole: bool = False) -> Field:
    return Field(label(key, lang), value, bold=bold, whole=whole)


def house_part(doc: HouseRegisterEntry) -> list[Block]:
    """รายการเกี่ยวกับบ้าน, every field of docs/forms.md in its order."""
    lang, a = doc.language, doc.address
    return [
        Text(label("house_part", lang), bold=True),
        Flow(
            (
                _f("house_code", format_house_code(doc.house_code), lang, bold=True, whole=True),
                _f("house_number", doc.house_number, lang, bold=True),
                *(_f(part, _address_part(a, part), lang) for part, _ in ADDRESS_PARTS),
                _f("village_name", doc.village_name, lang),
                _f("house_type", doc.house_type, lang),
                _f("house_character", doc.house_character, lang),
                _f("house_number_assigned_on", _date(doc.house_number_assigned_on, lang), lang, whole=True),
                _f("registrar_office", _office(doc.registrar_office, doc.registrar_office_code, lang), lang),
                _f("printed_on", _moment(doc.issued_at, lang, short=True), lang, whole=True),
            )
        ),
    ]


def person_part(doc: HouseRegisterEntry) -> list[Block]:
    """รายการบุคคล, every field of docs/forms.md in its order."""
    lang = doc.language
    sequence = str(doc.sequence) if doc.sequence is not None else ""
    return [
        Text(label("person_part", lang), bold=True),
        Flow(
            (
                _f("sequence", sequence, lang),
                *_names(doc.name_th.full(), doc.name_en.full() if doc.name_en else None, lang),
                _f("sex", enum_label(doc.sex, lang), lang),
                _f("citizen_id", format_citizen_id(doc.citizen_id), lang, whole=True),
                _f("nationality", doc.nationality, lang),
                _f("date_of_birth", thai_date(doc.date_of_birth, lang), lang, whole=True),
                _f("house_status", enum_label(doc.house_status, lang), lang),
            )
        ),
        _parent("mother", doc.mother_name, doc.mother_nationality, lang),
        _parent("father", doc.father_name, doc.father_nationality, lang),
        Flow(
            (
                _f("moved_from", doc.moved_from, lang),
                _f("moved_in_on", _date(doc.moved_in_on, lang), lang, whole=True),
                _f("remarks", doc.remarks, lang),
            )
        ),
    ]


def _parent(key: str, name: str, nationality: str, lang: Lang) -> Flow:
    """A parent's name, then their nationality (unknown when the name is), on lines of their own: a nationality
    never follows the other parent's name."""
    return Flow((_f(key, name, lang), _f("parent_nationality", nationality if name.strip() else "", lang)))


@layout.register
def _(doc: HouseRegisterEntry) -> list[Block]:
    return [
        *_header(doc, "tr14_title", "tr14_form"),
        *house_part(doc),
        Rule(),
        *person_part(doc),
        *_footer(doc, "certify", "verify", when=False),
    ]


@layout.register
def _(doc: CivilRegistrationHistory) -> list[Block]:
    lang = doc.language
    events: list[Block] = [Text(label("history", lang), bold=True)]
    for entry in doc.events:  # each on lines of its own: its date, then what, the detail and where
        events.append(Flow((Field(thai_date(entry.date, lang, short=True), _event_value(entry, lang)),)))
    if not doc.events:
        events.append(Text(label("no_events", lang)))
    sex = enum_label(doc.sex, lang) if doc.sex is not None else ""
    return [
        *_header(doc, "tr12_title", "tr12_form"),
        Flow((_f("registrar_office", doc.registrar_office, lang),)),
        Text(label("person_part", lang), bold=True),
        Flow(
            (
                _f("citizen_id", format_citizen_id(doc.citizen_id), lang, whole=True),
                *_names(doc.name_th.full(), doc.name_en.full() if doc.name_en else None, lang),
                _f("sex", sex, lang),
                _f("nationality", doc.nationality, lang),
                _f("date_of_birth", thai_date(doc.date_of_birth, lang), lang, whole=True),
            )
        ),
        _parent("mother", doc.mother_name, doc.mother_nationality, lang),
        _parent("father", doc.father_name, doc.father_nationality, lang),
        Flow((_f("address", doc.address, lang),)),
        Rule(),
        *events,
        Flow((_f("printed_on", _moment(doc.issued_at, lang, short=True), lang, whole=True),)),
        *_footer(doc, "certify", "verify", when=False),
    ]


@layout.register
def _(doc: BookingTicket) -> list[Block]:
    lang = doc.language
    slot = f"{_moment(doc.slot_start, lang)} ({doc.slot_minutes}{NBSP}{label('minutes', lang)})"
    th, en = SERVICES[doc.service]
    blocks: list[Block] = [
        *_header(doc, "ticket_title", None),
        Text(f"{label('booking_code', lang)} {doc.booking_code}", size="title", bold=True, align="center"),
        Field(label("office", lang), doc.office, bold=True),
        Field(label("service", lang), th if lang == "th" else en),
        Field(label("slot", lang), slot, bold=True),
    ]
    if doc.citizen_id_masked:
        blocks.append(Field(label("citizen_id", lang), doc.citizen_id_masked))
    return [*blocks, *_footer(doc, "ticket_note", "scan_ticket")]


@layout.register
def _(doc: EnrolmentReceipt) -> list[Block]:
    lang = doc.language
    return [
        *_header(doc, "receipt_title", None),
        Field(label("citizen_id", lang), doc.citizen_id_masked, bold=True),
        Field(label("method", lang), enum_label(doc.method, lang)),
        Field(label("reference", lang), doc.reference),
        Field(label("activate_by", lang), _moment(doc.activation_expires_at, lang), bold=True),
        *_footer(doc, "receipt_note", "scan_activate"),
    ]
