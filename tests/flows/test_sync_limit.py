"""A field kit's maximum time without a sync (`[store] max_offline_hours`): the enrolment journeys decide from the
context's `OfflineLimit` (pure), and the executor gives them the kit's last sync from its store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kiosk.flows import enrol_officer, enrol_self
from kiosk.flows.context import Context, DeviceStatus, OfflineLimit, WallAnchor
from kiosk.flows.machine import Flow
from kiosk.ui.screens.common import ERRORS
from tests.flows.fakes import FakeLocal, FakeRegistry, fake_ports
from tests.flows.kit import Kiosk

LIMIT_S = 72 * 3600.0
SYNCED = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
FLOWS = [enrol_self.FLOW, enrol_officer.FLOW]


def started(flow: Flow[Any], wall: datetime, last_sync: datetime | None) -> Any:
    ctx = Context(clock=WallAnchor(wall, 0.0), offline=OfflineLimit(last_sync, LIMIT_S))
    state, effects = flow.start(ctx, 0.0)
    return state, effects, flow.view(state, 0.0)


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_just_under_the_limit_enrols(flow: Flow[Any]) -> None:
    state, _, _ = started(flow, SYNCED + timedelta(seconds=LIMIT_S - 1), SYNCED)
    assert state.stage == flow.first


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_just_over_the_limit_stops_with_words_saying_why_and_what_to_do(flow: Flow[Any]) -> None:
    state, effects, screen = started(flow, SYNCED + timedelta(seconds=LIMIT_S + 1), SYNCED)
    assert (state.stage, state.outcome, state.detail) == ("notice", "sync_overdue", "overdue")
    assert (screen.name, screen.data["reason"]) == ("error", "sync_overdue")
    title, advice = ERRORS["sync_overdue"]
    assert "sync" in title and "sync" in advice and "operator" in advice
    assert any(getattr(e, "event", "") == "enrolment_stopped" for e in effects)


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_a_clock_set_back_before_the_last_sync_stops_as_unknown_time(flow: Flow[Any]) -> None:
    state, _, screen = started(flow, SYNCED - timedelta(seconds=1), SYNCED)
    assert (state.outcome, state.detail) == ("sync_overdue", "clock_behind")
    assert screen.data["reason"] == "sync_clock_behind"


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_a_kit_that_never_synced_stops(flow: Flow[Any]) -> None:
    state, _, _ = started(flow, SYNCED, None)
    assert (state.outcome, state.detail) == ("sync_overdue", "never_synced")


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_a_sync_restores_enrolment(flow: Flow[Any]) -> None:
    late = SYNCED + timedelta(hours=100)
    assert started(flow, late, SYNCED)[0].outcome == "sync_overdue"
    assert started(flow, late, late - timedelta(minutes=1))[0].stage == flow.first


def test_a_kiosk_that_is_not_a_field_kit_has_no_limit() -> None:
    assert OfflineLimit(None, None).verdict(SYNCED) == "ok"


def test_the_executor_gives_a_field_kit_its_last_sync() -> None:
    """Through the executor: the kit synced an hour before (FakeLocal), so it enrols; 72 hours later it stops, and
    once it has synced again it enrols again. A kiosk that is not a field kit is not limited."""
    local = FakeLocal()
    assert local.synced_at is not None
    k = Kiosk(fake_ports(local=local, registry=FakeRegistry(down=True)), status=DeviceStatus(field_kit=True))
    try:
        k.tap("start").tap("language", "th").tap("service", "thaid_officer").on("officer_signin")
        k.tap("cancel").on("thank_you").wait(30).on("attract")
        k.wait(LIMIT_S)  # an hour past the limit now
        k.tap("start").tap("language", "th").tap("service", "thaid_officer").on("error")
        assert k.shown[1]["reason"] == "sync_overdue"
        k.wait(10).on("attract")
        local.synced_at = k.clock.wall()  # the background sync went through
        k.tap("start").tap("language", "th").tap("service", "thaid_officer").on("officer_signin")
    finally:
        k.close()
    unlimited = Kiosk(fake_ports(local=FakeLocal(synced_at=None)))
    try:
        unlimited.tap("start").tap("language", "th").tap("service", "thaid").on("consent")
    finally:
        unlimited.close()
