"""Pure transitions (fake clock) for the enclosure and the presence sensor: the home screen's lock, a journey ended
by an opening, the officer's clear_tamper journey, and presence waking the attract screen."""

from __future__ import annotations

from dataclasses import replace

from kiosk.flows import clear_tamper, home, own_data
from kiosk.flows.effects import (
    AckTamper,
    Audit,
    Beep,
    CheckOfficerPin,
    End,
    Forget,
    Light,
    PersistAttempts,
    ReadCard,
    StartJourney,
)
from kiosk.flows.events import (
    CardInserted,
    CardRead,
    CardRemoved,
    DeviceFailed,
    Entered,
    OfficerRejected,
    OfficerVerified,
    PresenceSensed,
    TamperChanged,
    TamperCleared,
    Tapped,
    Tick,
)
from tests.flows.explore import OFFICER_CARD
from tests.flows.harness import ALL_CAPS, CARD, Run, context

T0 = 1000.0


def at_home(**changes: object) -> home.Home:
    return replace(home.Home(caps=ALL_CAPS, idle_s=60.0), **changes)  # type: ignore[arg-type]


def feed(state: home.Home, *events: object, now: float = T0) -> tuple[home.Home, list[object]]:
    effects: list[object] = []
    for e in events:
        state, more = home.step(state, e, now)
        effects += more
    return state, effects


# --- presence ---------------------------------------------------------------------------------------------------


def test_presence_wakes_the_attract_screen_to_the_language_choice_then_it_sleeps_again() -> None:
    state, effects = feed(at_home(), PresenceSensed())
    assert state.stage == "language" and effects == []
    assert home.view(state, T0).name == "language"
    state, _ = feed(state, Tick(), now=T0 + 59.0)
    assert state.stage == "language"
    state, _ = feed(state, Tick(), now=T0 + 60.0)  # nobody touched it: back to attract at the idle deadline
    assert state.stage == "attract" and home.view(state, T0 + 60.0).name == "attract"


def test_presence_is_not_a_touch_once_awake() -> None:
    state, _ = feed(at_home(), PresenceSensed(), Tapped("language", "en"))
    assert state.stage == "menu"
    again, _ = feed(state, PresenceSensed(), now=T0 + 30.0)
    assert again == state  # neither a stage change nor a new idle deadline


def test_presence_does_not_wake_a_kiosk_with_nothing_to_offer() -> None:
    state, _ = feed(at_home(caps=frozenset()), PresenceSensed())
    assert state.stage == "attract" and home.view(state, T0).name == "out_of_service"


# --- the lock -----------------------------------------------------------------------------------------------------


def test_an_opening_outside_a_journey_locks_until_the_case_closes() -> None:
    state, effects = feed(at_home(stage="menu"), TamperChanged(open=True, latched=False))
    assert state.stage == "attract"
    assert home.view(state, T0).name == "out_of_service"
    assert home.view(state, T0).data == {"reason": "tamper"}
    assert Audit("out_of_service", {"reason": "tamper"}) in effects
    for e in (PresenceSensed(), Tapped("start"), CardInserted()):
        assert home.step(state, e, T0) == (state, [])  # nothing a passer-by does counts
    state, effects = feed(state, TamperChanged(open=False, latched=False))
    assert home.view(state, T0).name == "attract"
    assert Audit("back_in_service", {"reason": "tamper"}) in effects


def test_a_latch_keeps_the_kiosk_locked_after_closing_and_an_officers_card_starts_the_clearing() -> None:
    state, effects = feed(at_home(), TamperChanged(open=True, latched=True))
    assert Audit("tamper_latched", {}) in effects
    state, _ = feed(state, TamperChanged(open=False, latched=True))
    assert home.view(state, T0).data == {"reason": "tamper"}
    state, effects = feed(state, CardInserted())
    assert StartJourney(home.CLEAR_TAMPER, "th") in effects
    state, effects = feed(state, TamperCleared())
    assert not state.lock.locked and home.view(state, T0).name == "attract"
    assert Audit("back_in_service", {"reason": "tamper"}) in effects


def test_clearing_a_latch_with_the_case_still_open_keeps_the_lock() -> None:
    state, _ = feed(at_home(), TamperChanged(open=True, latched=True))
    _, effects = feed(state, CardInserted())
    assert StartJourney(home.CLEAR_TAMPER, "th") in effects  # the officer is told to close it (see below)
    state, _ = feed(state, TamperCleared())
    assert state.lock == home.Lock(open=True) and home.view(state, T0).name == "out_of_service"


# --- a journey ended by the enclosure ---------------------------------------------------------------------------


def test_an_opening_ends_a_journey_at_once_and_wipes_it() -> None:
    run = Run.start(own_data.FLOW).send(Tapped("accept"), CardInserted(), CardRead(CARD))
    assert run.state.card is not None
    run.send(TamperChanged(open=True, latched=True))
    assert run.stage == "closed" and run.state.card is None
    assert Forget() in run.last and End("tampered") in run.last
    ended = [a for a in run.emitted(Audit) if a.event == "journey_ended"]
    assert ended and ended[0].fields["outcome"] == "tampered"


def test_a_closing_reported_during_a_journey_changes_nothing() -> None:
    run = Run.start(own_data.FLOW).send(Tapped("accept"))
    before = run.state
    run.send(TamperChanged(open=False, latched=False))
    assert run.state == before and run.last == []


# --- the officer's clear_tamper journey ---------------------------------------------------------------------------


def signed_in(run: Run[clear_tamper.ClearTamper]) -> Run[clear_tamper.ClearTamper]:
    run.send(CardRead(OFFICER_CARD))
    assert run.stage == "officer_pin" and run.screen.name == "passcode"
    run.send(*(Tapped("digit", d) for d in "123456"), Tapped("ok"))
    assert run.stage == "officer_checking" and CheckOfficerPin(OFFICER_CARD.holder, "123456") in run.last
    return run.send(OfficerVerified("OFF-7", "Officer Malee"))


def test_the_officer_signs_in_with_card_and_pin_and_the_latch_is_acknowledged() -> None:
    run = Run.start(clear_tamper.FLOW, card_in=True)
    assert run.stage == "officer_reading" and ReadCard() in run.last
    signed_in(run)
    assert run.stage == "clearing" and AckTamper() in run.last and any(isinstance(e, PersistAttempts) for e in run.last)
    run.send(TamperCleared())
    assert run.stage == "cleared" and run.screen.name == "remove_card" and Beep("success") in run.last
    assert any(a.event == "tamper_cleared" for a in run.emitted(Audit))
    run.send(CardRemoved())
    assert run.stage == "closed" and any(isinstance(e, End) for e in run.last)


def test_a_case_still_open_is_said_plainly_and_the_journey_ends_when_the_card_is_taken() -> None:
    run = signed_in(Run.start(clear_tamper.FLOW, card_in=True))
    run.send(DeviceFailed("coproc", "still_open", "command 0x17 refused: still_open"))
    assert run.stage == "still_open"
    assert run.screen.name == "out_of_service" and run.at("reason") == "tamper_open"
    assert any(a.event == "tamper_clear_refused" for a in run.emitted(Audit))
    run.send(CardRemoved())
    assert run.stage == "closed" and any(isinstance(e, End) for e in run.last)


def test_the_card_already_gone_asks_for_it_again() -> None:
    run = Run.start(clear_tamper.FLOW, card_in=False)
    assert run.stage == "officer_insert" and Light("card_slot", True) in run.last
    run.send(CardInserted())
    assert run.stage == "officer_reading" and ReadCard() in run.last


def test_a_silent_board_ends_the_clearing_with_a_device_error() -> None:
    run = signed_in(Run.start(clear_tamper.FLOW, card_in=True))
    run.wait(context().limits.coproc_s)
    assert run.stage == "notice" and run.state.detail == "coproc:timeout"
    run = signed_in(Run.start(clear_tamper.FLOW, card_in=True)).send(DeviceFailed("coproc", "silent"))
    assert run.stage == "notice" and run.state.detail == "coproc:silent"


def test_a_citizens_card_is_no_officers_and_wrong_pins_count() -> None:
    run = Run.start(clear_tamper.FLOW, card_in=True).send(CardRead(CARD), Entered("123456"))
    run.send(OfficerRejected("not_an_officer"))
    assert run.stage == "notice" and run.state.outcome == "officer_rejected"
    run = Run.start(clear_tamper.FLOW, card_in=True).send(CardRead(OFFICER_CARD))
    for _ in range(2):
        run.send(Entered("000000"), OfficerRejected("wrong_pin"))
        assert run.stage == "officer_pin" and run.at("error") == "wrong"
    run.send(Entered("000000"), OfficerRejected("wrong_pin"))
    assert run.stage == "notice" and run.state.outcome == "locked_out"


def test_a_pulled_card_or_an_opening_ends_the_clearing() -> None:
    run = Run.start(clear_tamper.FLOW, card_in=True).send(CardRead(OFFICER_CARD), CardRemoved())
    assert run.stage == "notice" and run.state.outcome == "card_removed"
    run = Run.start(clear_tamper.FLOW, card_in=True).send(CardRead(OFFICER_CARD))
    run.send(TamperChanged(open=True, latched=True))
    assert run.stage == "closed" and End("tampered") in run.last
