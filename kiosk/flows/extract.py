"""The certified extract (ท.ร.14/1 person entry of a house register, ท.ร.12/2 civil-registration history): choose ->
consent -> card -> face (fingerprint the second way in after three face failures, else refer to an officer) ->
fetch the record -> preview -> print with the seal -> confirmed printed. A failed print is voided and may be
reprinted (same document number, marked "พิมพ์ซ้ำ") while the printer can print and reprints remain."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from kiosk.flows.context import PRINT
from kiosk.flows.effects import Audit, Beep, Document, Effect, FetchRecord, Light, Print, VoidPrint
from kiosk.flows.events import (
    DeviceFailed,
    Expired,
    PrintConfirmed,
    PrintFailed,
    PrintProgress,
    PrintSent,
    Record,
    RecordFetched,
    Tapped,
)
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

FORMS: Mapping[str, str] = {
    "tr14_1": "ท.ร.14/1 รายการบุคคลในทะเบียนบ้าน",
    "tr12_2": "ท.ร.12/2 ข้อมูลทะเบียนประวัติราษฎร",
}
CONSENT_VERSION = "bora-extract-2026-1"


@dataclass(frozen=True, kw_only=True)
class Extract(IdentityState):
    form: str = ""
    record: Record | None = None
    job_id: str = ""
    document_no: str = ""
    reprints: int = 0
    failure: str = ""  # why the last print failed
    print_progress: float | None = None  # of the job printing now, once the printer reports it
    page: int = 1  # the preview's page (the screen knows how many fit and clamps)


STAGES: dict[str, Stage] = {
    "extract_choose": Stage("extract_choice", "user"),
    "consent": Stage("consent", "user"),
    **CARD_STAGES,
    **FACE_STAGES,
    **FINGER_STAGES,
    "fetching": Stage("working", "machine", card="held", device="registry", timeout="registry_s"),
    "extract_preview": Stage("extract_preview", "user", card="held"),
    # Once paper moves the job runs to its end: pulling the card no longer stops it.
    "printing": Stage("printing", "machine", device="printer", timeout="print_s"),
    "print_failed": Stage("error", "user"),
    "extract_done": Stage("printed", "user", card="done", idle_outcome="done"),
}


def _after_card(flow: Flow[Extract], state: Extract, now: float) -> Step[Extract]:
    return begin_verify(flow, state, now, on_face_locked="finger_or_refer")


def _after_verify(flow: Flow[Extract], state: Extract, now: float) -> Step[Extract]:
    assert state.card is not None
    return flow.go(state, "fetching", now, FetchRecord(state.form, state.card.citizen_id))


def handle(flow: Flow[Extract], state: Extract, event: object, now: float) -> Step[Extract] | None:
    found = handle_card(flow, state, event, now, then=_after_card)
    if found is None:
        found = handle_verify(flow, state, event, now, then=_after_verify, on_face_locked="finger_or_refer")
    if found is not None:
        return found
    match state.stage, event:
        case "extract_choose", Tapped(action="document", value=form) if form in FORMS:
            return flow.go(state, "consent", now, form=form)
        case "consent", Tapped(action="accept"):
            new, effects = ask_for_card(flow, state, now)
            consent = Audit("consent_given", {"purpose": "extract", "form": state.form, "version": CONSENT_VERSION})
            return new, [consent, *effects]
        case "consent", Tapped(action="decline"):
            return flow.abort(state, "declined", now)
        case "fetching", RecordFetched(record=None):
            return flow.abort(state, "no_record", now)
        case "fetching", RecordFetched(record=record):
            return flow.go(state, "extract_preview", now, record=record)
        case "extract_preview", Tapped(action="page", value=value) if value.isdigit():
            return replace(state, page=max(1, int(value))), []
        case "extract_preview", Tapped(action="print"):
            if PRINT not in state.ctx.caps:
                return flow.abort(state, "device_error", now, "printer:unavailable")
            return _print(flow, state, now)
        case "printing", PrintSent(job_id=job, document_no=number):
            return replace(state, job_id=job, document_no=number), []
        case "printing", PrintProgress(fraction=fraction):
            return replace(state, print_progress=fraction), []
        case "printing", PrintConfirmed():
            printed = {"form": state.form, "document_no": state.document_no, "reprints": str(state.reprints)}
            audit = Audit("printed", printed)
            return flow.go(state, "extract_done", now, audit, Light("printer_tray", True), Beep("success"))
        case "printing", PrintFailed(reason=reason):
            return _failed(flow, state, now, reason)
        case "printing", DeviceFailed(device="printer", reason=reason):
            return _failed(flow, state, now, reason)
        case "printing", DeviceFailed(device="registry", reason=reason) if not state.job_id:
            # the registry issues and seals the extract before any paper moves: nothing was printed
            return flow.abort(state, "device_error", now, f"registry:{reason}")
        case "printing", Expired():
            return _failed(flow, state, now, "not_confirmed")
        case "print_failed", Tapped(action="retry") if _can_reprint(state):
            return _print(flow, state, now)
        case "print_failed", Tapped(action="done" | "retry"):
            return flow.abort(state, "refer_officer", now, "print")
        case "extract_done", Tapped(action="done"):
            return flow.finish(state, "done", Light("printer_tray", False))
    return None


def _can_reprint(state: Extract) -> bool:
    return PRINT in state.ctx.caps and state.reprints < state.ctx.limits.max_reprints


def _print(flow: Flow[Extract], state: Extract, now: float) -> Step[Extract]:
    reprint = bool(state.document_no)
    job = Print(document(state), reprint_of=state.document_no if reprint else "")
    return flow.go(
        state, "printing", now, job, reprints=state.reprints + (1 if reprint else 0), job_id="", print_progress=None
    )


def _failed(flow: Flow[Extract], state: Extract, now: float, reason: str) -> Step[Extract]:
    """Void what may have come out; the same document number is kept for the reprint."""
    audit = Audit("print_failed", {"form": state.form, "document_no": state.document_no, "reason": reason})
    return flow.go(state, "print_failed", now, VoidPrint(state.job_id, reason), audit, Beep("error"), failure=reason)


def document(state: Extract) -> Document:
    assert state.record is not None
    assert state.card is not None
    return Document(
        "extract",
        FORMS[state.form],
        state.record.fields,
        sealed=True,
        form=state.form,
        citizen_id=state.card.citizen_id,
        language=state.ctx.document_language,
        card_in_slot=state.card_in,
    )


def preview_rows(record: Record) -> list[dict[str, str]]:
    """The whole record, every row: the screen names each field in the citizen's language and pages if needed."""
    return [{"field": field, "value": value} for field, value in record.fields]


def data(state: Extract, now: float) -> Mapping[str, object]:
    match state.stage:
        case "extract_choose":
            return {"documents": list(FORMS)}
        case "consent":
            return {"service": "extract", "document": state.form, "version": CONSENT_VERSION}
        case "fetching":
            return {"task": "loading"}
        case "extract_preview" if state.record is not None:
            return {
                "document": state.form,
                "rows": preview_rows(state.record),
                "page": state.page,
                "print": PRINT in state.ctx.caps,
            }
        case "printing":
            shown = {"document": state.form, "document_no": state.document_no, "reprint": state.reprints > 0}
            return shown if state.print_progress is None else {**shown, "progress": state.print_progress}
        case "print_failed":
            reason = {"paper_out": "printer_paper_out", "cover_open": "printer_cover_open"}.get(
                state.failure, "printer_failed"
            )
            return {"reason": reason, "retry": _can_reprint(state), "device": "printer"}
        case "extract_done":
            return {"document_no": state.document_no}
    return identity_data(state, now)


def _cleanup(state: Extract) -> list[Effect]:
    return [VoidPrint(state.job_id, "aborted")] if state.stage == "printing" and state.job_id else []


# The journey's steps as the person sees them ("Step 2 of 6"), each with the stages it covers.
STEPS: tuple[tuple[str, ...], ...] = (
    ("extract_choose",),
    ("consent",),
    CARD_STEP,
    VERIFY_STEP,
    (
        "fetching",
        "extract_preview",
    ),
    (
        "printing",
        "print_failed",
        "extract_done",
    ),
)
FLOW: Flow[Extract] = Flow(
    "extract", Extract, STAGES, first="extract_choose", handle=handle, data=data, steps=STEPS, cleanup=_cleanup
)
start = FLOW.start
step = FLOW.step
view = FLOW.view
