"""Dates on screen: ISO strings from the journeys shown with `kiosk.text` (Thai months, Buddhist-era years)."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from kiosk.text import thai_date
from kiosk.text.dates import buddhist_year, month_name

TH_WEEKDAYS_SHORT = ("จ.", "อ.", "พ.", "พฤ.", "ศ.", "ส.", "อา.")
EN_WEEKDAYS_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def parse(iso: str) -> date | None:
    try:
        return date.fromisoformat(iso)
    except ValueError:
        return None


def _lang(language: str) -> Literal["th", "en"]:
    return "en" if language == "en" else "th"


UNKNOWN = "–"  # an unknown day or month, written as the card writes it: '– – 2480'
PARTIAL = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def long_date(iso: str, language: str) -> str:
    """'2026-11-23' → '23 พฤศจิกายน 2569' / '23 November 2026'; '1937-00-00' (day and month unknown, as the card
    and the register record some births) → '– – 2480' / '– – 1937'; anything unparsable is shown as given."""
    d = parse(iso)
    if d is not None:
        return thai_date(d, _lang(language))
    m = PARTIAL.fullmatch(iso)
    if m is None:
        return iso
    year, month, day = (int(g) for g in m.groups())
    if not 1 <= month <= 12 and month != 0:
        return iso
    lang = _lang(language)
    shown_year = str(buddhist_year(year) if lang == "th" else year)
    shown_month = month_name(month, lang) if month else UNKNOWN
    return f"{day if day and month else UNKNOWN} {shown_month} {shown_year}"


def day_label(iso: str, language: str) -> tuple[str, str]:
    """(weekday, 'day month') for a calendar cell, without the year."""
    d = parse(iso)
    if d is None:
        return "", iso
    weekday = (TH_WEEKDAYS_SHORT if language == "th" else EN_WEEKDAYS_SHORT)[d.weekday()]
    short = thai_date(d, _lang(language), short=True)
    return weekday, short.rsplit(" ", 1)[0]
