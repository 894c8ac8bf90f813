"""The steps journeys share to learn who is at the kiosk: insert and read the card (refusing expired cards and locked
holders), then verify the person against it: face capture with guidance, the liveness challenge, the match with the
chip portrait, and where allowed the fingerprint as the second way in. Failures count in the attempt book."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

from kiosk.flows.context import FINGER
from kiosk.flows.effects import (
    Audit,
    Beep,
    CaptureFace,
    Effect,
    Light,
    MatchFace,
    PersistAttempts,
    ProvePresence,
    ReadCard,
    StartLiveness,
    VerifyFinger,
)
from kiosk.flows.events import (
    CardGreeting,
    CardInfo,
    CardInserted,
    CardRead,
    CardReadFailed,
    DeviceFailed,
    Expired,
    FaceCaptured,
    FaceHint,
    FaceMatched,
    FingerHint,
    FingerMatched,
    LivenessDone,
    LivenessPrompt,
    Tapped,
)
from kiosk.flows.machine import Flow, JourneyState, Stage, Step
from kiosk.text.numbers import mask_citizen_id


@dataclass(frozen=True, kw_only=True)
class IdentityState(JourneyState):
    card: CardInfo | None = None
    hint: str = ""  # the latest face or finger guidance
    prompt: str = ""  # the liveness action asked for now
    verified_by: str = ""  # "face" | "finger" once verified
    greeting: str = ""  # the holder's title and first name, in the journey's language, while the card is read


J = TypeVar("J", bound=IdentityState)
Next = Callable[[Flow[J], J, float], Step[J]]
OnFaceLocked = Literal["locked_out", "finger_or_refer"]

# Sensor answers that mean "a bad try", not "a broken sensor": they count as a failed attempt (the finger driver's
# reasons: no finger in time, not lifted, and every unusable-capture quality). A silent sensor ("timeout") is not.
FINGER_TRY_FAILURES = frozenset(
    {
        "no_finger",
        "not_lifted",
        "poor_image",
        "capture_failed",
        "too_few_features",
        "image_messy",
        "feature_extraction_failed",
        "imaging_failed",
        "cannot_combine",
    }
)

CARD_STAGES: dict[str, Stage] = {
    "insert_card": Stage("insert_card", "user"),
    "reading": Stage("reading_card", "machine", card="held", device="card", timeout="card_read_s"),
}
FACE_STAGES: dict[str, Stage] = {
    "face_capture": Stage("face_capture", "machine", card="held", device="camera", timeout="face_capture_s"),
    "liveness": Stage("liveness", "machine", card="held", device="camera", timeout="liveness_s"),
    "face_match": Stage("working", "machine", card="held", device="face", timeout="face_match_s"),
    "face_retry": Stage("error", "user", card="held"),
}
FINGER_STAGES: dict[str, Stage] = {
    "finger_verify": Stage("finger", "machine", card="held", device="finger", timeout="finger_s"),
    "finger_retry": Stage("error", "user", card="held"),
}

# One step each for the person: "the card" and "who you are" (face, fingerprint fallback), for the journeys' steps.
CARD_STEP: tuple[str, ...] = tuple(CARD_STAGES)
VERIFY_STEP: tuple[str, ...] = (*FACE_STAGES, *FINGER_STAGES)


def card_failure(reason: str) -> tuple[str, str]:
    """How a failed card read ends a journey (outcome, detail), from the card driver's reason."""
    match reason:
        case "card_expired":  # the reader itself may refuse expired cards
            return "card_expired", ""
        case "card_removed":
            return "card_removed", ""
        case "reader_unavailable":
            return "device_error", "card:reader_unavailable"
    return "card_unreadable", reason


def ask_for_card(flow: Flow[J], state: J, now: float) -> Step[J]:
    """Read at once if a card is already in the slot; otherwise ask for it and light the slot."""
    if state.card_in:
        return flow.go(state, "reading", now, ReadCard())
    return flow.go(state, "insert_card", now, Light("card_slot", True))


def handle_card(
    flow: Flow[J], state: J, event: object, now: float, *, then: Next[J], locked_factors: tuple[str, ...] = ()
) -> Step[J] | None:
    """insert_card and reading. `then` continues once an acceptable card has been read."""
    if state.stage == "insert_card" and isinstance(event, CardInserted):
        return flow.go(state, "reading", now, ReadCard(), Light("card_slot", False))
    if state.stage != "reading":
        return None
    if isinstance(event, CardGreeting):
        return replace(state, greeting=event.name_th if state.ctx.language == "th" else event.name_en), []
    if isinstance(event, CardReadFailed):
        outcome, detail = card_failure(event.reason)
        return flow.abort(state, outcome, now, detail)
    if not isinstance(event, CardRead):
        return None
    card = event.card
    ctx = state.ctx
    if ctx.limits.reject_expired and card.expiry is not None and card.expiry < ctx.today(now):
        return flow.abort(state, "card_expired", now)
    for factor in locked_factors:
        if ctx.attempts.locked(card.holder, factor, now):
            return flow.abort(state, "locked_out", now, factor, Audit("locked_out", {"factor": factor}))
    return then(flow, replace(state, card=card), now)


def begin_verify(flow: Flow[J], state: J, now: float, *, on_face_locked: OnFaceLocked) -> Step[J]:
    """Start with the face, unless the face is locked for this holder (then the finger, or the lockout)."""
    assert state.card is not None
    if state.ctx.attempts.locked(state.card.holder, "face", now):
        return _face_locked(flow, state, now, on_face_locked)
    return flow.go(state, "face_capture", now, CaptureFace(), hint="", prompt="")


def _finger_possible(state: IdentityState, now: float) -> bool:
    assert state.card is not None
    return FINGER in state.ctx.caps and not state.ctx.attempts.locked(state.card.holder, "finger", now)


def _face_locked(flow: Flow[J], state: J, now: float, policy: OnFaceLocked) -> Step[J]:
    if policy == "finger_or_refer":
        if _finger_possible(state, now):
            return _start_finger(flow, state, now, Audit("finger_fallback", {}))
        return flow.abort(state, "refer_officer", now, "face")
    return flow.abort(state, "locked_out", now, "face", Audit("locked_out", {"factor": "face"}))


def handle_verify(
    flow: Flow[J], state: J, event: object, now: float, *, then: Next[J], on_face_locked: OnFaceLocked
) -> Step[J] | None:
    """The face and finger stages. `then` continues once the person is verified."""
    stage = state.stage
    if stage in ("face_capture", "liveness", "face_match") and isinstance(event, DeviceFailed):
        if event.device == "face" and event.reason == "cancelled":
            return state, []  # a loop this journey no longer wants ended: nothing to do
        if event.device == "face" and event.reason == "timeout" and stage != "face_match":
            # no usable face (or no challenge met) in time: a failed try, not a broken camera
            return _face_failed(flow, state, now, "timeout" if stage == "face_capture" else "not_live", on_face_locked)
        if event.device in ("camera", "face") and on_face_locked == "finger_or_refer" and _finger_possible(state, now):
            return _start_finger(flow, state, now, Audit("camera_failed", {"reason": event.reason}))
        return None  # the engine turns it into the device_error notice
    match stage, event:
        case "face_capture", Expired():
            return _face_failed(flow, state, now, "timeout", on_face_locked)
        case "liveness", Expired():
            return _face_failed(flow, state, now, "not_live", on_face_locked)
        case "finger_verify", Expired():
            return _finger_failed(flow, state, now, "timeout")
        case "face_capture", FaceHint(hint=hint):
            return replace(state, hint=hint), []
        case "face_capture", FaceCaptured():
            if state.ctx.limits.liveness:
                return flow.go(state, "liveness", now, StartLiveness(), prompt="")
            return flow.go(state, "face_match", now, MatchFace())
        case "liveness", LivenessPrompt(action=action):
            return replace(state, prompt=action), []
        case "liveness", LivenessDone(passed=True):
            return flow.go(state, "face_match", now, MatchFace())
        case "liveness", LivenessDone(passed=False, reason=reason):
            failure = "not_live" if reason in ("", "timeout") else reason
            return _face_failed(flow, state, now, failure, on_face_locked)
        case "face_match", FaceMatched(accepted=True):
            return _verified(flow, state, now, "face", then)
        case "face_match", FaceMatched(accepted=False):
            return _face_failed(flow, state, now, "no_match", on_face_locked)
        case "face_retry", Tapped(action="retry"):
            return flow.go(state, "face_capture", now, CaptureFace(), hint="", prompt="")
        case "finger_retry", Tapped(action="retry"):
            return _start_finger(flow, state, now)
        case "face_retry" | "finger_retry", Tapped(action="done"):
            return flow.abort(state, "cancelled", now)
        case "finger_verify", FingerHint(hint=hint):
            return replace(state, hint=hint), []
        case "finger_verify", FingerMatched(accepted=True):
            return _verified(flow, state, now, "finger", then)
        case "finger_verify", FingerMatched(accepted=False, reason="not_enrolled"):
            return flow.abort(state, "refer_officer", now, "finger_not_enrolled")
        case "finger_verify", FingerMatched(accepted=False):
            return _finger_failed(flow, state, now, "no_match")
        case "finger_verify", DeviceFailed(device="finger", reason="cancelled"):
            return state, []
        case "finger_verify", DeviceFailed(device="finger", reason=reason) if reason in FINGER_TRY_FAILURES:
            return _finger_failed(flow, state, now, reason)
    return None


def _start_finger(flow: Flow[J], state: J, now: float, *before: Effect) -> Step[J]:
    assert state.card is not None
    verify = VerifyFinger(state.card.holder, state.card.citizen_id)
    return flow.go(state, "finger_verify", now, *before, verify, Light("finger", True), hint="place")


def _verified(flow: Flow[J], state: J, now: float, factor: str, then: Next[J]) -> Step[J]:
    assert state.card is not None
    book = state.ctx.attempts.succeed(state.card.holder, factor)
    state = replace(state, ctx=replace(state.ctx, attempts=book), verified_by=factor, hint="", prompt="")
    new, effects = then(flow, state, now)
    assert state.card is not None
    proof = ProvePresence(state.card.citizen_id, factor)  # before any effect that reads the holder's data
    return new, [PersistAttempts(book), Audit("verified", {"factor": factor}), proof, Beep("success"), *effects]


def _fail(state: J, factor: str, now: float, limit: int) -> tuple[J, bool, int]:
    """Count one failure; returns the new state, whether the factor is now locked, and the tries left."""
    assert state.card is not None
    lim = state.ctx.limits
    holder = state.card.holder
    book = state.ctx.attempts.fail(holder, factor, now, limit=limit, lockout_s=lim.lockout_s)
    left = book.remaining(holder, factor, now, limit=limit, window_s=lim.lockout_s)
    return replace(state, ctx=replace(state.ctx, attempts=book)), book.locked(holder, factor, now), left


def _face_failed(flow: Flow[J], state: J, now: float, reason: str, policy: OnFaceLocked) -> Step[J]:
    state, locked, left = _fail(state, "face", now, state.ctx.limits.face_max_attempts)
    audit = Audit("face_failed", {"reason": reason, "left": str(left)})
    effects: list[Effect] = [PersistAttempts(state.ctx.attempts), audit]
    if locked:
        new, more = _face_locked(flow, state, now, policy)
        return new, [*effects, *more]
    return flow.go(state, "face_retry", now, *effects, Beep("error"), error=reason)


def _finger_failed(flow: Flow[J], state: J, now: float, reason: str) -> Step[J]:
    state, locked, left = _fail(state, "finger", now, state.ctx.limits.finger_max_attempts)
    audit = Audit("finger_failed", {"reason": reason, "left": str(left)})
    effects: list[Effect] = [PersistAttempts(state.ctx.attempts), audit]
    if locked:
        return flow.abort(state, "refer_officer", now, "finger", *effects)
    return flow.go(state, "finger_retry", now, *effects, Light("finger", False), error=reason)


def attempts_left(state: IdentityState, factor: str, limit: int, now: float) -> int:
    if state.card is None:
        return limit
    window_s = state.ctx.limits.lockout_s
    return state.ctx.attempts.remaining(state.card.holder, factor, now, limit=limit, window_s=window_s)


# A failed try's error (the stage's own, or the reason of LivenessDone: kiosk.face.liveness.Failure) -> the words the
# error screen shows for it (kiosk.ui.screens.common.ERRORS); a liveness timeout is "not_live" (the actions asked for
# were not seen), never the capture's "timeout" (no usable face).
FACE_RETRY_REASONS = {
    "no_match": "face_mismatch",
    "not_live": "liveness_failed",
    "timeout": "face_timeout",
    "face_lost": "liveness_face_lost",
    "multiple_faces": "liveness_multiple_faces",
    "face_jumped": "liveness_face_jumped",
    "broken_motion": "liveness_broken_motion",
    "face_changed": "liveness_face_changed",
    "flat_motion": "liveness_flat_motion",
    "screen_cues": "liveness_screen_cues",
    "no_reflection": "liveness_no_reflection",
    "wrong_colour": "liveness_wrong_colour",
    "flat_reflection": "liveness_flat_reflection",
}


def identity_data(state: IdentityState, now: float) -> Mapping[str, object]:
    """Screen data for the shared stages: guidance, the liveness prompt, tries so far and left."""
    lim = state.ctx.limits
    match state.stage:
        case "face_capture":
            left = attempts_left(state, "face", lim.face_max_attempts, now)
            attempt = lim.face_max_attempts - left + 1
            return {"hint": state.hint, "attempt": attempt, "max_attempts": lim.face_max_attempts}
        case "liveness":
            return {"prompt": state.prompt}
        case "face_match":
            return {"task": "matching"}
        case "face_retry":
            reason = FACE_RETRY_REASONS.get(state.error, "liveness_failed")
            left = attempts_left(state, "face", lim.face_max_attempts, now)
            return {"reason": reason, "retry": True, "attempts_left": left}
        case "finger_verify":
            left = attempts_left(state, "finger", lim.finger_max_attempts, now)
            attempt = lim.finger_max_attempts - left + 1
            most = lim.finger_max_attempts
            return {"finger": "right_index", "hint": state.hint, "attempt": attempt, "max_attempts": most}
        case "finger_retry":
            reason = "finger_no_match" if state.error == "no_match" else "finger_worn"
            left = attempts_left(state, "finger", lim.finger_max_attempts, now)
            return {"reason": reason, "retry": True, "attempts_left": left}
        case "reading" if state.greeting:
            return {"who": "citizen", "name": state.greeting}
        case "insert_card" | "reading":
            return {"who": "citizen"}
    return {}


def card_data(card: CardInfo) -> dict[str, object]:
    """What the card_data screen shows of a card."""
    return {
        "citizen_id": mask_citizen_id(card.citizen_id),
        "name_th": card.name_th,
        "name_en": card.name_en,
        "birth_date": card.birth_shown or (card.birth_date.isoformat() if card.birth_date else ""),
        "expires": card.expiry.isoformat() if card.expiry else "lifelong",
        "address": card.address,
    }
