"""The pure rules under the journeys: passcodes, the attempt book, capabilities, and the home menu."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.flows import home
from kiosk.flows.attempts import AttemptBook, holder_key
from kiosk.flows.context import DeviceStatus, capabilities
from kiosk.flows.effects import StartJourney
from kiosk.flows.events import CapabilitiesChanged, Tapped, Tick, Touched
from kiosk.flows.passcode import PasscodeRules, longest_repeat, longest_run, personal_patterns, problem

RULES = PasscodeRules()


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("13572468", None),
        ("12312312", None),  # runs of three are allowed (max_run = 3)
        ("11223344", None),  # pairs are allowed (max_repeat = 2)
        ("98798798", None),
        ("12345678", "sequence"),
        ("87654321", "sequence"),
        ("90123456", "sequence"),
        ("55123455", "sequence"),  # "1234" inside
        ("13579876", "sequence"),  # "9876" descending inside
        ("11111111", "repeat"),
        ("13577724", "repeat"),  # "777"
        ("1234", "length"),
        ("135724680", "length"),
        ("1357246a", "digits"),
        ("１３５７２４６８", "digits"),  # full-width digits are not ASCII digits
        ("17051980", "personal"),  # birth date DDMMYYYY (CE)
        ("17052523", "personal"),  # birth date in the Buddhist era
    ],
)
def test_passcode_examples(code: str, why: str | None) -> None:
    assert problem(code, RULES, personal_patterns(date(1980, 5, 17))) == why


def test_passcode_limits_are_configuration() -> None:
    loose = PasscodeRules(length=6, max_run=4, max_repeat=3)
    assert problem("123491", loose) is None
    assert problem("123451", loose) == "sequence"
    assert problem("111923", loose) is None
    assert problem("111192", loose) == "repeat"
    assert problem("12349", loose) == "length"


def test_run_and_repeat_measures() -> None:
    assert longest_run("9123456") == 6
    assert longest_run("97531") == 1
    assert longest_run("") == 0
    assert longest_repeat("1222345") == 3
    assert longest_repeat("1") == 1


def test_holder_key_is_keyed_and_stable() -> None:
    a = holder_key("1101700203450", b"kiosk-secret-1")
    assert a == holder_key("1101700203450", b"kiosk-secret-1")
    assert a != holder_key("1101700203450", b"kiosk-secret-2")
    assert "1101700203450" not in a and len(a) == 32


def test_attempt_book_locks_at_the_limit_until_expiry() -> None:
    book = AttemptBook()
    for t in (0.0, 10.0):
        book = book.fail("h", "face", t, limit=3, lockout_s=900)
        assert not book.locked("h", "face", t)
    assert book.remaining("h", "face", 10.0, limit=3, window_s=900) == 1
    book = book.fail("h", "face", 20.0, limit=3, lockout_s=900)
    assert book.locked("h", "face", 20.0) and book.locked("h", "face", 919.9)
    assert not book.locked("h", "face", 920.0)
    assert book.remaining("h", "face", 920.0, limit=3, window_s=900) == 3
    assert not book.locked("other", "face", 20.0) and not book.locked("h", "finger", 20.0)


def test_attempt_book_forgets_old_failures_and_success_clears() -> None:
    book = AttemptBook().fail("h", "passcode", 0.0, limit=3, lockout_s=100)
    book = book.fail("h", "passcode", 150.0, limit=3, lockout_s=100)  # the first is outside the window
    assert book.failures("h", "passcode", 150.0, 100) == 1
    assert book.succeed("h", "passcode").failures("h", "passcode", 150.0, 100) == 0
    assert book.pruned(1000.0, 100).entries == ()


@pytest.mark.parametrize(
    ("status", "has", "lacks"),
    [
        (DeviceStatus(), {"thaid", "extract", "booking", "own_data", "print", "finger"}, {"thaid_officer"}),
        (DeviceStatus(printer="paper_out"), {"thaid", "booking"}, {"extract", "print"}),
        (DeviceStatus(printer="near_end"), {"extract", "print"}, set()),
        (DeviceStatus(printer="cover_open"), set(), {"extract"}),
        (DeviceStatus(camera=False), {"extract", "booking"}, {"thaid", "own_data"}),  # extract by fingerprint
        (DeviceStatus(camera=False), {"booking"}, set()),  # the holder verified by fingerprint
        (DeviceStatus(camera=False, finger=False), set(), {"booking", "extract", "thaid"}),  # no one to verify
        (DeviceStatus(registry=False, field_kit=True), {"thaid_officer"}, {"thaid", "extract", "booking"}),
        (DeviceStatus(seal=False), {"thaid"}, {"extract"}),
        (DeviceStatus(card=False), set(), {"thaid", "extract", "booking", "own_data"}),
        (DeviceStatus(tampered=True), set(), {"thaid", "extract", "booking", "own_data", "print"}),
        (DeviceStatus(store=False), set(), {"thaid", "booking"}),
    ],
)
def test_capabilities_offer_only_what_can_be_completed(status: DeviceStatus, has: set[str], lacks: set[str]) -> None:
    caps = capabilities(status)
    assert has <= caps and not (lacks & caps)


def test_home_menu_offers_capabilities_and_starts_a_journey() -> None:
    state = home.Home()
    assert home.view(state, 0).name == "out_of_service"
    state, _ = home.step(state, Touched(), 0)
    assert state.stage == "attract"  # nothing to offer: stays out of service
    state, _ = home.step(state, CapabilitiesChanged(capabilities(DeviceStatus(printer="paper_out"))), 0)
    state, _ = home.step(state, Tapped("start"), 0)
    state, _ = home.step(state, Tapped("language", "en"), 1)
    screen = home.view(state, 1)
    assert screen.name == "menu" and "extract" in screen.data["disabled"]  # type: ignore[operator]
    state, effects = home.step(state, Tapped("service", "extract"), 2)
    assert effects == [] and home.view(state, 2).data["error"] == "unavailable"
    state, effects = home.step(state, Tapped("service", "booking"), 3)
    assert StartJourney("booking", "en") in effects and state.stage == "attract"


def test_home_returns_to_attract_when_left_alone() -> None:
    state, _ = home.step(home.Home(caps=frozenset({"booking"})), Touched(), 0)
    assert state.stage == "language"
    assert home.step(state, Tick(), 59.9)[0].stage == "language"
    assert home.step(state, Tick(), 60.0)[0].stage == "attract"


def test_stage_tables_are_checked_when_a_journey_is_defined() -> None:
    from dataclasses import dataclass

    from kiosk.flows.machine import DefinitionError, Flow, JourneyState, Stage

    @dataclass(frozen=True, kw_only=True)
    class S(JourneyState):
        pass

    def define(stages: dict[str, Stage], first: str = "a") -> None:
        Flow("t", S, stages, first=first, handle=lambda f, s, e, n: None, data=lambda s, n: {})

    define({"a": Stage("consent", "user")})
    bad = [
        ({"a": Stage("consent", "user")}, "b"),  # first stage undeclared
        ({"a": Stage("working", "machine", device="registry")}, "a"),  # no deadline
        ({"a": Stage("working", "machine", device="registry", timeout="no_such_limit")}, "a"),
        ({"a": Stage("working", "machine", timeout="registry_s")}, "a"),  # no device
        ({"a": Stage("working", "machine", device="x", timeout="registry_s", keypad=4)}, "a"),
        ({"a": Stage("no_such_screen", "user")}, "a"),
    ]
    for stages, first in bad:
        with pytest.raises(DefinitionError):
            define(stages, first)
