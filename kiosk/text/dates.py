"""Dates and times as Thai citizens read them: Buddhist-era years, Thai month names; English with Gregorian years."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Lang = Literal["th", "en"]

BE_OFFSET = 543
KIOSK_TZ = "Asia/Bangkok"

MONTHS_TH = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
MONTHS_TH_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def buddhist_year(year_ce: int) -> int:
    return year_ce + BE_OFFSET


def month_name(month: int, lang: Lang, *, short: bool = False) -> str:
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range: {month}")
    if lang == "th":
        return (MONTHS_TH_SHORT if short else MONTHS_TH)[month - 1]
    name = MONTHS_EN[month - 1]
    return name[:3] if short else name


@dataclass(frozen=True)
class PartialDate:
    """A date whose day or month may be unknown, as Thai ID cards and registers record some births."""

    year_ce: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise ValueError("a day without a month")
        if self.month is not None and self.day is not None:
            dt.date(self.year_ce, self.month, self.day)  # raises on an impossible date
        elif self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month out of range: {self.month}")

    @classmethod
    def from_be_digits(cls, yyyymmdd_be: str) -> PartialDate:
        """From the card's 'YYYYMMDD' in the Buddhist era, where month or day may be '00'."""
        if len(yyyymmdd_be) != 8 or not yyyymmdd_be.isdigit():
            raise ValueError("expected 8 digits YYYYMMDD (Buddhist era)")
        year, month, day = int(yyyymmdd_be[:4]) - BE_OFFSET, int(yyyymmdd_be[4:6]), int(yyyymmdd_be[6:])
        return cls(year, month or None, (day or None) if month else None)

    @classmethod
    def of(cls, date: dt.date) -> PartialDate:
        return cls(date.year, date.month, date.day)


def thai_date(date: dt.date | PartialDate, lang: Lang = "th", *, short: bool = False) -> str:
    """'22 พฤศจิกายน 2569' (Buddhist era) or '22 November 2026'; unknown parts of a PartialDate are left out."""
    if isinstance(date, dt.date):
        date = PartialDate.of(date)
    year = buddhist_year(date.year_ce) if lang == "th" else date.year_ce
    parts: list[str] = []
    if date.day is not None:
        parts.append(str(date.day))
    if date.month is not None:
        parts.append(month_name(date.month, lang, short=short))
    parts.append(str(year))
    return " ".join(parts)


def thai_time(moment: dt.datetime | dt.time, lang: Lang = "th") -> str:
    """'14:05 น.' in Thai, '14:05' in English (24-hour clock, as on Thai official papers)."""
    hhmm = f"{moment.hour:02d}:{moment.minute:02d}"
    return f"{hhmm} น." if lang == "th" else hhmm


def _zone(tz: str) -> dt.tzinfo:
    try:
        return ZoneInfo(tz)
    except ZoneInfoNotFoundError:
        if tz == KIOSK_TZ:  # a minimal image without tzdata: Thailand keeps UTC+7 all year
            return dt.timezone(dt.timedelta(hours=7), "ICT")
        raise


def thai_datetime(moment: dt.datetime, lang: Lang = "th", *, tz: str = KIOSK_TZ, short: bool = False) -> str:
    """'22 พฤศจิกายน 2569 เวลา 14:05 น.' / '22 November 2026, 14:05', in the kiosk's time zone.

    A naive datetime is refused: issue times must be unambiguous.
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give an aware datetime (UTC or local)")
    local = moment.astimezone(_zone(tz))
    day = thai_date(local.date(), lang, short=short)
    if lang == "th":
        return f"{day} เวลา {thai_time(local, lang)}"
    return f"{day}, {thai_time(local, lang)}"
