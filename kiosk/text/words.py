"""The kiosk's own Thai vocabulary over the dictionary breaker: compounds and place names a line must not split.

libthai's dictionary (thaibreak) cuts compounds into their parts (หน้า|จอ, บัตร|ประชาชน, ตรง|กัน) and unknown
names into syllables (สุมน|เทว|ราช). `glued(text)` gives the indices inside these words, where no line may break; a
place-name prefix (เขต, แขวง, ถนน...) holds its name up to the next space, as addresses write them. A phrase is not
a word: ออกบัตรประจำตัวประชาชน breaks at ออก|บัตร|ประจำตัว|ประชาชน (glued whole, a column too narrow for all of it
was cut inside ประจำตัว).
"""

from __future__ import annotations

import re
from functools import cache

# Compounds the kiosk's screens and papers use; longest first is not needed (the pattern sorts).
KIOSK_WORDS: tuple[str, ...] = (
    "หน้าจอ", "บัตรประชาชน", "ประจำตัว", "ตรงกัน", "ลายนิ้วมือ", "นิ้วมือ", "รหัสผ่าน",
    "ใบหน้า", "เจ้าหน้าที่", "ทะเบียนบ้าน", "ทะเบียนราษฎร", "ระบบทะเบียน", "สำนักทะเบียน", "ตู้บริการ", "ใบนัดหมาย",
    "เลขอ้างอิง", "คิวอาร์โค้ด", "เครื่องพิมพ์", "ช่องพิมพ์", "กระดาษ", "ยืนยันตัวตน", "เปิดใช้งาน", "ลงทะเบียน", "ยกเลิก",
    "ยินยอม", "ความยินยอม", "ข้อมูล", "เอกสาร", "รับรอง", "สำนักงาน", "อิเล็กทรอนิกส์", "ลายมือชื่อ", "ครั้งเดียว",
    "อินเทอร์เน็ต", "ภาษาอังกฤษ", "บัตรหมดอายุ", "หมดอายุ", "ตลอดชีพ", "ชื่อสกุล", "ชื่อตัว", "สมรส",
    "กรุงเทพมหานคร", "พญาไท", "ปทุมวัน", "สามเสนใน", "สุมนเทวราช", "ดุสิต", "บางพลี", "สมุทรปราการ", "เทพารักษ์",
    "พหลโยธิน", "พระราม", "วังใหม่", "บางปลา",
)  # fmt: skip
PLACE_PREFIXES: tuple[str, ...] = ("เขต", "แขวง", "ตำบล", "อำเภอ", "จังหวัด", "ถนน", "ซอย", "หมู่บ้าน")


@cache
def _pattern() -> re.Pattern[str]:
    words = sorted(set(KIOSK_WORDS), key=len, reverse=True)
    prefixes = "|".join(sorted(PLACE_PREFIXES, key=len, reverse=True))
    # a prefix holds a name only as an address component: the name runs to a space or the end
    return re.compile(rf"(?:{prefixes})[\u0e01-\u0e5b]{{2,24}}(?=\s|$)|" + "|".join(map(re.escape, words)))


def glued(text: str) -> frozenset[int]:
    """Indices strictly inside a kiosk word or a prefixed place name: not a place to break a line."""
    inside: set[int] = set()
    for m in _pattern().finditer(text):
        inside.update(range(m.start() + 1, m.end()))
    return frozenset(inside)
