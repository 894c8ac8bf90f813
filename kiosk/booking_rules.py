"""The booking rules for a district-office service slot, as one pure function of the slot's day and the time now.

Published rules: a slot may be booked at most 15 days ahead and no later than 16:00 (Asia/Bangkok) the day before;
never on a public holiday, an office closure or a day the office is not open. Shared by the kiosk's journeys (to show
only bookable days) and the registry service (which enforces them).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Literal

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    BANGKOK: tzinfo = ZoneInfo("Asia/Bangkok")
except (ImportError, ZoneInfoNotFoundError):  # no tz database on the image: Thailand has no daylight saving
    BANGKOK = timezone(timedelta(hours=7), "Asia/Bangkok")

# A booking reference is read aloud at a counter and typed by an officer: no look-alikes (0/O, 1/I/L, 8/B), eight
# characters (29^8 ≈ 5·10^11), shown and printed in two groups of four ("KX7M-4QPA").
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRSTUVWXYZ2345679"
REFERENCE_LENGTH = 8
_REFERENCE = re.compile(rf"[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}")


def new_reference(choice: Callable[[str], str] = secrets.choice) -> str:
    """A fresh booking reference, ungrouped (as stored)."""
    return "".join(choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def is_reference(ref: str) -> bool:
    return _REFERENCE.fullmatch(ref) is not None


def grouped_reference(ref: str) -> str:
    """How a reference is shown, printed and spoken: "KX7M4QPA" -> "KX7M-4QPA"; an older one is left as it is."""
    if _REFERENCE.fullmatch(ref):
        return f"{ref[:4]}-{ref[4:]}"
    return ref


Verdict = Literal["ok", "in_past", "too_far_ahead", "after_cutoff", "holiday", "office_closed", "not_open_day"]


@dataclass(frozen=True)
class BookingPolicy:
    max_days_ahead: int = 15
    cutoff: time = time(16, 0)  # on the day before the slot, local time
    open_weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0
    tz: tzinfo = BANGKOK
    slot_minutes: int = 60  # a slot lasts an hour (09:00, 10:00 ...): the registry's grid and the printed ticket


DEFAULT_POLICY = BookingPolicy()


def local_today(now: datetime, policy: BookingPolicy = DEFAULT_POLICY) -> date:
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")
    return now.astimezone(policy.tz).date()


def check_booking(
    slot_day: date,
    now: datetime,
    *,
    holidays: Collection[date] = (),
    closures: Collection[date] = (),
    policy: BookingPolicy = DEFAULT_POLICY,
) -> Verdict:
    """Whether a slot on `slot_day` may be booked at `now` (aware datetime); "ok" or the first rule it breaks."""
    local_now = now.astimezone(policy.tz) if now.tzinfo is not None else None
    if local_now is None:
        raise ValueError("`now` must be timezone-aware")
    today = local_now.date()
    if slot_day <= today:
        return "in_past"
    if (slot_day - today).days > policy.max_days_ahead:
        return "too_far_ahead"
    deadline = datetime.combine(slot_day - timedelta(days=1), policy.cutoff, tzinfo=policy.tz)
    if local_now >= deadline:
        return "after_cutoff"
    if slot_day in holidays:
        return "holiday"
    if slot_day in closures:
        return "office_closed"
    if slot_day.weekday() not in policy.open_weekdays:
        return "not_open_day"
    return "ok"


def bookable_days(
    now: datetime,
    *,
    holidays: Collection[date] = (),
    closures: Collection[date] = (),
    policy: BookingPolicy = DEFAULT_POLICY,
) -> list[date]:
    """Every day a slot may be booked on at `now`, in order (what a booking screen offers)."""
    today = local_today(now, policy)
    days = (today + timedelta(days=n) for n in range(1, policy.max_days_ahead + 1))
    return [d for d in days if check_booking(d, now, holidays=holidays, closures=closures, policy=policy) == "ok"]
