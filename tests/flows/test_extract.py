"""The certified extract with a fake clock: face, fingerprint as the second way in, referral, preview, sealed print,
confirmation, void-and-reprint, and the printer failing at every point."""

from __future__ import annotations

from kiosk.flows import extract
from kiosk.flows.effects import Audit, FetchRecord, Forget, Print, VerifyFinger, VoidPrint
from kiosk.flows.events import (
    CapabilitiesChanged,
    CardInserted,
    CardRead,
    CardRemoved,
    DeviceFailed,
    FaceCaptured,
    FaceMatched,
    FingerHint,
    FingerMatched,
    LivenessDone,
    PrintConfirmed,
    PrintFailed,
    PrintProgress,
    PrintSent,
    RecordFetched,
    Tapped,
)
from tests.flows.explore import RECORD
from tests.flows.harness import ALL_CAPS, CARD, Run, context

Ex = Run[extract.Extract]


def to_face(run: Ex, form: str = "tr14_1") -> Ex:
    return run.send(Tapped("document", form), Tapped("accept"), CardInserted(), CardRead(CARD))


def fail_face(run: Ex, times: int) -> Ex:
    for i in range(times):
        if i:
            run.send(Tapped("retry"))
        run.send(FaceCaptured(), LivenessDone(True), FaceMatched(False))
    return run


def to_preview(run: Ex) -> Ex:
    return to_face(run).send(FaceCaptured(), LivenessDone(True), FaceMatched(True), RecordFetched(RECORD))


def test_choose_consent_card_face_fetch_preview_print_confirm() -> None:
    run = Run.start(extract.FLOW)
    assert run.screen.name == "extract_choice" and run.at("documents") == ["tr14_1", "tr12_2"]
    run.send(Tapped("document", "tr12_2"))
    assert run.screen.name == "consent" and run.at("document") == "tr12_2"
    run.send(Tapped("accept"), CardInserted(), CardRead(CARD))
    assert run.stage == "face_capture"
    run.send(FaceCaptured(), LivenessDone(True), FaceMatched(True))
    assert run.stage == "fetching" and FetchRecord("tr12_2", CARD.citizen_id) in run.last
    run.send(RecordFetched(RECORD))
    screen = run.screen
    assert screen.name == "extract_preview" and screen.data["rows"] == [
        {"field": "ชื่อ", "value": "นาย สมชาย ใจดี"},
        {"field": "บ้านเลขที่", "value": "1"},
    ]
    run.send(Tapped("print"))
    job = run.emitted(Print)[0]
    assert job.document.sealed and job.document.form == "tr12_2" and job.reprint_of == ""
    assert run.screen.name == "printing"
    run.send(PrintSent("J1", "TR122-0001-000007"))
    run.send(CardRemoved())  # paper is moving: the job runs to its end
    assert run.stage == "printing"
    run.send(PrintConfirmed("J1"))
    assert run.screen.name == "printed" and run.at("document_no") == "TR122-0001-000007"
    assert any(isinstance(e, Audit) and e.event == "printed" for e in run.last)
    run.send(Tapped("done"))
    assert run.stage == "closed"


def test_no_record_is_a_clear_end() -> None:
    run = to_face(Run.start(extract.FLOW)).send(FaceCaptured(), LivenessDone(True), FaceMatched(True))
    run.send(RecordFetched(None))
    assert run.at("reason") == "not_found"


def test_fingerprint_is_the_second_way_in_after_three_face_failures() -> None:
    run = fail_face(to_face(Run.start(extract.FLOW)), 3)
    assert run.stage == "finger_verify" and VerifyFinger(CARD.holder, CARD.citizen_id) in run.last
    assert run.screen.name == "finger"
    run.send(FingerHint("lift"))
    assert run.at("hint") == "lift"
    run.send(FingerMatched(True))
    assert run.stage == "fetching" and run.state.verified_by == "finger"


def test_without_a_fingerprint_sensor_three_face_failures_refer_to_an_officer() -> None:
    run = fail_face(to_face(Run.start(extract.FLOW, context(caps=ALL_CAPS - {"finger"}))), 3)
    assert (run.stage, run.state.outcome) == ("notice", "refer_officer")
    assert run.at("reason") == "face_mismatch"


def test_three_finger_failures_refer_to_an_officer_and_stay_locked() -> None:
    run = fail_face(to_face(Run.start(extract.FLOW)), 3)
    run.send(FingerMatched(False))
    assert run.screen.name == "error" and run.at("attempts_left") == 2
    run.send(Tapped("retry"), DeviceFailed("finger", "poor_image"))  # a worn finger counts as a try
    assert run.at("reason") == "finger_worn"
    run.send(Tapped("retry"), FingerMatched(False))
    assert run.state.outcome == "refer_officer" and run.at("reason") == "finger_no_match"
    again = to_face(Run.start(extract.FLOW, context(book=run.state.ctx.attempts)))
    assert again.state.outcome == "refer_officer"  # both ways in are locked for this holder


def test_no_enrolled_fingerprint_refers_at_once() -> None:
    run = fail_face(to_face(Run.start(extract.FLOW)), 3).send(FingerMatched(False, "not_enrolled"))
    assert run.at("reason") == "finger_worn"


def test_a_camera_gone_mid_capture_falls_back_to_the_fingerprint() -> None:
    run = to_face(Run.start(extract.FLOW)).send(DeviceFailed("camera", "gone"))
    assert run.stage == "finger_verify"


def test_a_failed_print_is_voided_and_reprinted_with_the_same_number() -> None:
    run = to_preview(Run.start(extract.FLOW)).send(Tapped("print"), PrintSent("J1", "TR141-0001-000009"))
    run.send(PrintFailed("J1", "not_confirmed"))
    assert VoidPrint("J1", "not_confirmed") in run.last
    assert run.screen.name == "error" and run.at("reason") == "printer_failed" and run.at("retry")
    run.send(Tapped("retry"))
    again = run.emitted(Print)[0]
    assert again.reprint_of == "TR141-0001-000009" and again.document == extract.document(run.state)
    assert run.at("reprint") is True
    run.send(PrintSent("J2", "TR141-0001-000009"), PrintConfirmed("J2"))
    assert run.stage == "extract_done"


def test_printing_shows_the_printers_progress_and_a_reprint_starts_from_nothing() -> None:
    run = to_preview(Run.start(extract.FLOW)).send(Tapped("print"), PrintSent("J1", "TR141-0001-000009"))
    assert "progress" not in run.screen.data  # no figure before the printer reports one
    run.send(PrintProgress("J1", 0.4))
    assert run.screen.name == "printing" and run.at("progress") == 0.4
    run.send(PrintProgress("J1", 0.75))
    assert run.at("progress") == 0.75 and run.at("document_no") == "TR141-0001-000009"
    run.send(PrintFailed("J1", "paper_out"), PrintProgress("J1", 0.8))  # late news of the failed copy
    assert run.screen.name == "error"
    run.send(CapabilitiesChanged(ALL_CAPS), Tapped("retry"), PrintSent("J2", "TR141-0001-000009"))
    assert run.screen.name == "printing" and "progress" not in run.screen.data
    run.send(PrintProgress("J2", 1.0), PrintConfirmed("J2"))
    assert run.stage == "extract_done"


def test_reprints_are_limited() -> None:
    run = to_preview(Run.start(extract.FLOW)).send(Tapped("print"), PrintSent("J1", "N1"))
    for job in ("J1", "J2", "J3"):
        run.send(PrintFailed(job, "offline"))
        if job != "J3":
            run.send(Tapped("retry"), PrintSent(job[0] + str(int(job[1]) + 1), "N1"))
    assert run.at("retry") is False
    run.send(Tapped("retry"))
    assert run.state.outcome == "refer_officer"


def test_paper_out_during_printing_voids_and_no_reprint_until_paper_is_back() -> None:
    run = to_preview(Run.start(extract.FLOW)).send(Tapped("print"), PrintSent("J1", "N1"))
    run.send(DeviceFailed("printer", "paper_out"), CapabilitiesChanged(ALL_CAPS - {"print", "extract"}))
    assert VoidPrint("J1", "paper_out") in run.all(VoidPrint)
    assert run.at("reason") == "printer_paper_out" and run.at("retry") is False
    run.send(CapabilitiesChanged(ALL_CAPS))
    assert run.at("retry") is True
    run.send(Tapped("retry"))
    assert run.emitted(Print)[0].reprint_of == "N1"


def test_an_unconfirmed_print_times_out_into_a_void() -> None:
    run = to_preview(Run.start(extract.FLOW)).send(Tapped("print"), PrintSent("J1", "N1"))
    run.wait(60.0)
    assert run.stage == "print_failed" and VoidPrint("J1", "not_confirmed") in run.last


def test_printing_is_not_started_without_a_printer() -> None:
    run = to_preview(Run.start(extract.FLOW)).send(CapabilitiesChanged(ALL_CAPS - {"print"}))
    assert run.at("print") is False
    run.send(Tapped("print"))
    assert run.at("reason") == "printer_failed" and not run.all(Print)


def test_cancel_while_printing_voids_the_job_and_wipes() -> None:
    run = to_preview(Run.start(extract.FLOW)).send(
        Tapped("print"), PrintSent("J1", "N1"), Tapped("cancel"), Tapped("cancel")
    )
    assert (run.stage, run.state.outcome) == ("notice", "cancelled")
    assert VoidPrint("J1", "aborted") in run.last and Forget() in run.last and run.state.record is None


def test_the_registry_lost_while_the_extract_is_issued_ends_at_once_and_says_so() -> None:
    """Defect 7: offline during print waited for the print deadline on "do not pull the paper", then named nothing."""
    run = Run.start(extract.FLOW).send(Tapped("document", "tr14_1"), Tapped("accept"), CardInserted(), CardRead(CARD))
    run.send(FaceCaptured(), LivenessDone(True), FaceMatched(True), RecordFetched(RECORD), Tapped("print"))
    assert run.stage == "printing" and run.at("document_no") == ""  # the screen says it is preparing, not printing
    run.send(DeviceFailed("registry", "unreachable"))
    assert run.stage == "notice" and run.at("reason") == "registry_offline" and run.at("take_card") is True
