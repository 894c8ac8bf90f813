"""The synthetic population that seeds development and test databases: the simulator's test citizens first
(`simulator.citizens.load_citizens()`), then generated people with valid check digits, house registers and history.
Nobody here is a real person. Deterministic for a given seed and day.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from kiosk import booking_rules, officer_proof
from kiosk.registry.db import PostgresDatabase, SqliteDatabase, Tx
from kiosk.registry.service import hash_pin
from kiosk.registry.validate import cid_check_digit

# (code, district as on the card, province as on the card, office name th, office name en)
OFFICES = (
    ("1014", "เขตพญาไท", "กรุงเทพมหานคร", "สำนักงานเขตพญาไท", "Phaya Thai District Office"),
    ("1004", "เขตบางรัก", "กรุงเทพมหานคร", "สำนักงานเขตบางรัก", "Bang Rak District Office"),
    ("1006", "เขตบางกะปิ", "กรุงเทพมหานคร", "สำนักงานเขตบางกะปิ", "Bang Kapi District Office"),
    ("1002", "เขตดุสิต", "กรุงเทพมหานคร", "สำนักงานเขตดุสิต", "Dusit District Office"),
    ("1102", "อำเภอบางพลี", "จังหวัดสมุทรปราการ", "ที่ว่าการอำเภอบางพลี", "Bang Phli District Office"),
    ("5001", "อำเภอเมืองเชียงใหม่", "จังหวัดเชียงใหม่", "ที่ว่าการอำเภอเมืองเชียงใหม่", "Mueang Chiang Mai District Office"),
    ("4001", "อำเภอเมืองขอนแก่น", "จังหวัดขอนแก่น", "ที่ว่าการอำเภอเมืองขอนแก่น", "Mueang Khon Kaen District Office"),
)
# Fixed-date public holidays (month, day, th, en). Lunar holidays (Makha, Visakha, Asanha Bucha) and substitution days
# change yearly: load them from the cabinet's announcement into the `holidays` table (`kiosk registry seed` keeps rows).
FIXED_HOLIDAYS = (
    (1, 1, "วันขึ้นปีใหม่", "New Year's Day"),
    (4, 6, "วันจักรี", "Chakri Memorial Day"),
    (4, 13, "วันสงกรานต์", "Songkran"),
    (4, 14, "วันสงกรานต์", "Songkran"),
    (4, 15, "วันสงกรานต์", "Songkran"),
    (5, 1, "วันแรงงานแห่งชาติ", "Labour Day"),
    (5, 4, "วันฉัตรมงคล", "Coronation Day"),
    (6, 3, "วันเฉลิมพระชนมพรรษาพระราชินี", "Queen Suthida's Birthday"),
    (7, 28, "วันเฉลิมพระชนมพรรษา ร.10", "King's Birthday"),
    (8, 12, "วันแม่แห่งชาติ", "Mother's Day"),
    (10, 13, "วันนวมินทรมหาราช", "King Bhumibol Memorial Day"),
    (10, 23, "วันปิยมหาราช", "Chulalongkorn Day"),
    (12, 5, "วันพ่อแห่งชาติ", "Father's Day"),
    (12, 10, "วันรัฐธรรมนูญ", "Constitution Day"),
    (12, 31, "วันสิ้นปี", "New Year's Eve"),
)
SERVICES = ("general", "id_card")
SLOT_TIMES = ("09:00", "10:00", "11:00", "13:00", "14:00", "15:00")
SLOT_CAPACITY = 3
FIRST_TH = ("สมชาย", "สมศรี", "ประยุทธ", "มาลี", "วิชัย", "นภา", "สุดา", "ชัยวัฒน์", "อรุณี", "กมล", "ปราณี", "ธนา")
FIRST_EN = (
    "Somchai",
    "Somsri",
    "Prayut",
    "Malee",
    "Wichai",
    "Napa",
    "Suda",
    "Chaiwat",
    "Arunee",
    "Kamon",
    "Pranee",
    "Thana",
)
LAST_TH = ("ใจดี", "รักไทย", "ศรีสุข", "บุญมา", "แก้วมณี", "ทองคำ", "สุขสวัสดิ์", "มั่นคง")
LAST_EN = ("Jaidee", "Rakthai", "Srisuk", "Boonma", "Kaewmanee", "Thongkham", "Suksawat", "Mankhong")
FEMALE = {1, 3, 5, 6, 8, 10}
FATHER_FIRST_TH = ("บุญมี", "สมศักดิ์", "ประเสริฐ", "สมบัติ", "วิรัช", "ทองดี", "สุรชัย", "เฉลิม", "บุญส่ง", "สมพงษ์")
MOTHER_FIRST_TH = ("บุญเรือน", "สมจิต", "ประนอม", "ทองใบ", "สมพร", "จันทร์เพ็ญ", "ลำดวน", "บัวผัน", "สายใจ", "มณี")


@dataclass(frozen=True)
class Person:
    cid: str
    name_th: tuple[str, str, str, str]
    name_en: tuple[str, str, str, str]
    dob: str  # Gregorian YYYY-MM-DD; month or day may be 00 as on old records
    sex: str
    house_no: str
    address: str
    office_code: str
    officer_pin: str | None = None

    @property
    def parents_th(self) -> tuple[str, str]:
        return parents_th(self.cid, self.name_th[0], self.name_th[3])


def parents_th(cid: str, prefix_th: str, last_th: str) -> tuple[str, str]:
    """(father, mother) as a house register writes them, derived from the citizen ID so every seeding agrees. A
    married woman (นาง) usually carries her husband's surname, so her parents get another one."""
    rng = random.Random(f"parents/{cid}")
    surname = last_th
    if prefix_th == "นาง":
        surname = rng.choice([s for s in LAST_TH if s != last_th])
    father = f"นาย{rng.choice(FATHER_FIRST_TH)} {surname}"
    mother = f"นาง{rng.choice(MOTHER_FIRST_TH)} {surname}"
    return father, mother


def make_cid(rng: random.Random, first_digit: int = 1) -> str:
    body = str(first_digit) + "".join(str(rng.randrange(10)) for _ in range(11))
    return body + str(cid_check_digit(body))


def house_id(office_code: str, house_no: str) -> str:
    """An 11-digit house code: office, 6 digits from the house number, and a mod-11 check digit."""
    digest = int(hashlib.sha256(f"{office_code}/{house_no}".encode()).hexdigest(), 16) % 10**6
    body = f"{office_code}{digest:06d}"
    s = sum(int(d) * (11 - i) for i, d in enumerate(body))
    return body + str((11 - s % 11) % 10)


def _be_to_iso(be: str) -> str:
    return f"{int(be[:4]) - 543:04d}-{be[4:6]}-{be[6:8]}"


def simulator_people() -> list[Person]:
    """The simulator's test citizens, or none where the simulator package is absent (a registry-only install)."""
    try:
        from simulator.citizens import load_citizens
    except ImportError:
        return []
    people = []
    for c in load_citizens():
        parts = c.address.split("#")
        office = next((o for o in OFFICES if o[1] == parts[-2]), OFFICES[0])
        people.append(
            Person(
                cid=c.cid,
                name_th=(c.name_th.prefix, c.name_th.first, c.name_th.middle, c.name_th.last),
                name_en=(c.name_en.prefix, c.name_en.first, c.name_en.middle, c.name_en.last),
                dob=_be_to_iso(c.dob),
                sex=c.sex,
                house_no=parts[0],
                address=" ".join(p for p in parts if p),
                office_code=office[0],
                officer_pin=c.pin if c.officer else None,
            )
        )
    return people


def generated_people(count: int, seed: int = 6) -> list[Person]:
    rng = random.Random(seed)
    people = []
    for _ in range(count):
        i, j = rng.randrange(len(FIRST_TH)), rng.randrange(len(LAST_TH))
        female = i in FEMALE
        office = rng.choice(OFFICES)
        house_no = f"{rng.randrange(1, 400)}/{rng.randrange(1, 50)}"
        year = rng.randrange(1940, 2008)
        people.append(
            Person(
                cid=make_cid(rng, rng.choice((1, 3))),
                name_th=("นาง" if female else "นาย", FIRST_TH[i], "", LAST_TH[j]),
                name_en=("Mrs." if female else "Mr.", FIRST_EN[i], "", LAST_EN[j]),
                dob=f"{year:04d}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                sex="female" if female else "male",
                house_no=house_no,
                address=f"{house_no} {office[1]} {office[2]}",
                office_code=office[0],
            )
        )
    return people


def seed(db: SqliteDatabase | PostgresDatabase, today: date, *, extra: int = 200, days: int = 20) -> dict[str, int]:
    """Fill an empty or partly seeded database; existing rows are kept (re-running is harmless)."""
    people = simulator_people()
    known = {p.cid for p in people}
    people += [p for p in generated_people(extra) if p.cid not in known]
    with db.transaction() as tx:
        for code, district, province, name_th, name_en in OFFICES:
            _put(
                tx,
                "offices",
                ("code", "name_th", "name_en", "district", "province"),
                (code, name_th, name_en, district, province),
            )
        for year in (today.year - 1, today.year, today.year + 1):
            for month, day, th, en in FIXED_HOLIDAYS:
                _put(tx, "holidays", ("day", "name_th", "name_en"), (date(year, month, day).isoformat(), th, en))
        closure = _next_weekday(today + timedelta(days=9))
        _put(
            tx,
            "office_closures",
            ("office_code", "day", "reason"),
            ("1004", closure.isoformat(), "อบรมเจ้าหน้าที่ / staff training"),
        )
        for p in people:
            _put_person(tx, p)
        slots = _put_slots(tx, today, days)
    return {"citizens": len(people), "offices": len(OFFICES), "slots": slots}


def _next_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _put(tx: Tx, table: str, columns: Iterable[str], values: tuple[Any, ...]) -> int:
    cols = list(columns)
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)}) ON CONFLICT DO NOTHING"
    return tx.execute(sql, values)


def _put_person(tx: Tx, p: Person) -> None:
    hid = house_id(p.office_code, p.house_no)
    _put(tx, "houses", ("house_id", "house_no", "address", "office_code"), (hid, p.house_no, p.address, p.office_code))
    inserted = _put(
        tx,
        "citizens",
        (
            "cid",
            "prefix_th",
            "first_th",
            "middle_th",
            "last_th",
            "prefix_en",
            "first_en",
            "middle_en",
            "last_en",
            "dob",
            "sex",
            "nationality",
            "house_id",
            "status",
            "father_th",
            "mother_th",
        ),
        (p.cid, *p.name_th, *p.name_en, p.dob, p.sex, "ไทย", hid, "alive", *p.parents_th),
    )
    if not inserted:  # seeded before parents were kept (migration 4): fill them in, never overwrite
        tx.execute(
            "UPDATE citizens SET father_th = ?, mother_th = ? WHERE cid = ? AND father_th = '' AND mother_th = ''",
            (*p.parents_th, p.cid),
        )
        return
    rng = random.Random(p.cid)
    birth_year = int(p.dob[:4])
    moved_in = date(min(birth_year + rng.randrange(18, 40), 2024), rng.randrange(1, 13), rng.randrange(1, 29))
    tx.execute(
        "INSERT INTO house_entries (house_id, cid, relation, moved_in) VALUES (?, ?, ?, ?)",
        (hid, p.cid, rng.choice(("เจ้าบ้าน", "ผู้อาศัย")), moved_in.isoformat()),
    )
    events = [
        (
            f"{birth_year:04d}-{p.dob[5:7] if p.dob[5:7] != '00' else '01'}-{p.dob[8:] if p.dob[8:] != '00' else '01'}",
            "birth",
            "",
        ),
        (moved_in.isoformat(), "move_in", f"บ้านเลขที่ {p.house_no}"),
    ]
    if rng.random() < 0.4:  # as a married woman takes her husband's surname: the register keeps the former one
        former = rng.choice([s for s in LAST_TH if s != p.name_th[3]])
        events.append((f"{birth_year + 25:04d}-06-15", "surname_change", f"ชื่อสกุลเดิม {former}"))
    for day, kind, detail in sorted(events):
        tx.execute(
            "INSERT INTO events (cid, day, kind, office_code, detail) VALUES (?, ?, ?, ?, ?)",
            (p.cid, day, kind, p.office_code, detail),
        )
    if p.officer_pin is not None:
        salt = secrets.token_bytes(16)
        name = f"{p.name_th[0]}{p.name_th[1]} {p.name_th[3]}"
        _put(
            tx,
            "officers",
            ("officer_id", "name", "unit", "pin_salt", "pin_hash", "proof_key", "created_at"),
            (
                p.cid,
                name,
                f"unit-{p.office_code}",
                salt.hex(),
                hash_pin(p.officer_pin, salt),
                officer_proof.proof_key(p.cid, p.officer_pin).hex(),
                int(datetime.now().timestamp()),
            ),
        )


def _put_slots(tx: Tx, today: date, days: int) -> int:
    holidays = {date.fromisoformat(r[0]) for r in tx.all("SELECT day FROM holidays")}
    count = 0
    for n in range(1, days + 1):
        day = today + timedelta(days=n)
        if day.weekday() not in booking_rules.DEFAULT_POLICY.open_weekdays or day in holidays:
            continue
        for code, *_ in OFFICES:
            for service in SERVICES:
                for start in SLOT_TIMES:
                    count += _put(
                        tx,
                        "slots",
                        ("office_code", "service", "day", "start_time", "capacity"),
                        (code, service, day.isoformat(), start, SLOT_CAPACITY),
                    )
    return count
