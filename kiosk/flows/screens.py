"""The screens the journeys ask for, by the stable names the UI (`kiosk.ui.screens`) registers, with the data keys
each receives, and the one mapping from how a journey ended to the reason the error screen explains.

Journeys never draw: `Flow.view(state, now)` returns a `Screen(name, data)` built only from these names and keys
(`tests/flows` checks every stage against this catalogue). The executor adds one key itself: `photo` (the chip
portrait, JPEG bytes) on `card_data`, since portraits never enter journey state.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.flows.events import Activation

SCREENS: Mapping[str, frozenset[str]] = {
    "attract": frozenset({"offline"}),
    "out_of_service": frozenset({"reason"}),
    "language": frozenset({"languages"}),
    "menu": frozenset({"services", "disabled", "error"}),
    "timeout_warning": frozenset({"seconds_left"}),
    "confirm_cancel": frozenset({"card"}),
    "consent": frozenset({"service", "document", "version"}),
    "insert_card": frozenset({"who", "error", "signed_in", "enrolled"}),
    "reading_card": frozenset({"who", "progress", "name"}),
    "remove_card": frozenset({"who", "error"}),
    "working": frozenset({"task", "progress"}),
    "card_data": frozenset(
        {"citizen_id", "name_th", "name_en", "birth_date", "address", "expires", "officer", "attest"}
    ),
    "face_capture": frozenset({"hint", "attempt", "max_attempts"}),
    "liveness": frozenset({"prompt"}),
    "finger": frozenset({"finger", "hint", "attempt", "max_attempts", "purpose"}),
    "passcode": frozenset({"purpose", "entered", "length", "error", "attempts_left", "rules"}),
    "citizen_id_entry": frozenset({"digits", "entered", "length", "error", "attempts_left"}),
    "activation_qr": frozenset({"payload", "code", "expires_in_s", "offline", "receipt"}),
    "officer_signin": frozenset({"methods", "error"}),
    "extract_choice": frozenset({"documents"}),
    "extract_preview": frozenset({"document", "rows", "page", "reprint", "document_no", "print"}),
    "printing": frozenset({"document", "document_no", "reprint", "progress"}),
    "printed": frozenset({"document_no"}),
    "booking_action": frozenset(),
    "booking_office": frozenset({"offices", "office", "services", "error"}),
    "booking_calendar": frozenset({"office", "days", "error"}),
    "booking_slots": frozenset({"date", "slots", "error"}),
    "booking_review": frozenset({"date", "time", "office", "service"}),
    "booking_confirmed": frozenset({"date", "time", "office", "service", "reference", "print", "error"}),
    "booking_list": frozenset({"bookings"}),
    "booking_cancel": frozenset({"date", "time", "office", "service", "reference"}),
    "own_data": frozenset({"page", "pages", "rows"}),
    "thank_you": frozenset({"reference", "cancelled"}),
    "error": frozenset({"reason", "retry", "attempts_left", "factor", "device", "detail", "take_card"}),
}

# Keys every journey screen may carry besides its own.
COMMON_KEYS = frozenset({"journey", "journey_step", "journey_steps"})

# Reasons the error screen is given (kiosk.ui.screens.common.ERRORS explains each; the last five are the journeys'
# additions: lockouts, referrals, a typed ID that differs from the card, an officer card where a citizen's belongs).
ERROR_REASONS: frozenset[str] = frozenset(
    {
        "card_removed",
        "card_unreadable",
        "card_not_thai_id",
        "card_expired",
        "card_timeout",
        "card_invalid",
        "card_reader_failed",
        "face_mismatch",
        "face_timeout",
        "liveness_failed",
        "liveness_face_lost",
        "liveness_multiple_faces",
        "liveness_face_jumped",
        "liveness_broken_motion",
        "liveness_face_changed",
        "liveness_flat_motion",
        "liveness_screen_cues",
        "liveness_no_reflection",
        "liveness_wrong_colour",
        "liveness_flat_reflection",
        "camera_failed",
        "finger_no_match",
        "finger_worn",
        "finger_failed",
        "passcode_mismatch",
        "passcode_attempts",
        "printer_paper_out",
        "printer_cover_open",
        "printer_failed",
        "registry_offline",
        "registry_refused",
        "presence_refused",
        "slot_taken",
        "booking_too_late",
        "sync_overdue",
        "sync_clock_behind",
        "not_found",
        "timed_out",
        "failed",
        "locked_out",
        "refer_officer",
        "cid_mismatch",
        "wrong_card",
        "officer_rejected",
    }
)


# The card driver's reasons (`kiosk.drivers.card`, the `reason` of each CardError) and what the error screen says.
CARD_REASONS: Mapping[str, str] = {
    "card_removed": "card_removed",
    "card_expired": "card_expired",
    "not_thai_id": "card_not_thai_id",
    "card_timeout": "card_timeout",  # the card stopped answering: take it out and insert it again
    "malformed_response": "card_unreadable",
    "unexpected_status": "card_unreadable",
    "bad_check_digit": "card_invalid",  # the chip's citizen ID fails its check digit
    "reader_unavailable": "card_reader_failed",
    "card_error": "card_unreadable",  # the read crashed
}


def activation_data(activation: Activation, at: datetime) -> dict[str, object]:
    """The activation QR screen's own keys at wall time `at`: what the phone scans, the code to type, time left."""
    left_s = (activation.expires_at - at).total_seconds()
    return {"payload": activation.qr, "code": activation.reference, "expires_in_s": max(0, int(left_s))}


def device_reason(device: str, reason: str) -> str:
    """The error-screen reason for a device failure."""
    if device == "printer":
        return {"paper_out": "printer_paper_out", "cover_open": "printer_cover_open"}.get(reason, "printer_failed")
    if device in ("camera", "face"):
        return "camera_failed"
    if device == "finger":
        return "finger_failed"
    if device == "registry":
        if reason == "presence_refused":  # the registry did not take this journey's proof that the holder is here
            return "presence_refused"
        return "registry_refused" if reason in ("refused", "rejected", "conflict") else "registry_offline"
    if device == "card":
        return CARD_REASONS.get(reason, "card_unreadable")
    return "failed"


def error_reason(outcome: str, detail: str) -> tuple[str, dict[str, object]]:
    """How a journey's early end reads on the error screen: the reason and any extra keys."""
    device, _, why = detail.partition(":")
    match outcome:
        case "device_error":
            return device_reason(device, why), {"device": device}
        case "card_unreadable":
            return CARD_REASONS.get(detail, "card_unreadable"), {}
        case "locked_out":
            return "locked_out", {"factor": detail, "attempts_left": 0}
        case "refer_officer":
            reason = {"face": "face_mismatch", "finger": "finger_no_match", "finger_not_enrolled": "finger_worn"}
            return reason.get(detail, "refer_officer"), {"detail": detail} if detail not in reason else {}
        case "passcode_failed":
            return "passcode_attempts", {}
        case "no_record":
            return "not_found", {}
        case "sync_overdue":  # detail: kiosk.flows.context.SyncVerdict
            return ("sync_clock_behind" if detail == "clock_behind" else "sync_overdue"), {}
        case "officer_rejected":
            return "officer_rejected", {"detail": detail}
        case "card_removed" | "card_expired" | "timed_out" | "cid_mismatch" | "wrong_card":
            return outcome, {}
    return "failed", {"detail": outcome}
