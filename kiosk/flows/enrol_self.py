"""Self-service ThaiD enrolment: consent -> card -> check the data -> face, liveness, match -> passcode twice ->
consent confirmed by the passcode -> the registry enrols -> one-time activation QR (with its expiry) -> optional
receipt. Needs the registry online: the activation code is the registry's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from kiosk.flows.context import PRINT
from kiosk.flows.effects import Audit, Beep, Document, Effect, Enrolment, PersistAttempts, Print, Submit, VoidPrint
from kiosk.flows.events import (
    Activation,
    EnrolAccepted,
    Entered,
    PrintConfirmed,
    PrintFailed,
    PrintProgress,
    PrintSent,
    Tapped,
    Tick,
)
from kiosk.flows.identity import (
    CARD_STAGES,
    FACE_STAGES,
    IdentityState,
    ask_for_card,
    begin_verify,
    card_data,
    handle_card,
    handle_verify,
    identity_data,
)
from kiosk.flows.machine import Flow, Stage, Step
from kiosk.flows.passcode import personal_patterns, problem
from kiosk.flows.screens import activation_data
from kiosk.flows.sync_limit import opening
from kiosk.text.numbers import mask_citizen_id

CONSENT_VERSION = "thaid-enrol-2026-1"


@dataclass(frozen=True, kw_only=True)
class EnrolSelf(IdentityState):
    passcode: str = field(default="", repr=False)
    mismatches: int = 0
    consent_at: datetime | None = None
    activation: Activation | None = None
    print_progress: float | None = None  # of the receipt printing now, once the printer reports it


STAGES: dict[str, Stage] = {
    "consent": Stage("consent", "user"),
    **CARD_STAGES,
    "check_data": Stage("card_data", "user", card="held"),
    **FACE_STAGES,
    "passcode_set": Stage("passcode", "user", card="held", keypad="passcode"),
    "passcode_confirm": Stage("passcode", "user", card="held", keypad="passcode"),
    "consent_confirm": Stage("passcode", "user", card="held", keypad="passcode"),
    "enrolling": Stage("working", "machine", card="held", device="registry", timeout="registry_s"),
    "activation_qr": Stage("activation_qr", "user", card="done", idle_outcome="done"),
    "receipt_printing": Stage("printing", "machine", device="printer", timeout="print_s"),
}


def _after_card(flow: Flow[EnrolSelf], state: EnrolSelf, now: float) -> Step[EnrolSelf]:
    return flow.go(state, "check_data", now)


def _after_face(flow: Flow[EnrolSelf], state: EnrolSelf, now: float) -> Step[EnrolSelf]:
    return flow.go(state, "passcode_set", now, passcode="", mismatches=0)


def handle(flow: Flow[EnrolSelf], state: EnrolSelf, event: object, now: float) -> Step[EnrolSelf] | None:
    found = handle_card(flow, state, event, now, then=_after_card, locked_factors=("passcode",))
    if found is None:
        found = handle_verify(flow, state, event, now, then=_after_face, on_face_locked="locked_out")
    if found is not None:
        return found
    lim = state.ctx.limits
    match state.stage, event:
        case "consent", Tapped(action="accept"):
            state = replace(state, consent_at=state.ctx.clock.at(now))
            new, effects = ask_for_card(flow, state, now)
            return new, [Audit("consent_given", {"purpose": "thaid", "version": CONSENT_VERSION}), *effects]
        case "consent", Tapped(action="decline"):
            return flow.abort(state, "declined", now)
        case "check_data", Tapped(action="confirm"):
            return begin_verify(flow, state, now, on_face_locked="locked_out")
        case "check_data", Tapped(action="reject"):
            return flow.abort(state, "refer_officer", now, "card_data")
        case "passcode_set", Entered(digits=code):
            assert state.card is not None
            why = problem(code, lim.passcode, personal_patterns(state.card.birth_date))
            if why is not None:
                return replace(state, error=why), [Beep("error")]
            return flow.go(state, "passcode_confirm", now, passcode=code)
        case "passcode_confirm", Entered(digits=code):
            if code == state.passcode:
                return flow.go(state, "consent_confirm", now)
            mismatches = state.mismatches + 1
            if mismatches >= lim.passcode.max_attempts:
                return flow.abort(state, "passcode_failed", now)
            return flow.go(
                state, "passcode_set", now, Beep("error"), passcode="", mismatches=mismatches, error="mismatch"
            )
        case "consent_confirm", Entered(digits=code):
            return _confirm_consent(flow, state, code, now)
        case "enrolling", EnrolAccepted(activation=activation):
            return flow.go(state, "activation_qr", now, Audit("enrolled", {"method": "self"}), activation=activation)
        case "activation_qr", Tapped(action="receipt") if PRINT in state.ctx.caps:
            return flow.go(state, "receipt_printing", now, Print(_receipt(state)), print_progress=None)
        case "activation_qr", Tapped(action="done"):
            return flow.finish(state, "done")
        case "activation_qr", Tick() if state.activation and state.ctx.clock.at(now) >= state.activation.expires_at:
            return flow.finish(state, "activation_expired")
        case "receipt_printing", PrintSent():
            return state, []
        case "receipt_printing", PrintProgress(fraction=fraction):
            return replace(state, print_progress=fraction), []
        case "receipt_printing", PrintConfirmed():
            return flow.finish(state, "done")
        case "receipt_printing", PrintFailed(job_id=job, reason=reason):
            return flow.abort(state, "device_error", now, f"printer:{reason}", VoidPrint(job, reason))
    return None


def _confirm_consent(flow: Flow[EnrolSelf], state: EnrolSelf, code: str, now: float) -> Step[EnrolSelf]:
    assert state.card is not None and state.consent_at is not None
    lim = state.ctx.limits
    holder = state.card.holder
    if code == state.passcode:
        op = Enrolment(state.card.citizen_id, holder, "self", state.consent_at, passcode=state.passcode)
        book = state.ctx.attempts.succeed(holder, "passcode")
        state = replace(state, ctx=replace(state.ctx, attempts=book))
        audit = Audit("consent_confirmed", {"purpose": "thaid", "version": CONSENT_VERSION})
        return flow.go(state, "enrolling", now, audit, Submit(op, online=True))
    book = state.ctx.attempts.fail(holder, "passcode", now, limit=lim.passcode.max_attempts, lockout_s=lim.lockout_s)
    state = replace(state, ctx=replace(state.ctx, attempts=book))
    effects: list[Effect] = [PersistAttempts(book), Audit("passcode_failed", {})]
    if book.locked(holder, "passcode", now):
        return flow.abort(state, "locked_out", now, "passcode", *effects)
    return replace(state, error="wrong"), [*effects, Beep("error")]


def _receipt(state: EnrolSelf) -> Document:
    assert state.card is not None and state.activation is not None
    facts = (
        ("reference", state.activation.reference),
        ("citizen_id_masked", mask_citizen_id(state.card.citizen_id)),
        ("expires_at", state.activation.expires_at.isoformat()),
    )
    lines = (("reference", state.activation.reference), ("name", state.card.name_th))
    return Document(
        "receipt",
        "ThaiD enrolment / ลงทะเบียน ThaiD",
        lines,
        qr=state.activation.qr,  # the activation QR again: the citizen may activate from the paper until it expires
        facts=facts,
        language=state.ctx.document_language,
        card_in_slot=state.card_in,
    )


def data(state: EnrolSelf, now: float) -> Mapping[str, object]:
    lim = state.ctx.limits
    match state.stage:
        case "consent":
            return {"service": "thaid", "version": CONSENT_VERSION}
        case "check_data" if state.card is not None:
            return card_data(state.card)
        case "passcode_set":
            rules = lim.passcode
            return {
                "purpose": "set",
                "rules": {"length": rules.length, "max_run": rules.max_run, "max_repeat": rules.max_repeat},
            }
        case "passcode_confirm":
            return {"purpose": "confirm"}
        case "consent_confirm" if state.card is not None:
            left = state.ctx.attempts.remaining(
                state.card.holder, "passcode", now, limit=lim.passcode.max_attempts, window_s=lim.lockout_s
            )
            return {"purpose": "consent", "attempts_left": left}
        case "enrolling":
            return {"task": "sending"}
        case "activation_qr" if state.activation is not None:
            return {**activation_data(state.activation, state.ctx.clock.at(now)), "receipt": PRINT in state.ctx.caps}
        case "receipt_printing":
            shown = {"document": "receipt"}
            return shown if state.print_progress is None else {**shown, "progress": state.print_progress}
    return identity_data(state, now)


# The journey's steps as the person sees them ("Step 2 of 5"), each with the stages it covers.
STEPS: tuple[tuple[str, ...], ...] = (
    ("consent",),
    (
        "insert_card",
        "reading",
        "check_data",
    ),
    (
        "face_capture",
        "liveness",
        "face_match",
        "face_retry",
    ),
    (
        "passcode_set",
        "passcode_confirm",
        "consent_confirm",
    ),
    (
        "enrolling",
        "activation_qr",
        "receipt_printing",
    ),
)
FLOW: Flow[EnrolSelf] = Flow(
    "thaid", EnrolSelf, STAGES, first="consent", handle=handle, data=data, steps=STEPS, opening=opening
)
start = FLOW.start
step = FLOW.step
view = FLOW.view
