"""The officer's journey that clears a tamper latch: it starts when an officer's card goes into a kiosk locked by an
opening during a journey; card read -> PIN (checked against the kiosk's officer list, strikes kept per holder) ->
AckTamper on the co-processor. Cleared: the kiosk is back in service once the card is taken. Refused because the
case is still open: the kiosk stays out of service and says so ("tamper_open") until the card is taken."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from kiosk.flows.effects import AckTamper, Audit, Beep, Light, PersistAttempts, ReadCard
from kiosk.flows.events import (
    DeviceFailed,
    OfficerVerified,
    TamperCleared,
)
from kiosk.flows.machine import Flow, JourneyState, Stage, Step
from kiosk.flows.officer_signin import PIN_MAX_DIGITS, card_and_pin


@dataclass(frozen=True, kw_only=True)
class ClearTamper(JourneyState):
    officer_holder: str = ""
    officer_id: str = ""


STAGES: dict[str, Stage] = {
    "officer_insert": Stage("insert_card", "user"),
    "officer_reading": Stage("reading_card", "machine", card="held", device="card", timeout="card_read_s"),
    "officer_pin": Stage("passcode", "user", card="held", keypad=PIN_MAX_DIGITS),
    "officer_checking": Stage("working", "machine", card="held", device="store", timeout="store_s"),
    "clearing": Stage("working", "machine", device="coproc", timeout="coproc_s"),
    "cleared": Stage("remove_card", "user", card="done", idle_outcome="done"),
    "still_open": Stage("out_of_service", "user", card="done", idle_outcome="done"),
}


def opening(flow: Flow[ClearTamper], state: ClearTamper, now: float) -> Step[ClearTamper]:
    """The journey starts on an inserted card: read it (or, if it went already, ask for it again)."""
    if state.card_in:
        return flow.go(state, "officer_reading", now, ReadCard())
    return flow.go(state, "officer_insert", now, Light("card_slot", True))


def handle(flow: Flow[ClearTamper], state: ClearTamper, event: object, now: float) -> Step[ClearTamper] | None:
    if (signing_in := card_and_pin(flow, state, event, now)) is not None:
        return signing_in
    match state.stage, event:
        case "officer_checking", OfficerVerified(officer_id=oid):
            book = state.ctx.attempts.succeed(state.officer_holder, "pin")
            signed = replace(state, officer_id=oid, ctx=replace(state.ctx, attempts=book))
            audit = Audit("officer_signed_in", {"officer": state.officer_holder[:16], "method": "card"})
            return flow.go(signed, "clearing", now, audit, PersistAttempts(book), AckTamper())
        case "clearing", TamperCleared():
            audit = Audit("tamper_cleared", {"officer": state.officer_holder[:16]})
            if not state.card_in:
                return flow.finish(state, "cleared", audit, Beep("success"))
            return flow.go(state, "cleared", now, audit, Beep("success"))
        case "clearing", DeviceFailed(device="coproc", reason="still_open"):
            audit = Audit("tamper_clear_refused", {"officer": state.officer_holder[:16], "reason": "still_open"})
            if not state.card_in:
                return flow.finish(state, "still_open", audit, Beep("error"))
            return flow.go(state, "still_open", now, audit, Beep("error"))
    return None


def data(state: ClearTamper, now: float) -> Mapping[str, object]:
    match state.stage:
        case "officer_insert" | "officer_reading":
            return {"who": "officer"}
        case "officer_pin":
            return {"purpose": "officer_pin"}
        case "officer_checking" | "clearing":
            return {"task": "officer_check"}
        case "cleared":
            return {"who": "officer"}
        case "still_open":
            return {"reason": "tamper_open"}
    return {}


FLOW: Flow[ClearTamper] = Flow(
    "clear_tamper", ClearTamper, STAGES, first="officer_insert", handle=handle, data=data, opening=opening
)
