"""Dates on screen: ISO strings from the journeys shown with `kiosk.text` (Thai months, Buddhist-era years)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from kiosk.text import thai_date

TH_WEEKDAYS_SHORT = ("จ.", "อ.", "พ.", "พฤ.", "ศ.", "ส.", "อา.")
EN_WEEKDAYS_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def parse(iso: str) -> date | None:
    try:
        return date.fromisoformat(iso)
    except ValueError:
        return None


def _lang(language: str) -> Literal["th", "en"]:
    return "en" if language == "en" else "th"


def long_date(iso: str, language: str) -> str:
    """'2026-11-23' → '23 พฤศจิกายน 2569' / '23 November 2026'; anything unparsable is shown as given."""
    d = parse(iso)
    return iso if d is None else thai_date(d, _lang(language))


def day_label(iso: str, language: str) -> tuple[str, str]:
    """(weekday, 'day month') for a calendar cell, without the year."""
    d = parse(iso)
    if d is None:
        return "", iso
    weekday = (TH_WEEKDAYS_SHORT if language == "th" else EN_WEEKDAYS_SHORT)[d.weekday()]
    short = thai_date(d, _lang(language), short=True)
    return weekday, short.rsplit(" ", 1)[0]
