"""Every journey, walked: every declared stage is reachable, every stage takes every event without raising and
shows a screen from the catalogue, and the guards hold in every stage (card removed, cancel, inactivity, machine
deadlines); audit lines never carry an ID or a name."""

from __future__ import annotations

import math
from functools import cache
from typing import Any, get_args

import pytest

from kiosk.flows import enrol_officer
from kiosk.flows.effects import Audit, Beep, Effect, End, Forget, Light
from kiosk.flows.events import CardRemoved, Tapped, Tick
from kiosk.flows.machine import MORE_TIME, Flow
from kiosk.flows.screens import COMMON_KEYS, ERROR_REASONS, SCREENS
from tests.flows.explore import EVENTS, FLOWS, NOW, OFFICER_CARD, explore
from tests.flows.harness import CARD

NAMES = sorted(FLOWS)
EFFECT_TYPES = get_args(Effect)


@cache
def reached(name: str) -> dict[str, list[Any]]:
    return explore(FLOWS[name])


def representatives(name: str) -> list[tuple[str, Any]]:
    """Up to three states per stage (the first, a middle and the last found)."""
    out = []
    for stage, states in reached(name).items():
        picks = {0, len(states) // 2, len(states) - 1}
        out += [(stage, states[i]) for i in sorted(picks)]
    return out


def check_screen(flow: Flow[Any], state: Any, now: float) -> None:
    screen = flow.view(state, now)
    assert screen.name in SCREENS, f"{flow.name}.{state.stage}: unknown screen {screen.name}"
    extra = set(screen.data) - SCREENS[screen.name] - COMMON_KEYS
    assert not extra, f"{flow.name}.{state.stage} -> {screen.name}: undeclared keys {extra}"
    if screen.name == "error":
        assert screen.data["reason"] in ERROR_REASONS, (flow.name, state.stage, screen.data)


@pytest.mark.parametrize("name", NAMES)
def test_every_declared_stage_is_reachable(name: str) -> None:
    assert set(FLOWS[name].stages) - set(reached(name)) == set()


@pytest.mark.parametrize("name", NAMES)
def test_every_stage_takes_every_event_and_shows_a_catalogued_screen(name: str) -> None:
    flow = FLOWS[name]
    for _stage, state in representatives(name):
        check_screen(flow, state, NOW)
        for event in [*EVENTS, Tick()]:
            new, effects = flow.step(state, event, NOW)
            assert new.stage in flow.stages
            assert all(isinstance(e, EFFECT_TYPES) for e in effects), effects
            check_screen(flow, new, NOW)


@pytest.mark.parametrize("name", NAMES)
def test_audit_lines_never_carry_an_id_or_a_name(name: str) -> None:
    flow = FLOWS[name]
    secrets = {CARD.citizen_id, CARD.name_th, CARD.name_en, OFFICER_CARD.citizen_id, "13572468"}
    for _stage, state in representatives(name):
        for event in EVENTS:
            _, effects = flow.step(state, event, NOW)
            for audit in (e for e in effects if isinstance(e, Audit)):
                text = repr(audit)
                assert not any(s in text for s in secrets), (name, state.stage, audit)


@pytest.mark.parametrize("name", NAMES)
def test_card_removed_in_every_stage_follows_the_stage_rule_and_wipes(name: str) -> None:
    flow = FLOWS[name]
    for stage, state in representatives(name):
        rule = flow.stages[stage].card
        new, effects = flow.step(state, CardRemoved(), NOW)
        if stage == "take_card" or (stage == "notice" and state.card_in):
            assert new.stage == "closed" and any(isinstance(e, End) for e in effects)
        elif stage == "notice":  # the card was already out: a late removal report does not cut the notice short
            assert new.stage == "notice" and not any(isinstance(e, End) for e in effects)
        elif rule == "held":
            assert (new.stage, new.outcome) == ("notice", "card_removed"), (name, stage)
            assert Forget() in effects and getattr(new, "card", None) is None
            assert flow.view(new, NOW).data["reason"] == "card_removed"
        elif rule == "done":
            assert new.stage == "closed" and Forget() in effects and End("done") in effects
        elif name == "thaid_officer" and stage in enrol_officer.CITIZEN_STAGES:
            assert new.stage == "citizen_insert" and Forget() in effects and new.card is None
            assert new.officer_id == state.officer_id  # the officer stays signed in
        else:
            assert new.stage not in ("notice", "closed") or stage == "closed", (name, stage)


@pytest.mark.parametrize("name", NAMES)
def test_cancel_in_every_stage_wipes_and_ends(name: str) -> None:
    flow = FLOWS[name]
    for stage, state in representatives(name):
        if flow.stages[stage].waits in ("notice", "card_out", "closed"):
            continue
        new, effects = flow.step(state, Tapped("cancel"), NOW)
        if stage != flow.first and not state.confirm_cancel:
            # part-way, the first tap asks (defect 9: a tap meant for the last screen's button dropped a journey)
            assert new.stage == stage and new.confirm_cancel and Forget() not in effects, (name, stage)
            assert flow.view(new, NOW).name == "confirm_cancel"
            kept, _ = flow.step(new, Tapped("continue"), NOW)
            assert kept.stage == stage and not kept.confirm_cancel and flow.view(kept, NOW).name != "confirm_cancel"
            new, effects = flow.step(new, Tapped("cancel"), NOW)
        assert (new.stage, new.outcome) == ("notice", "cancelled"), (name, stage)
        assert Forget() in effects
        assert flow.view(new, NOW).name in ("remove_card", "thank_you")


@pytest.mark.parametrize("name", NAMES)
def test_inactivity_warns_then_times_out_in_every_user_stage(name: str) -> None:
    flow = FLOWS[name]
    for stage, state in representatives(name):
        st = flow.stages[stage]
        if st.waits != "user" or state.warned:
            continue
        lim = state.ctx.limits
        warned, _ = flow.step(state, Tick(), state.warn_at)
        assert warned.warned and warned.stage == stage
        assert flow.view(warned, state.warn_at).name == "timeout_warning"
        resumed, _ = flow.step(warned, Tapped("continue"), state.warn_at + 1)
        assert not resumed.warned and resumed.idle_at == state.warn_at + 1 + lim.inactivity_timeout_s
        over, effects = flow.step(warned, Tick(), state.idle_at)
        assert Forget() in effects
        if st.idle_outcome == "done":
            assert over.stage == ("take_card" if state.card_in else "closed"), (name, stage)
        else:
            assert (over.stage, over.outcome) == ("notice", "timed_out"), (name, stage)
        # a second before the deadline nothing ends
        early, _ = flow.step(warned, Tick(), state.idle_at - 1)
        assert early.stage == stage


@pytest.mark.parametrize("name", NAMES)
def test_every_machine_stage_has_a_deadline_that_ends_the_wait(name: str) -> None:
    flow = FLOWS[name]
    for stage, state in representatives(name):
        if flow.stages[stage].waits != "machine":
            continue
        assert state.wait_until is not None
        before, _ = flow.step(state, Tick(), state.wait_until - 0.01)
        assert before.stage == stage
        after, _ = flow.step(state, Tick(), state.wait_until)
        assert after.stage != stage or after.wait_until != state.wait_until, (name, stage)


@pytest.mark.parametrize("name", NAMES)
def test_notices_end_the_journey_after_their_time(name: str) -> None:
    flow = FLOWS[name]
    for notice in reached(name).get("notice", [])[:20]:
        new, effects = flow.step(notice, Tick(), notice.wait_until)
        if notice.card_in:
            assert new.stage == "take_card" and not any(isinstance(e, End) for e in effects)
            new, effects = flow.step(new, CardRemoved(), notice.wait_until + 1)
        assert new.stage == "closed" and End(notice.outcome) in effects


@pytest.mark.parametrize("name", NAMES)
def test_no_ending_hands_the_kiosk_on_while_the_card_is_in(name: str) -> None:
    """Defect 2: finish, error, timeout and cancel all ask for the card back (screen, slot light, a beep repeated
    until it is out); the next person gets the kiosk (End) only after the card is removed."""
    flow = FLOWS[name]
    endings = 0
    for stage, state in representatives(name):
        if not state.card_in or flow.stages[stage].waits in ("notice", "card_out", "closed"):
            continue
        for event in [*EVENTS, Tick()]:
            if isinstance(event, CardRemoved):
                continue
            new, effects = flow.step(state, event, NOW)
            if new.stage == "notice":
                shown = flow.view(new, NOW)
                assert shown.name == "remove_card" or shown.data.get("take_card") is True, (name, stage, event)
                new, effects = flow.step(new, Tick(), new.wait_until)
            if new.stage not in ("take_card", "closed"):
                continue
            endings += 1
            assert new.stage == "take_card" and not any(isinstance(e, End) for e in effects), (name, stage, event)
            assert flow.view(new, NOW).name == "remove_card"
            assert getattr(new, "card", None) is None  # already wiped while the card is asked for
            t = NOW + 1000
            beeps = 0
            for _ in range(3):
                t += new.ctx.limits.card_reminder_s
                new, effects = flow.step(new, Tick(), t)
                beeps += effects.count(Beep("attention"))
                assert new.stage == "take_card"
            assert beeps == 3
            new, effects = flow.step(new, CardRemoved(), t + 1)
            assert new.stage == "closed" and any(isinstance(e, End) for e in effects)
            assert Light("card_slot", False) in effects
    assert endings > 0


@pytest.mark.parametrize("name", NAMES)
def test_a_pulled_card_notice_stays_up_its_time(name: str) -> None:
    """Defect 8: a pull during the read flashed its notice for under half a second (a second removal report ended
    it); the notice stays until its time, a tap, or a card that was still in being taken."""
    flow = FLOWS[name]
    for stage, state in representatives(name):
        if flow.stages[stage].card != "held" or not state.card_in:
            continue
        notice, _ = flow.step(state, CardRemoved(), NOW)
        assert notice.stage == "notice" and notice.outcome == "card_removed"
        again, effects = flow.step(notice, CardRemoved(), NOW + 0.2)
        assert again.stage == "notice" and not any(isinstance(e, End) for e in effects), (name, stage)
        done, effects = flow.step(again, Tick(), notice.wait_until)
        assert done.stage == "closed" and End("card_removed") in effects
        return
    pytest.skip(f"{name}: no stage holds the card")


@pytest.mark.parametrize("name", NAMES)
def test_no_one_is_timed_out_before_the_warning_has_had_its_time(name: str) -> None:
    """Extended time: a clock that jumps past both deadlines (a stalled loop) still warns first, for the whole
    warning time; "More time" gives the whole inactivity time again."""
    flow = FLOWS[name]
    for stage, state in representatives(name):
        if flow.stages[stage].waits != "user" or state.idle_at is None or state.warned:
            continue
        lim = state.ctx.limits
        late = state.idle_at + 5
        warned, effects = flow.step(state, Tick(), late)
        assert (warned.stage, warned.warned) == (stage, True) and Beep("warning") in effects, (name, stage)
        assert Forget() not in effects
        screen = flow.view(warned, late)
        grace = lim.inactivity_timeout_s - lim.inactivity_warning_s
        assert screen.name == "timeout_warning" and screen.data["seconds_left"] == math.ceil(grace)
        still, _ = flow.step(warned, Tick(), late + grace - 0.5)
        assert still.stage == stage and still.warned
        more, _ = flow.step(warned, Tapped(MORE_TIME), late + grace - 0.5)
        assert not more.warned and more.idle_at == late + grace - 0.5 + lim.inactivity_timeout_s
        assert flow.view(more, late + grace).name != "timeout_warning"
        over, effects = flow.step(warned, Tick(), late + grace)
        assert over.stage != stage and Forget() in effects, (name, stage)
