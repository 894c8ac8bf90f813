"""Officer-assisted ThaiD enrolment on the field kit, fully offline: the officer signs in (own card + PIN, or
fingerprint), then for each citizen: check the card -> the citizen types the 13-digit ID (must equal the card's) ->
consent -> index-finger capture with quality feedback -> the enrolment goes into the outbox -> the kit signs a
one-time activation QR shown on the officer's screen. The officer stays signed in for the next citizen until they
sign out or the kit is left idle; everything about one citizen is wiped before the next."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from kiosk.flows.effects import (
    Audit,
    Beep,
    CaptureFinger,
    Effect,
    Enrolment,
    Forget,
    IdentifyOfficerFinger,
    IssueActivation,
    Light,
    PersistAttempts,
    ReadCard,
    Submit,
)
from kiosk.flows.events import (
    Activation,
    ActivationIssued,
    CardInserted,
    CardRead,
    CardReadFailed,
    CardRemoved,
    DeviceFailed,
    Entered,
    Expired,
    FingerCaptured,
    FingerHint,
    OfficerRejected,
    OfficerVerified,
    Queued,
    Tapped,
)
from kiosk.flows.identity import FINGER_TRY_FAILURES, IdentityState, card_data
from kiosk.flows.machine import Flow, Stage, Step
from kiosk.flows.officer_signin import PIN_MAX_DIGITS, card_and_pin
from kiosk.flows.screens import CARD_REASONS, activation_data
from kiosk.flows.sync_limit import opening

CONSENT_VERSION = "thaid-enrol-officer-2026-1"


def officer_ref(state: OfficerEnrol) -> str:
    """How audit lines name the officer: their card's holder hash (an officer ID may be a citizen ID), or the
    sensor sign-in."""
    return state.officer_holder[:16] if state.officer_holder else "finger-sign-in"


def citizen_id_valid(cid: str) -> bool:
    """13 digits whose last is the check digit: (11 - sum(d[i] * (13 - i)) % 11) % 10."""
    if len(cid) != 13 or not cid.isascii() or not cid.isdigit():
        return False
    s = sum(int(cid[i]) * (13 - i) for i in range(12))
    return (11 - s % 11) % 10 == int(cid[12])


@dataclass(frozen=True, kw_only=True)
class OfficerEnrol(IdentityState):
    officer_holder: str = ""
    officer_id: str = ""
    officer_name: str = ""
    finger_fails: int = 0  # officer fingerprint sign-in failures (no holder is known to key them by)
    cid_fails: int = 0
    enrol_fails: int = 0
    consent_at: datetime | None = None
    finger_handle: str = ""
    op_id: str = ""
    activation: Activation | None = None
    enrolled: int = 0  # citizens enrolled in this session


STAGES: dict[str, Stage] = {
    "officer_signin": Stage("officer_signin", "user"),
    "officer_insert": Stage("insert_card", "user"),
    "officer_reading": Stage("reading_card", "machine", card="held", device="card", timeout="card_read_s"),
    "officer_pin": Stage("passcode", "user", card="held", keypad=PIN_MAX_DIGITS),
    "officer_checking": Stage("working", "machine", card="held", device="store", timeout="store_s"),
    "officer_finger": Stage("finger", "machine", device="finger", timeout="finger_s"),
    "officer_remove": Stage("remove_card", "user"),
    # From here the card rule is the journey's own: a citizen's card pulled ends that citizen, not the session.
    "citizen_insert": Stage("insert_card", "user"),
    "citizen_reading": Stage("reading_card", "machine", device="card", timeout="card_read_s"),
    "check_card": Stage("card_data", "user"),
    "type_cid": Stage("citizen_id_entry", "user", keypad=13, masked=False),
    "consent": Stage("consent", "user"),
    "finger_capture": Stage("finger", "machine", device="finger", timeout="finger_s"),
    "finger_retry": Stage("error", "user"),
    # Worn fingers (elderly manual workers): the officer, who has checked the card and its photo against the
    # person, may attest the identity instead; the enrolment then goes without a template.
    "finger_attest": Stage("card_data", "user"),
    "enrol_queue": Stage("working", "machine", device="store", timeout="store_s"),
    "issuing": Stage("working", "machine", device="seal", timeout="store_s"),
    "officer_qr": Stage("activation_qr", "user"),
    "citizen_remove": Stage("remove_card", "user"),
}
CITIZEN_STAGES = frozenset(
    {"citizen_reading", "check_card", "type_cid", "consent", "finger_capture", "finger_retry", "finger_attest"}
)


def handle(flow: Flow[OfficerEnrol], state: OfficerEnrol, event: object, now: float) -> Step[OfficerEnrol] | None:
    if isinstance(event, CardRemoved) and state.stage in CITIZEN_STAGES:
        return next_citizen(flow, state, now, "card_removed")
    if isinstance(event, Tapped) and event.action == "sign_out" and state.officer_id:
        return flow.finish(state, "signed_out")
    if state.stage.startswith("officer_") and state.stage != "officer_qr":
        return _sign_in(flow, state, event, now)
    return _citizen(flow, state, event, now)


def _sign_in(flow: Flow[OfficerEnrol], state: OfficerEnrol, event: object, now: float) -> Step[OfficerEnrol] | None:
    if (signing_in := card_and_pin(flow, state, event, now)) is not None:
        return signing_in
    match state.stage, event:
        case "officer_signin", Tapped(action="sign_in", value="card"):
            if state.card_in:
                return flow.go(state, "officer_reading", now, ReadCard())
            return flow.go(state, "officer_insert", now, Light("card_slot", True))
        case "officer_signin", Tapped(action="sign_in", value="finger"):
            return flow.go(state, "officer_finger", now, IdentifyOfficerFinger(), Light("finger", True), hint="place")
        case "officer_checking" | "officer_finger", OfficerVerified(officer_id=oid, name=name):
            book = state.ctx.attempts
            if state.officer_holder:
                book = book.succeed(state.officer_holder, "pin")
            signed = replace(state, officer_id=oid, officer_name=name, ctx=replace(state.ctx, attempts=book))
            stage = "officer_remove" if state.card_in else "citizen_insert"
            method = "card" if state.officer_holder else "finger"
            audit = Audit("officer_signed_in", {"officer": officer_ref(signed), "method": method})
            return flow.go(signed, stage, now, audit, PersistAttempts(book), Light("finger", False))
        case "officer_finger", FingerHint(hint=hint):
            return replace(state, hint=hint), []
        case "officer_finger", OfficerRejected():
            return _officer_finger_failed(flow, state, now)
        case "officer_finger", DeviceFailed(device="finger", reason=reason) if reason in FINGER_TRY_FAILURES:
            return _officer_finger_failed(flow, state, now)
        case "officer_finger", Expired():
            return _officer_finger_failed(flow, state, now)
        case "officer_remove", CardRemoved():
            return flow.go(state, "citizen_insert", now, Light("card_slot", True))
    return None


def _officer_finger_failed(flow: Flow[OfficerEnrol], state: OfficerEnrol, now: float) -> Step[OfficerEnrol]:
    fails = state.finger_fails + 1
    if fails >= state.ctx.limits.finger_max_attempts:
        return flow.abort(state, "officer_rejected", now, "finger")
    return flow.go(state, "officer_signin", now, Light("finger", False), finger_fails=fails, error="no_match")


def _citizen(flow: Flow[OfficerEnrol], state: OfficerEnrol, event: object, now: float) -> Step[OfficerEnrol] | None:
    lim = state.ctx.limits
    match state.stage, event:
        case "citizen_insert", CardInserted():
            return flow.go(state, "citizen_reading", now, ReadCard(), Light("card_slot", False))
        case "citizen_reading", CardReadFailed(reason=reason):
            return next_citizen(flow, state, now, CARD_REASONS.get(reason, "card_unreadable"))
        case "citizen_reading", CardRead(card=card):
            if card.holder == state.officer_holder:
                return next_citizen(flow, state, now, "wrong_card")
            if lim.reject_expired and card.expiry is not None and card.expiry < state.ctx.today(now):
                return next_citizen(flow, state, now, "card_expired")
            return flow.go(state, "check_card", now, card=card)
        case "check_card", Tapped(action="confirm"):
            return flow.go(state, "type_cid", now)
        case "check_card", Tapped(action="reject"):
            return next_citizen(flow, state, now, "card_rejected")
        case "type_cid", Entered(digits=cid):
            return _typed_cid(flow, state, cid, now)
        case "consent", Tapped(action="accept"):
            audit = Audit("consent_given", {"purpose": "thaid_officer", "version": CONSENT_VERSION})
            consent_at = state.ctx.clock.at(now)
            return flow.go(state, "finger_capture", now, audit, CaptureFinger(), consent_at=consent_at, hint="place")
        case "consent", Tapped(action="decline"):
            return next_citizen(flow, state, now, "declined")
        case "finger_capture", FingerHint(hint=hint):
            return replace(state, hint=hint), []
        case "finger_capture", FingerCaptured(handle=handle, quality=quality):
            audit = Audit("finger_captured", {"quality": str(quality)})
            return _queue(flow, replace(state, finger_handle=handle), now, audit)
        case "finger_attest", Tapped(action="confirm"):
            return _queue(flow, state, now, Audit("finger_fallback", {"by": "officer_attestation"}))
        case "finger_attest", Tapped(action="reject"):
            return next_citizen(flow, state, now, "finger_worn")
        case "finger_capture", DeviceFailed(device="finger", reason=reason) if reason in FINGER_TRY_FAILURES:
            return _capture_failed(flow, state, now, reason)
        case "finger_capture", Expired():
            return _capture_failed(flow, state, now, "timeout")
        case "finger_retry", Tapped(action="retry"):
            return flow.go(state, "finger_capture", now, CaptureFinger(), hint="place")
        case "finger_retry", Tapped(action="done"):
            return next_citizen(flow, state, now, "finger_worn")
        case "enrol_queue", Queued(op_id=op_id):
            assert state.card is not None
            return flow.go(state, "issuing", now, IssueActivation(op_id, state.card.citizen_id), op_id=op_id)
        case "issuing", ActivationIssued(activation=activation):
            audit = Audit("enrolled", {"method": "officer", "officer": officer_ref(state), "queued": state.op_id})
            return flow.go(state, "officer_qr", now, audit, Beep("success"), activation=activation)
        case "officer_qr", Tapped(action="done"):
            return next_citizen(flow, replace(state, enrolled=state.enrolled + 1), now, "")
        case "citizen_remove", CardRemoved():
            return flow.go(state, "citizen_insert", now, Light("card_slot", True))
    return None


def _typed_cid(flow: Flow[OfficerEnrol], state: OfficerEnrol, cid: str, now: float) -> Step[OfficerEnrol]:
    assert state.card is not None
    if not citizen_id_valid(cid):
        return replace(state, error="check_digit"), [Beep("error")]
    if cid == state.card.citizen_id:
        return flow.go(state, "consent", now)
    fails = state.cid_fails + 1
    if fails >= state.ctx.limits.cid_max_attempts:
        return next_citizen(flow, state, now, "cid_mismatch")
    return replace(state, cid_fails=fails, error="cid_mismatch"), [Audit("cid_mismatch", {}), Beep("error")]


def _queue(flow: Flow[OfficerEnrol], state: OfficerEnrol, now: float, *effects: Effect) -> Step[OfficerEnrol]:
    """The enrolment into the outbox (with the template's handle, or none when the officer attested)."""
    assert state.card is not None and state.consent_at is not None
    op = Enrolment(
        state.card.citizen_id,
        state.card.holder,
        "officer",
        state.consent_at,
        finger_handle=state.finger_handle,
        officer_id=state.officer_id,
    )
    return flow.go(state, "enrol_queue", now, *effects, Submit(op, online=False))


def _capture_failed(flow: Flow[OfficerEnrol], state: OfficerEnrol, now: float, reason: str) -> Step[OfficerEnrol]:
    fails = state.enrol_fails + 1
    audit = Audit("finger_capture_failed", {"reason": reason, "try": str(fails)})
    if fails >= state.ctx.limits.finger_max_attempts:
        return flow.go(state, "finger_attest", now, audit, Beep("error"), enrol_fails=fails)
    return flow.go(state, "finger_retry", now, audit, Beep("error"), enrol_fails=fails, error=reason)


def next_citizen(
    flow: Flow[OfficerEnrol], state: OfficerEnrol, now: float, outcome: str, *effects: Effect
) -> Step[OfficerEnrol]:
    """Wipe everything about this citizen, keep the officer signed in, and wait for the next card."""
    fresh = OfficerEnrol(
        stage=state.stage,
        ctx=state.ctx,
        card_in=state.card_in,
        officer_holder=state.officer_holder,
        officer_id=state.officer_id,
        officer_name=state.officer_name,
        enrolled=state.enrolled,
    )
    stage = "citizen_remove" if state.card_in else "citizen_insert"
    audit = Audit("citizen_ended", {"outcome": outcome or "enrolled", "officer": officer_ref(state)})
    return flow.go(fresh, stage, now, *effects, Forget(), audit, error=outcome)


def data(state: OfficerEnrol, now: float) -> Mapping[str, object]:
    lim = state.ctx.limits
    match state.stage:
        case "officer_signin":
            return {"methods": ["card", "finger"]}
        case "officer_insert" | "officer_reading" | "officer_remove":
            return {"who": "officer"}
        case "officer_pin":
            return {"purpose": "officer_pin"}
        case "officer_checking":
            return {"task": "matching"}
        case "officer_finger":
            return {"finger": "right_index", "hint": state.hint, "purpose": "officer"}
        case "citizen_insert":
            return {"who": "citizen", "signed_in": True, "enrolled": state.enrolled}
        case "citizen_reading" | "citizen_remove":
            return {"who": "citizen"}
        case "check_card" if state.card is not None:
            return {**card_data(state.card), "officer": True}
        case "finger_attest" if state.card is not None:
            return {**card_data(state.card), "officer": True, "attest": True}
        case "type_cid":
            return {"attempts_left": lim.cid_max_attempts - state.cid_fails}
        case "consent":
            return {"service": "thaid_officer", "version": CONSENT_VERSION}
        case "finger_capture":
            most = lim.finger_max_attempts
            return {"finger": "right_index", "hint": state.hint, "attempt": state.enrol_fails + 1, "max_attempts": most}
        case "finger_retry":
            left = lim.finger_max_attempts - state.enrol_fails
            return {"reason": "finger_worn", "retry": True, "attempts_left": left}
        case "enrol_queue" | "issuing":
            return {"task": "sending"}
        case "officer_qr" if state.activation is not None:
            return {**activation_data(state.activation, state.ctx.clock.at(now)), "offline": True}
    return {}


# The journey's steps as the person sees them ("Step 2 of 5"), each with the stages it covers.
STEPS: tuple[tuple[str, ...], ...] = (
    (
        "officer_signin",
        "officer_insert",
        "officer_reading",
        "officer_pin",
        "officer_checking",
        "officer_finger",
        "officer_remove",
    ),
    (
        "citizen_insert",
        "citizen_reading",
        "check_card",
        "type_cid",
    ),
    ("consent",),
    (
        "finger_capture",
        "finger_retry",
        "finger_attest",
    ),
    (
        "enrol_queue",
        "issuing",
        "officer_qr",
        "citizen_remove",
    ),
)
FLOW: Flow[OfficerEnrol] = Flow(
    "thaid_officer",
    OfficerEnrol,
    STAGES,
    first="officer_signin",
    handle=handle,
    data=data,
    steps=STEPS,
    opening=opening,
)
start = FLOW.start
step = FLOW.step
view = FLOW.view
