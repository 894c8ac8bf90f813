"""What each document type prints, in which order, in Thai or English: documents in, blocks out (no pixels)."""

from __future__ import annotations

import datetime as dt
from functools import singledispatch

from kiosk.documents.blocks import Banner, Block, Field, Gap, Rule, Seal, Text
from kiosk.documents.model import (
    SERVICES,
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
    "registrar_office": ("สำนักทะเบียน", "Registration office"),
    "house_number": ("บ้านเลขที่", "House number"),
    "address": ("ที่อยู่", "Address"),
    "house_code": ("รหัสประจำบ้าน", "House code"),
    "citizen_id": ("เลขประจำตัวประชาชน", "Citizen ID"),
    "name": ("ชื่อ-ชื่อสกุล", "Name"),
    "name_other": ("Name", "ชื่อภาษาไทย"),
    "sex": ("เพศ", "Sex"),
    "date_of_birth": ("เกิดวันที่", "Date of birth"),
    "nationality": ("สัญชาติ", "Nationality"),
    "house_status": ("สถานภาพในบ้าน", "Status in house"),
    "mother": ("มารดา", "Mother"),
    "father": ("บิดา", "Father"),
    "moved_in_on": ("วันที่ย้ายเข้า", "Moved in on"),
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
    "verify": (
        "สแกนคิวอาร์โค้ดเพื่อตรวจสอบลายมือชื่ออิเล็กทรอนิกส์ของเอกสาร",
        "Scan the QR code to verify the document's electronic seal.",
    ),
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


def _moment(moment: dt.datetime, lang: Lang) -> str:
    """Date and time, with the time never split from its 'น.'."""
    return thai_datetime(moment, lang).replace(" น.", f"{NBSP}น.")


def _date(d: dt.date | None, lang: Lang) -> str:
    return thai_date(d, lang) if d is not None else "-"


def _header(doc: Document, title_key: str, form_key: str | None) -> list[Block]:
    lang = doc.language
    blocks: list[Block] = [Text(label(title_key, lang), size="title", bold=True, align="center")]
    if form_key:
        blocks.append(Text(label(form_key, lang), align="center"))
    if doc.reprint:
        blocks += [Gap(0.3), Banner(label("reprint", lang))]
    if doc.take_card:
        blocks += [Gap(0.3), *(Text(line, bold=True, align="center") for line in TAKE_CARD)]
    blocks += [Gap(0.3), _number(doc), Rule()]
    return blocks


# Every paper printed while a card is in the slot ends with this, in both languages whatever the paper's language.
TAKE_CARD = ("อย่าลืมรับบัตรประชาชนคืนจากตู้", "Remember to take your ID card from the kiosk")


def _footer(doc: Document, note_key: str, scan_key: str) -> list[Block]:
    """Who issued it and when, the document number again, then the seal: the seal is always last."""
    lang = doc.language
    blocks: list[Block] = [
        Rule(),
        Text(label(note_key, lang), size="small"),
        Gap(0.3),
        Field(label("issued_by", lang), doc.kiosk_id),
        Field(label("issued_at", lang), _moment(doc.issued_at, lang)),
        _number(doc),
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
    return "\n".join(p for p in (what, detail, entry.place) if p)


def _names(name_th: str, name_en: str | None, lang: Lang) -> list[Block]:
    first, other = (name_th, name_en) if lang == "th" else (name_en or name_th, name_th if name_en else None)
    blocks: list[Block] = [Field(label("name", lang), first, bold=True)]
    if other:
        blocks.append(Field(label("name_other", lang), other))
    return blocks


def _with_nationality(name: str, nationality: str, lang: Lang) -> str:
    if not name.strip() or not nationality:
        return name
    return f"{name} ({label('nationality', lang)} {nationality})"


@singledispatch
def layout(doc: Document) -> list[Block]:
    """The blocks of `doc`, top to bottom; the last block is always its Seal."""
    raise TypeError(f"no layout for {type(doc).__name__}")


@layout.register
def _(doc: HouseRegisterEntry) -> list[Block]:
    lang = doc.language
    return [
        *_header(doc, "tr14_title", "tr14_form"),
        Field(label("registrar_office", lang), _office(doc.registrar_office, doc.registrar_office_code, lang)),
        Field(label("house_number", lang), doc.house_number, bold=True),
        Field(label("address", lang), doc.address),
        Field(label("house_code", lang), format_house_code(doc.house_code)),
        Rule(),
        Field(label("citizen_id", lang), format_citizen_id(doc.citizen_id), bold=True),
        *_names(doc.name_th.full(), doc.name_en.full() if doc.name_en else None, lang),
        Field(label("sex", lang), enum_label(doc.sex, lang)),
        Field(label("date_of_birth", lang), thai_date(doc.date_of_birth, lang)),
        Field(label("nationality", lang), doc.nationality),
        Field(label("house_status", lang), enum_label(doc.house_status, lang)),
        Field(label("mother", lang), _with_nationality(doc.mother_name, doc.mother_nationality, lang)),
        Field(label("father", lang), _with_nationality(doc.father_name, doc.father_nationality, lang)),
        Field(label("moved_in_on", lang), _date(doc.moved_in_on, lang)),
        *_footer(doc, "certify", "verify"),
    ]


@layout.register
def _(doc: CivilRegistrationHistory) -> list[Block]:
    lang = doc.language
    events: list[Block] = [Text(label("history", lang), bold=True)]
    for entry in doc.events:
        events.append(Field(thai_date(entry.date, lang, short=True), _event_value(entry, lang)))
    if not doc.events:
        events.append(Text(label("no_events", lang)))
    return [
        *_header(doc, "tr12_title", "tr12_form"),
        Field(label("registrar_office", lang), doc.registrar_office),
        Field(label("citizen_id", lang), format_citizen_id(doc.citizen_id), bold=True),
        *_names(doc.name_th.full(), doc.name_en.full() if doc.name_en else None, lang),
        Field(label("date_of_birth", lang), thai_date(doc.date_of_birth, lang)),
        Rule(),
        *events,
        *_footer(doc, "certify", "verify"),
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
