"""Booking rules: 15 days ahead at most, 16:00 Bangkok the day before, holidays, closures, open days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from kiosk.booking_rules import (
    BANGKOK,
    REFERENCE_ALPHABET,
    BookingPolicy,
    bookable_days,
    check_booking,
    grouped_reference,
    is_reference,
    new_reference,
)

MON = date(2026, 11, 23)


def bkk(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BANGKOK)


def test_cutoff_is_16_00_bangkok_the_day_before() -> None:
    sunday = MON - timedelta(days=1)
    assert check_booking(MON, bkk(sunday, 15, 59)) == "ok"
    assert check_booking(MON, bkk(sunday, 16, 0)) == "after_cutoff"
    # 08:59 UTC is 15:59 in Bangkok; 09:00 UTC is the cut-off: the rule is in Bangkok time, whatever the clock's zone
    assert check_booking(MON, datetime(2026, 11, 22, 8, 59, tzinfo=UTC)) == "ok"
    assert check_booking(MON, datetime(2026, 11, 22, 9, 0, tzinfo=UTC)) == "after_cutoff"


def test_same_day_and_past_are_refused() -> None:
    assert check_booking(MON, bkk(MON, 8)) == "in_past"
    assert check_booking(MON - timedelta(days=3), bkk(MON, 8)) == "in_past"
    # 20:00 UTC on Sunday is already Monday 03:00 in Bangkok
    assert check_booking(MON, datetime(2026, 11, 22, 20, 0, tzinfo=UTC)) == "in_past"


def test_fifteen_days_ahead_is_the_limit() -> None:
    now = bkk(MON, 9)
    assert check_booking(MON + timedelta(days=15), now) == "ok"  # Tuesday 8 Dec
    assert check_booking(MON + timedelta(days=16), now) == "too_far_ahead"


def test_holidays_closures_and_weekends_from_data() -> None:
    now = bkk(MON, 9)
    tue = MON + timedelta(days=1)
    assert check_booking(tue, now, holidays={tue}) == "holiday"
    assert check_booking(tue, now, closures={tue}) == "office_closed"
    assert check_booking(MON + timedelta(days=5), now) == "not_open_day"  # Saturday
    saturday_office = BookingPolicy(open_weekdays=frozenset(range(6)))
    assert check_booking(MON + timedelta(days=5), now, policy=saturday_office) == "ok"


def test_bookable_days_lists_only_valid_days() -> None:
    now = bkk(MON, 17)  # after the cut-off for Tuesday
    days = bookable_days(now, holidays={date(2026, 12, 10)}, closures={date(2026, 11, 25)})
    assert days[0] == date(2026, 11, 26)
    assert date(2026, 12, 10) not in days and date(2026, 11, 25) not in days
    assert all(d.weekday() < 5 for d in days) and max(days) <= MON + timedelta(days=15)
    assert all(check_booking(d, now) == "ok" for d in days)


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError):
        check_booking(MON, datetime(2026, 11, 22, 10))


def test_booking_references_have_no_look_alikes_and_read_in_two_groups() -> None:
    assert not set("0O1IL8B") & set(REFERENCE_ALPHABET)
    refs = {new_reference() for _ in range(2000)}
    assert len(refs) == 2000
    for ref in refs:
        assert is_reference(ref) and not set(ref) - set(REFERENCE_ALPHABET)
    assert grouped_reference("KX7M4QPA") == "KX7M-4QPA"
    assert grouped_reference("B1A2B3C4D5") == "B1A2B3C4D5"  # a reference made before: shown as it was issued
