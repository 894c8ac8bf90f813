"""An officer's card + PIN sign-in, the same in every journey an officer starts (the field kit's enrolment, the tamper
clear): card read -> PIN lockout check -> PIN entry -> CheckOfficerPin -> refusal strikes. The journey's state has
`officer_holder`; what follows a verified officer is the journey's own."""

from __future__ import annotations

from dataclasses import replace

from kiosk.flows.effects import Audit, Beep, CheckOfficerPin, Effect, Light, PersistAttempts, ReadCard
from kiosk.flows.events import CardInserted, CardRead, CardReadFailed, Entered, OfficerRejected
from kiosk.flows.identity import card_failure
from kiosk.flows.machine import Flow, JourneyState, S, Step

PIN_MAX_DIGITS = 8
PIN_MIN_DIGITS = 6  # as at the registry: a 4-digit PIN falls to one core in minutes from a stolen disk


def card_and_pin(flow: Flow[S], state: S, event: object, now: float) -> Step[S] | None:
    """The sign-in's own steps (stages officer_insert, officer_reading, officer_pin); None for anything else."""
    match state.stage, event:
        case "officer_insert", CardInserted():
            return flow.go(state, "officer_reading", now, ReadCard(), Light("card_slot", False))
        case "officer_reading", CardReadFailed(reason=reason):
            outcome, detail = card_failure(reason)
            return flow.abort(state, outcome, now, detail)
        case "officer_reading", CardRead(card=card):
            if state.ctx.attempts.locked(card.holder, "pin", now):
                return flow.abort(state, "locked_out", now, "pin", Audit("locked_out", {"factor": "pin"}))
            return flow.go(state, "officer_pin", now, officer_holder=card.holder)
        case "officer_pin", Entered(digits=pin):
            if len(pin) < PIN_MIN_DIGITS:
                return replace(state, error="length"), [Beep("error")]
            return flow.go(state, "officer_checking", now, CheckOfficerPin(holder_of(state), pin))
        case "officer_checking", OfficerRejected(reason="not_an_officer"):
            return flow.abort(state, "officer_rejected", now, "not_an_officer")
        case "officer_checking", OfficerRejected():
            return pin_refused(flow, state, now)
    return None


def pin_refused(flow: Flow[S], state: S, now: float) -> Step[S]:
    """A wrong PIN is a strike against the card's holder: the next PIN, or the lockout once strikes run out."""
    lim, holder = state.ctx.limits, holder_of(state)
    book = state.ctx.attempts.fail(holder, "pin", now, limit=lim.pin_max_attempts, lockout_s=lim.lockout_s)
    state = replace(state, ctx=replace(state.ctx, attempts=book))
    effects: list[Effect] = [PersistAttempts(book), Audit("officer_pin_failed", {})]
    if book.locked(holder, "pin", now):
        return flow.abort(state, "locked_out", now, "pin", *effects)
    return flow.go(state, "officer_pin", now, *effects, Beep("error"), error="wrong")


def holder_of(state: JourneyState) -> str:
    return str(getattr(state, "officer_holder"))  # noqa: B009 - every signing-in state has it
