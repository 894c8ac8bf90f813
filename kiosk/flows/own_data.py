"""Checking one's own registry data: consent -> card -> face (or fingerprint) -> fetch -> shown on screen only, page
by page; nothing is printed and nothing is kept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from kiosk.flows.effects import Audit, FetchRecord
from kiosk.flows.events import Record, RecordFetched, Tapped
from kiosk.flows.identity import (
    CARD_STAGES,
    CARD_STEP,
    FACE_STAGES,
    FINGER_STAGES,
    VERIFY_STEP,
    IdentityState,
    ask_for_card,
    begin_verify,
    handle_card,
    handle_verify,
    identity_data,
)
from kiosk.flows.machine import Flow, Stage, Step

ROWS_PER_PAGE = 6
CONSENT_VERSION = "bora-own-data-2026-1"


@dataclass(frozen=True, kw_only=True)
class OwnData(IdentityState):
    record: Record | None = None
    page: int = 1


STAGES: dict[str, Stage] = {
    "consent": Stage("consent", "user"),
    **CARD_STAGES,
    **FACE_STAGES,
    **FINGER_STAGES,
    "fetching": Stage("working", "machine", card="held", device="registry", timeout="registry_s"),
    "own_data": Stage("own_data", "user", card="done", idle_outcome="done"),
}


def _after_card(flow: Flow[OwnData], state: OwnData, now: float) -> Step[OwnData]:
    return begin_verify(flow, state, now, on_face_locked="finger_or_refer")


def _after_verify(flow: Flow[OwnData], state: OwnData, now: float) -> Step[OwnData]:
    assert state.card is not None
    return flow.go(state, "fetching", now, FetchRecord("own", state.card.citizen_id))


def pages(record: Record | None) -> int:
    return max(1, -(-len(record.fields) // ROWS_PER_PAGE)) if record else 1


def handle(flow: Flow[OwnData], state: OwnData, event: object, now: float) -> Step[OwnData] | None:
    found = handle_card(flow, state, event, now, then=_after_card)
    if found is None:
        found = handle_verify(flow, state, event, now, then=_after_verify, on_face_locked="finger_or_refer")
    if found is not None:
        return found
    match state.stage, event:
        case "consent", Tapped(action="accept"):
            new, effects = ask_for_card(flow, state, now)
            return new, [Audit("consent_given", {"purpose": "own_data", "version": CONSENT_VERSION}), *effects]
        case "consent", Tapped(action="decline"):
            return flow.abort(state, "declined", now)
        case "fetching", RecordFetched(record=None):
            return flow.abort(state, "no_record", now)
        case "fetching", RecordFetched(record=record):
            return flow.go(state, "own_data", now, Audit("record_shown", {"form": "own"}), record=record, page=1)
        case "own_data", Tapped(action="page", value=value) if value.isdigit():
            return replace(state, page=min(max(1, int(value)), pages(state.record))), []
        case "own_data", Tapped(action="done"):
            return flow.finish(state, "done")
    return None


def data(state: OwnData, now: float) -> Mapping[str, object]:
    match state.stage:
        case "consent":
            return {"service": "own_data", "version": CONSENT_VERSION}
        case "fetching":
            return {"task": "loading"}
        case "own_data" if state.record is not None:
            first = (state.page - 1) * ROWS_PER_PAGE
            rows = [{"field": k, "value": v} for k, v in state.record.fields[first : first + ROWS_PER_PAGE]]
            return {"page": state.page, "pages": pages(state.record), "rows": rows}
    return identity_data(state, now)


# The journey's steps as the person sees them ("Step 2 of 4"), each with the stages it covers.
STEPS: tuple[tuple[str, ...], ...] = (
    ("consent",),
    CARD_STEP,
    VERIFY_STEP,
    (
        "fetching",
        "own_data",
    ),
)
FLOW: Flow[OwnData] = Flow("own_data", OwnData, STAGES, first="consent", handle=handle, data=data, steps=STEPS)
start = FLOW.start
step = FLOW.step
view = FLOW.view
