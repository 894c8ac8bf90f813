"""Sample state data for every screen, as the journeys would send it (used by the screen tests and goldens)."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw


def _portrait_jpeg() -> bytes:
    img = Image.new("RGB", (297, 356), (200, 210, 225))
    d = ImageDraw.Draw(img)
    d.ellipse((88, 60, 208, 200), fill=(180, 140, 110))
    d.rectangle((60, 230, 236, 356), fill=(40, 60, 90))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70)
    return buf.getvalue()


SAMPLES: dict[str, dict[str, Any]] = {
    "attract": {},
    "language": {},
    "menu": {
        "services": [
            {"id": "thaid", "enabled": True},
            {"id": "extract", "enabled": True},
            {"id": "booking", "enabled": False},
            {"id": "own_data", "enabled": True},
            {"id": "thaid_officer", "enabled": True},
        ]
    },
    "consent": {"service": "thaid"},
    "insert_card": {},
    "reading_card": {"progress": 0.45},
    "working": {"task": "sending"},
    "remove_card": {},
    "thank_you": {"reference": "TD-2026-000123"},
    "card_data": {
        "name_th": "นางฤทัยรัตน์ ภูมิผู้ใหญ่",
        "name_en": "Mrs. Ruethairat Phumphuyai",
        "citizen_id": "x-xxxx-xxxx9-90-5",
        "birth_date": "1963-09-21",
        "address": "12/345 หมู่ที่ 6 ซอยบุญอุ้ม 7 ถนนเทพารักษ์ ตำบลบางปลา อำเภอบางพลี จังหวัดสมุทรปราการ",
        "expires": "2031-09-20",
        "photo": _portrait_jpeg(),
    },
    "face_capture": {"hint": "move_closer", "quality": 0.62, "attempt": 2, "max_attempts": 3},
    "liveness": {"prompt": "turn_left", "step": 1, "steps": 2, "seconds_left": 14},
    "finger": {"finger": "right_index", "hint": "place", "attempt": 1},
    "passcode": {"purpose": "confirm", "entered": 5, "length": 8, "error": "sequence", "attempts_left": 2},
    "citizen_id_entry": {"digits": "11017001234"},
    "activation_qr": {"payload": "THAID:ACT:7F3K-92QD-X1LM", "code": "7F3K-92QD", "expires_in_s": 540, "receipt": True},
    "extract_choice": {"documents": ["tr14_1", "tr12_2"]},
    "extract_preview": {
        "document": "tr14_1",
        "rows": [
            {"field": "name", "value": "นายสมชาย ใจดี"},
            {"field": "citizen_id", "value": "1-1017-00123-45-6"},
            {"field": "birth_date", "value": "1937-00-00"},
            {"field": "house_no", "value": "99/9"},
            {"field": "address", "value": "99/9 ถนนพหลโยธิน แขวงสามเสนใน เขตพญาไท กรุงเทพมหานคร"},
            {"field": "event:birth", "value": "1937-01-01\tสำนักงานเขตพญาไท\tPhaya Thai District Office\t"},
            {"field": "event:move_in", "value": "1985-03-15\tสำนักงานเขตพญาไท\tPhaya Thai District Office\t"},
            {"field": "event:name_change", "value": "1990-06-01\tสำนักงานเขตดุสิต\tDusit District Office\t"},
            {"field": "event:id_card_issued", "value": "2022-01-10\tสำนักงานเขตดุสิต\tDusit District Office\t"},
        ],
    },
    "printing": {"progress": 0.3},
    "printed": {"document_no": "TR141-0001-000042"},
    "booking_calendar": {
        "office": "สำนักงานเขตพญาไท",
        "days": [
            {"date": f"2026-11-{d:02d}", "available": d % 7 not in (0, 1), "reason": "not_open_day"}
            for d in range(23, 31)
        ]
        + [{"date": f"2026-12-{d:02d}", "available": True} for d in range(1, 8)],
    },
    "booking_slots": {
        "error": "slot_taken",
        "date": "2026-11-24",
        "slots": [{"time": f"{h:02d}:{m:02d}", "available": (h + m) % 3 != 0} for h in range(9, 15) for m in (0, 30)],
    },
    "booking_confirmed": {"date": "2026-11-24", "time": "10:30", "office": "สำนักงานเขตพญาไท", "reference": "BK-8841"},
    "own_data": {
        "page": 1,
        "pages": 2,
        "rows": [
            {"field": "name", "value": "นายสมชาย ใจดี"},
            {"field": "birth_date", "value": "1985-03-15", "kind": "date"},
            {"field": "address", "value": "99/9 ถนนพหลโยธิน แขวงสามเสนใน เขตพญาไท กรุงเทพมหานคร"},
            {"field": "father", "value": "นายสมปอง ใจดี"},
        ],
    },
    "error": {"reason": "card_removed", "retry": True, "take_card": True},
    "officer_signin": {"methods": ["card", "finger"]},
    "booking_action": {},
    "booking_review": {"date": "2026-11-24", "time": "09:30", "office": "สำนักงานเขตพญาไท", "service": "id_card"},
    "booking_office": {
        "offices": [
            {"id": "phayathai", "name_th": "สำนักงานเขตพญาไท", "name_en": "Phaya Thai District Office"},
            {"id": "bangphli", "name_th": "ที่ว่าการอำเภอบางพลี", "name_en": "Bang Phli District Office"},
        ],
        "office": "phayathai",
        "services": ["id_card", "house_register", "move_in"],
    },
    "booking_list": {
        "bookings": [
            {"reference": "BK-8841", "date": "2026-11-24", "time": "10:30", "office": "สำนักงานเขตพญาไท"},
            {"reference": "BK-9012", "date": "2026-12-02", "time": "09:00", "office": "สำนักงานเขตพญาไท"},
        ]
    },
    "booking_cancel": {"date": "2026-11-24", "time": "10:30", "office": "สำนักงานเขตพญาไท", "reference": "BK-8841"},
    "out_of_service": {"reason": "tamper"},
    "timeout_warning": {"seconds_left": 20},
    "confirm_cancel": {"card": True},
}
