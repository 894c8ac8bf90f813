"""Self-service enrolment with a fake clock: the whole path, passcode and consent rules, lockouts that survive
re-inserting the card, and device failures."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from kiosk.flows import enrol_self
from kiosk.flows.attempts import AttemptBook
from kiosk.flows.context import Limits
from kiosk.flows.effects import (
    Audit,
    CaptureFace,
    Document,
    End,
    Enrolment,
    Forget,
    MatchFace,
    PersistAttempts,
    Print,
    ReadCard,
    StartLiveness,
    Submit,
)
from kiosk.flows.events import (
    Activation,
    CardGreeting,
    CardInserted,
    CardRead,
    CardReadFailed,
    CardRemoved,
    DeviceFailed,
    EnrolAccepted,
    Entered,
    FaceCaptured,
    FaceHint,
    FaceMatched,
    LivenessDone,
    LivenessPrompt,
    PrintConfirmed,
    PrintProgress,
    PrintSent,
    Tapped,
)
from kiosk.flows.screens import ERROR_REASONS
from tests.flows.harness import ALL_CAPS, CARD, START, Run, context

GOOD = "13572468"
ACT = Activation("THAID:ACT:XYZ", datetime(2026, 11, 20, 2, 10, tzinfo=UTC), "REF-9")


def to_face(run: Run[enrol_self.EnrolSelf]) -> Run[enrol_self.EnrolSelf]:
    return run.send(Tapped("accept"), CardInserted(), CardRead(CARD), Tapped("confirm"))


def to_passcode(run: Run[enrol_self.EnrolSelf]) -> Run[enrol_self.EnrolSelf]:
    return to_face(run).send(FaceCaptured(), LivenessDone(True), FaceMatched(True, 0.9))


def type_digits(run: Run[enrol_self.EnrolSelf], code: str) -> Run[enrol_self.EnrolSelf]:
    for d in code:
        run.send(Tapped("digit", d))
    return run.send(Tapped("ok"))


def test_the_whole_path_to_the_activation_qr() -> None:
    run = Run.start(enrol_self.FLOW)
    assert run.screen.name == "consent" and run.at("service") == "thaid"
    run.send(Tapped("accept"))
    assert (
        run.stage == "insert_card"
        and Audit("consent_given", {"purpose": "thaid", "version": enrol_self.CONSENT_VERSION}) in run.last
    )
    run.send(CardInserted())
    assert run.stage == "reading" and ReadCard() in run.last and run.screen.name == "reading_card"
    run.send(CardRead(CARD))
    assert run.screen.name == "card_data" and run.at("citizen_id") == "x-xxxx-xxxx3-45-0"
    run.send(Tapped("confirm"))
    assert run.stage == "face_capture" and CaptureFace() in run.last
    run.send(FaceHint("move_closer"))
    assert run.at("hint") == "move_closer" and run.at("attempt") == 1
    run.send(FaceCaptured())
    assert run.stage == "liveness" and StartLiveness() in run.last
    run.send(LivenessPrompt("turn_left"))
    assert run.at("prompt") == "turn_left"
    run.send(LivenessDone(True))
    assert run.stage == "face_match" and MatchFace() in run.last and run.at("task") == "matching"
    run.send(FaceMatched(True, 0.81))
    assert run.screen.name == "passcode" and run.at("purpose") == "set"
    type_digits(run, GOOD)
    assert run.stage == "passcode_confirm" and run.at("entered") == 0
    run.send(Tapped("digit", "1"), Tapped("digit", "3"))
    assert run.at("entered") == 2 and "digits" not in run.screen.data  # masked
    run.send(Tapped("clear"))
    type_digits(run, GOOD)
    assert run.stage == "consent_confirm" and run.at("purpose") == "consent"
    type_digits(run, GOOD)
    submits = run.emitted(Submit)
    assert run.stage == "enrolling" and len(submits) == 1 and submits[0].online
    op = submits[0].op
    assert isinstance(op, Enrolment) and op.passcode == GOOD and op.method == "self" and op.consent_at == START
    assert GOOD not in repr(op)  # the passcode never shows in a repr (logs)
    run.send(EnrolAccepted(ACT))
    screen = run.screen
    assert screen.name == "activation_qr" and screen.data["payload"] == ACT.qr and screen.data["expires_in_s"] == 600
    run.send(Tapped("receipt"))
    doc = run.emitted(Print)[0].document
    assert isinstance(doc, Document) and doc.kind == "receipt" and run.screen.name == "printing"
    assert doc.qr == ACT.qr and ("citizen_id_masked", "x-xxxx-xxxx3-45-0") in doc.facts
    run.send(PrintSent("J", "R-1"), PrintProgress("J", 0.35))
    assert run.screen.name == "printing" and run.at("progress") == 0.35 and run.at("document") == "receipt"
    run.send(PrintConfirmed("J"))
    assert run.stage == "take_card" and Forget() in run.last and run.screen.name == "remove_card"
    run.send(CardRemoved())
    assert run.stage == "closed" and End("done") in run.last


def test_a_card_already_in_the_slot_is_read_at_once() -> None:
    run = Run.start(enrol_self.FLOW, card_in=True).send(Tapped("accept"))
    assert run.stage == "reading" and ReadCard() in run.last


def test_passcode_rules_refuse_and_keep_the_screen() -> None:
    run = to_passcode(Run.start(enrol_self.FLOW))
    for code, why in [("12345678", "sequence"), ("11111111", "repeat"), ("1357", "length"), ("17051980", "personal")]:
        run.send(Entered(code))
        assert run.stage == "passcode_set" and run.at("error") == why


def test_three_mismatches_end_the_journey() -> None:
    run = to_passcode(Run.start(enrol_self.FLOW))
    for _ in range(2):
        run.send(Entered(GOOD), Entered("24681357"))
        assert run.stage == "passcode_set" and run.at("error") == "mismatch"
    run.send(Entered(GOOD), Entered("24681357"))
    assert (run.stage, run.state.outcome) == ("notice", "passcode_failed")
    assert run.at("reason") == "passcode_attempts"


def test_wrong_consent_passcode_locks_and_reinserting_the_card_does_not_unlock() -> None:
    run = to_passcode(Run.start(enrol_self.FLOW)).send(Entered(GOOD), Entered(GOOD))
    run.send(Entered("24681357"))
    assert run.stage == "consent_confirm" and run.at("attempts_left") == 2
    run.send(Entered("24681357"), Entered("24681357"))
    assert (run.stage, run.state.outcome) == ("notice", "locked_out")
    book = run.all(PersistAttempts)[-1].book
    assert book.locked(CARD.holder, "passcode", run.now)
    # the card comes out and goes back in: a new journey, with the book the executor kept
    again = Run.start(enrol_self.FLOW, context(book=book)).send(Tapped("accept"), CardRemoved(), CardInserted())
    again.send(CardRead(CARD))
    assert (again.stage, again.state.outcome, again.state.detail) == ("notice", "locked_out", "passcode")
    # another citizen is not affected
    other = replace(CARD, holder="someone-else")
    third = Run.start(enrol_self.FLOW, context(book=book)).send(Tapped("accept"), CardInserted(), CardRead(other))
    assert third.stage == "check_data"


def test_three_face_failures_lock_the_face_for_this_holder() -> None:
    run = to_face(Run.start(enrol_self.FLOW))
    run.send(FaceCaptured(), LivenessDone(True), FaceMatched(False))
    assert run.screen.name == "error" and run.screen.data == {
        "journey": "thaid",
        "journey_step": 3,  # the face check, of five steps
        "journey_steps": 5,
        "reason": "face_mismatch",
        "retry": True,
        "attempts_left": 2,
    }
    run.send(Tapped("retry"))
    assert run.stage == "face_capture" and run.at("attempt") == 2
    run.send(FaceCaptured(), LivenessDone(False, "not_live"))
    assert run.at("reason") == "liveness_failed"
    run.send(Tapped("retry"))
    run.wait(30.0)  # no usable face within face_capture_s: a failed try, not a broken camera
    assert (run.stage, run.state.outcome) == ("notice", "locked_out")
    book = run.all(PersistAttempts)[-1].book
    again = Run.start(enrol_self.FLOW, context(book=book)).send(Tapped("accept"), CardInserted(), CardRead(CARD))
    again.send(Tapped("confirm"))
    assert (again.stage, again.state.outcome) == ("notice", "locked_out")
    assert again.at("reason") == "locked_out" and again.at("factor") == "face"


def test_lockout_expires() -> None:
    lim = Limits()
    book = AttemptBook()
    for _ in range(3):
        book = book.fail(CARD.holder, "face", 1000.0, limit=3, lockout_s=lim.lockout_s)
    run = Run.start(enrol_self.FLOW, context(book=book))
    run.now = 1000.0 + lim.lockout_s
    run.send(Tapped("accept"), CardInserted(), CardRead(CARD), Tapped("confirm"))
    assert run.stage == "face_capture"


def test_expired_card_is_refused() -> None:
    run = Run.start(enrol_self.FLOW).send(Tapped("accept"), CardInserted())
    run.send(CardRead(replace(CARD, expiry=date(2026, 11, 19))))
    assert run.at("reason") == "card_expired"
    ok = Run.start(enrol_self.FLOW).send(Tapped("accept"), CardInserted(), CardRead(replace(CARD, expiry=None)))
    assert ok.stage == "check_data"  # lifelong card


def test_liveness_can_be_switched_off() -> None:
    run = Run.start(enrol_self.FLOW, context(limits=Limits(liveness=False)))
    to_face(run).send(FaceCaptured())
    assert run.stage == "face_match"


def test_registry_unreachable_while_enrolling_is_a_clear_error_and_a_wipe() -> None:
    run = to_passcode(Run.start(enrol_self.FLOW)).send(Entered(GOOD), Entered(GOOD), Entered(GOOD))
    run.send(DeviceFailed("registry", "unreachable"))
    assert run.screen.name == "error" and run.at("reason") == "registry_offline"
    assert Forget() in run.last and run.state.card is None and run.state.passcode == ""


def test_registry_silent_past_its_deadline() -> None:
    run = to_passcode(Run.start(enrol_self.FLOW)).send(Entered(GOOD), Entered(GOOD), Entered(GOOD))
    run.wait(Limits().registry_s - 0.1)
    assert run.stage == "enrolling"
    run.wait(0.1)
    assert run.state.outcome == "device_error" and run.state.detail == "registry:timeout"


def test_the_activation_qr_ends_when_it_expires_and_a_receipt_needs_a_printer() -> None:
    patient = Limits(inactivity_warning_s=900, inactivity_timeout_s=1000)
    run = to_passcode(Run.start(enrol_self.FLOW, context(caps=ALL_CAPS - {"print"}, limits=patient)))
    run.send(Entered(GOOD), Entered(GOOD), Entered(GOOD), EnrolAccepted(ACT))
    assert run.at("receipt") is False
    run.send(Tapped("receipt"))
    assert run.stage == "activation_qr"
    run.wait(599)
    assert run.stage == "activation_qr" and run.at("expires_in_s") == 1
    run.wait(1)
    assert run.stage == "take_card" and not run.all(End)
    run.send(CardRemoved())
    assert run.stage == "closed" and run.all(End)[-1] == End("activation_expired")


def test_leaving_the_activation_qr_alone_ends_normally() -> None:
    run = to_passcode(Run.start(enrol_self.FLOW)).send(Entered(GOOD), Entered(GOOD), Entered(GOOD), EnrolAccepted(ACT))
    run.wait(Limits().inactivity_timeout_s)  # one jump past both deadlines: the warning still comes first
    assert run.stage == "activation_qr" and run.screen.name == "timeout_warning"
    run.wait(Limits().inactivity_timeout_s - Limits().inactivity_warning_s)
    assert run.stage == "take_card" and run.screen.name == "remove_card"
    run.send(CardRemoved())
    assert run.stage == "closed" and End("done") in run.last


def test_the_face_service_timing_out_is_a_failed_try_and_a_cancelled_loop_is_ignored() -> None:
    run = to_face(Run.start(enrol_self.FLOW)).send(DeviceFailed("face", "cancelled"))
    assert run.stage == "face_capture"
    run.send(DeviceFailed("face", "timeout"))
    assert run.stage == "face_retry" and run.at("reason") == "face_timeout" and run.at("attempts_left") == 2
    run.send(Tapped("retry"), FaceCaptured(), DeviceFailed("face", "timeout"))
    assert run.at("reason") == "liveness_failed" and run.at("attempts_left") == 1
    run.send(Tapped("retry"), DeviceFailed("camera", "gone"))
    assert run.state.outcome == "device_error" and run.at("reason") == "camera_failed"


def test_card_read_failures_read_as_what_happened() -> None:
    from kiosk.drivers.card import CardError

    cases = {
        "card_removed": "card_removed",
        "card_expired": "card_expired",
        "not_thai_id": "card_not_thai_id",
        "card_timeout": "card_timeout",
        "malformed_response": "card_unreadable",
        "unexpected_status": "card_unreadable",
        "bad_check_digit": "card_invalid",
        "reader_unavailable": "card_reader_failed",
    }

    def reasons(cls: type[CardError]) -> set[str]:
        return {cls.reason}.union(*(reasons(sub) for sub in cls.__subclasses__()))

    cases["card_error"] = "card_unreadable"  # a read that crashed
    assert reasons(CardError) == set(cases)  # exactly the driver's reasons
    for driver_reason, screen_reason in cases.items():
        run = Run.start(enrol_self.FLOW).send(Tapped("accept"), CardInserted(), CardReadFailed(driver_reason))
        assert run.at("reason") == screen_reason, driver_reason
    run = Run.start(enrol_self.FLOW).send(Tapped("accept"), CardInserted(), CardReadFailed("reader_unavailable"))
    assert run.state.outcome == "device_error" and run.at("device") == "card"


def test_every_liveness_failure_reaches_the_screen_as_its_own_reason() -> None:
    """Each reason kiosk.face.liveness can end a challenge with shows the error screen's words for it (what to do),
    never the catch-all; a challenge that ran out of time is "liveness_failed" (the actions were not seen)."""
    liveness = pytest.importorskip("kiosk.face.liveness")
    shown = {}
    for failure in liveness.Failure:
        run = to_face(Run.start(enrol_self.FLOW)).send(FaceCaptured(), LivenessDone(False, failure.value))
        assert run.screen.name == "error" and run.at("retry") is True
        shown[failure.value] = run.at("reason")
    assert set(shown.values()) <= ERROR_REASONS and "failed" not in shown.values()
    assert shown["timeout"] == "liveness_failed"
    assert shown["face_changed"] == "liveness_face_changed" and shown["broken_motion"] == "liveness_broken_motion"
    others = [reason for failure, reason in shown.items() if failure != "timeout"]
    assert len(set(others)) == len(others) and "liveness_failed" not in others


def test_the_names_read_first_greet_the_holder_while_the_rest_of_the_card_is_read() -> None:
    run = Run.start(enrol_self.FLOW).send(Tapped("accept"), CardInserted())
    assert run.screen.name == "reading_card" and "name" not in run.screen.data
    run.send(CardGreeting("นายสมชาย", "Mr. Somchai"))
    assert run.screen.name == "reading_card" and run.screen.data == {
        "journey": "thaid",
        "journey_step": 2,  # the card, of five steps
        "journey_steps": 5,
        "who": "citizen",
        "name": "นายสมชาย",
    }
    run.send(CardRead(CARD))
    assert run.screen.name == "card_data"

    english = Run.start(enrol_self.FLOW, replace(context(), language="en"))
    english.send(Tapped("accept"), CardInserted(), CardGreeting("นายสมชาย", "Mr. Somchai"))
    assert english.at("name") == "Mr. Somchai"


def test_a_card_pulled_after_its_names_were_read_ends_as_card_removed() -> None:
    run = Run.start(enrol_self.FLOW).send(Tapped("accept"), CardInserted(), CardGreeting("นายสมชาย", "Mr. Somchai"))
    run.send(CardRemoved())
    assert run.state.outcome == "card_removed" and run.at("reason") == "card_removed"
    assert "สมชาย" not in repr(run.screen.data) and "Somchai" not in repr(run.screen.data)
    late = run.send(CardGreeting("นายสมชาย", "Mr. Somchai"))  # a late greeting does not bring the name back
    assert "สมชาย" not in repr(late.screen.data)
