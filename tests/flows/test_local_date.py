"""A card's expiry and a record's date are Bangkok dates read from the runner's (injectable) clock: at 23:30 UTC it is
already 06:30 the next day in Bangkok, so a card expiring "today" in UTC has expired."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from kiosk.app import local_today
from kiosk.drivers import card as card_driver
from kiosk.flows.adapters import RegistryAdapter
from kiosk.flows.host import JourneyHost
from kiosk.runner import FakeClock, Runner
from kiosk.ui.events import Tapped
from tests.flows.fakes import IDENTITY, PORTRAIT, Screens, fake_ports

LATE_UTC = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)  # 2026-11-21 06:30 in Bangkok


def journey_with_card(expires: date) -> tuple[str, dict[str, Any]]:
    runner = Runner(FakeClock(LATE_UTC), tick_s=0.002)
    screens = Screens()
    host = JourneyHost(runner, screens, fake_ports(), secret=b"s")
    try:
        for event in (
            Tapped("start"),
            Tapped("language", "th"),
            Tapped("service", "thaid"),
            Tapped("accept"),
            card_driver.CardInserted("Virtual PCD", b"\x3b"),
            card_driver.CardIdentityRead(replace(IDENTITY, expires=expires)),
            card_driver.CardPhotoRead(PORTRAIT),
        ):
            runner.post(event)
            runner.run_pending()
        return screens.last
    finally:
        host.close()
        runner.close()


def test_a_card_expiring_on_the_utc_date_has_expired_in_bangkok() -> None:
    name, data = journey_with_card(date(2026, 11, 20))
    assert name == "error" and data["reason"] == "card_expired"


def test_a_card_expiring_on_the_bangkok_date_is_still_good() -> None:
    name, _ = journey_with_card(date(2026, 11, 21))
    assert name == "card_data"


def test_the_card_drivers_today_is_bangkoks_by_the_runners_clock() -> None:
    clock = FakeClock(LATE_UTC)
    today = local_today(clock, "Asia/Bangkok")
    assert today() == date(2026, 11, 21)
    clock.advance(-7 * 3600)  # 16:30 UTC: 23:30 in Bangkok
    assert today() == date(2026, 11, 20)


class OnePerson:
    def citizen(self, cid: str) -> dict[str, Any]:
        name = {"prefix": "นาย", "first": "สมชาย", "last": "ใจดี"}
        return {"citizen_id": cid, "name_th": name, "name_en": name, "dob": "1980-05-17"}

    def offices(self) -> list[dict[str, Any]]:
        return []


@pytest.mark.parametrize(
    ("wall", "as_of"), [(LATE_UTC, "2026-11-21"), (datetime(2026, 11, 20, 16, 0, tzinfo=UTC), "2026-11-20")]
)
def test_a_record_is_dated_in_bangkok(wall: datetime, as_of: str) -> None:
    record = RegistryAdapter(OnePerson(), "u1", clock=lambda: wall).record("tr12_2", IDENTITY.cid)
    assert record is not None and record.as_of == as_of
