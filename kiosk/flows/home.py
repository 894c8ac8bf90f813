"""Between journeys: the attract screen, the language choice and the service menu, which offers only the services
the kiosk can complete now (its capabilities) and hands over to a journey with `StartJourney`.

It also holds the kiosk's lock: while the enclosure is open, or the co-processor holds a tamper latch (the case was
opened during a journey), the kiosk is out of service (reason "tamper") whatever its devices can do. An opening
outside a journey lifts when the case closes; a latch only when an officer clears it: the officer inserts their
officer card at the out-of-service screen, which starts the `clear_tamper` journey (card + PIN, then AckTamper).
The presence sensor wakes the attract screen to the language choice.

A card left in the slot on the attract screen (the menu timed out, or the kiosk restarted with it in) is a previous
person's: the screen asks for it back, the slot's light and a repeated beep with it, and nothing starts until it is
out. A card inserted on the attract screen itself wakes the kiosk as before: it is the person standing there."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from kiosk.flows.context import SERVICES
from kiosk.flows.effects import Audit, Beep, Effect, Light, StartJourney
from kiosk.flows.events import (
    CapabilitiesChanged,
    CardInserted,
    CardRemoved,
    PresenceSensed,
    TamperChanged,
    TamperCleared,
    Tapped,
    Tick,
    Touched,
)
from kiosk.flows.machine import Screen

HomeStage = Literal["attract", "language", "menu"]
LANGUAGES = ("th", "en")


CLEAR_TAMPER = "clear_tamper"  # the officer's journey that clears a tamper latch (not a menu service)


@dataclass(frozen=True)
class Lock:
    """The enclosure as the co-processor last reported it."""

    open: bool = False
    latched: bool = False

    @property
    def locked(self) -> bool:
        return self.open or self.latched


@dataclass(frozen=True)
class Home:
    stage: HomeStage = "attract"
    language: str = "th"
    caps: frozenset[str] = frozenset()
    idle_at: float | None = None
    error: str = ""
    idle_s: float = 60.0  # back to the attract screen after this long without a touch
    lock: Lock = Lock()
    card_in: bool = False
    left_card: bool = False  # the card in the slot is a previous person's: nothing starts until it is out
    remind_at: float | None = None  # the next "take your card" beep while a left card waits
    remind_s: float = 4.0
    fault: str = ""  # why nothing can be offered, when the kiosk knows (the boot-time doctor failed)

    @property
    def card_left(self) -> bool:
        """A previous person's card is in the slot (the attract screen asks for it back)."""
        return self.card_in and self.left_card and not self.lock.locked


def back_to_attract(state: Home) -> Home:
    """The menu is left (timed out, cancelled) or a journey ended: a card still in now belongs to no one here."""
    return replace(state, stage="attract", idle_at=None, error="", left_card=state.card_in, remind_at=None)


def offered(state: Home) -> frozenset[str]:
    """The services the menu can offer now (capabilities also hold abilities such as "print")."""
    return state.caps & frozenset(SERVICES)


def step(state: Home, event: object, now: float) -> tuple[Home, list[Effect]]:
    if isinstance(event, CardRemoved):
        was_left = state.card_left
        state = replace(state, card_in=False, left_card=False, remind_at=None)
        return state, [Light("card_slot", False)] if was_left else []
    if state.card_left and not isinstance(event, CapabilitiesChanged | TamperChanged | TamperCleared):
        if isinstance(event, Tick) and (state.remind_at is None or now >= state.remind_at):
            return replace(state, remind_at=now + state.remind_s), [Light("card_slot", True), Beep("attention")]
        return state, []  # nothing starts until the card is out
    if isinstance(event, CapabilitiesChanged):
        return replace(state, caps=event.caps), []
    if isinstance(event, Tick):
        if state.idle_at is not None and now >= state.idle_at:
            return back_to_attract(state), []
        return state, []
    if isinstance(event, TamperChanged | TamperCleared):
        return _locking(state, event)
    if state.lock.locked:
        if state.lock.latched and isinstance(event, CardInserted):  # an officer's card: see clear_tamper
            return state, [Audit("tamper_clear_started", {}), StartJourney(CLEAR_TAMPER, state.language)]
        return state, []  # out of service: nothing a passer-by does counts
    if isinstance(event, PresenceSensed):
        if state.stage == "attract" and offered(state):
            return replace(state, stage="language", idle_at=now + state.idle_s, error=""), []
        return state, []  # already awake: someone standing there is not a touch
    awake = replace(state, idle_at=now + state.idle_s, error="")
    match state.stage, event:
        case "attract", CardInserted():
            if not offered(state):
                return replace(state, card_in=True), []  # out of service: the card is asked back at once
            return replace(awake, stage="language", card_in=True), []
        case "attract", Tapped() | Touched():
            if not offered(state):
                return state, []  # out of service: nothing to offer
            return replace(awake, stage="language"), []
        case "language", Tapped(action="language", value=lang) if lang in LANGUAGES:
            return replace(awake, stage="menu", language=lang), []
        case "menu", Tapped(action="service", value=service) if service in state.caps and service in SERVICES:
            effects: list[Effect] = [
                Audit("service_chosen", {"service": service}),
                StartJourney(service, state.language),
            ]
            return replace(state, stage="attract", idle_at=None, error=""), effects
        case "menu", Tapped(action="service"):
            return replace(awake, error="unavailable"), []
        case "menu", Tapped(action="back"):
            return replace(awake, stage="language"), []
        case "language" | "menu", Tapped(action="cancel"):
            return back_to_attract(state), []
        case "language" | "menu", CardInserted():
            return replace(awake, card_in=True), []
        case "language" | "menu", Tapped() | Touched():
            return awake, []
    return state, []


def _locking(state: Home, event: TamperChanged | TamperCleared) -> tuple[Home, list[Effect]]:
    if isinstance(event, TamperCleared):
        lock = Lock(open=state.lock.open)
    else:
        lock = Lock(open=event.open, latched=event.latched)
    effects: list[Effect] = []
    if lock.locked != state.lock.locked:
        effects.append(Audit("out_of_service" if lock.locked else "back_in_service", {"reason": "tamper"}))
    if lock.latched and not state.lock.latched:
        effects.append(Audit("tamper_latched", {}))
    if lock.locked:
        return replace(state, lock=lock, stage="attract", idle_at=None, error=""), effects
    return replace(state, lock=lock), effects


def view(state: Home, now: float) -> Screen:
    if state.lock.locked:
        return Screen("out_of_service", {"reason": "tamper"})
    if state.card_left:
        return Screen("remove_card", {"who": "citizen"})
    if state.stage == "attract":
        if offered(state):
            return Screen("attract", {})
        return Screen("out_of_service", {"reason": "start_check" if state.fault else "maintenance"})
    if state.stage == "language":
        return Screen("language", {"languages": list(LANGUAGES)})
    # The officer's service is listed only on a field kit; anything else the kiosk cannot do now is greyed out.
    services = [s for s in SERVICES if s != "thaid_officer" or s in state.caps]
    disabled = [s for s in services if s not in state.caps]
    data: dict[str, object] = {"services": services, "disabled": disabled}
    if state.error:
        data["error"] = state.error
    return Screen("menu", data)
