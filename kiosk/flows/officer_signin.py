"""An officer's card + PIN sign-in, the same in every journey an officer starts (the field kit's enrolment, the tamper
clear): card read -> PIN lockout check -> PIN entry -> CheckOfficerPin. The journey's state has `officer_holder`."""

from __future__ import annotations

from dataclasses import replace

from kiosk.flows.effects import Audit, Beep, CheckOfficerPin, Light, ReadCard
from kiosk.flows.events import CardInserted, CardRead, CardReadFailed, Entered
from kiosk.flows.identity import card_failure
from kiosk.flows.machine import Flow, S, Step

PIN_MAX_DIGITS = 8
PIN_MIN_DIGITS = 4


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
            holder = str(getattr(state, "officer_holder"))  # noqa: B009 - every signing-in state has it
            return flow.go(state, "officer_checking", now, CheckOfficerPin(holder, pin))
    return None
