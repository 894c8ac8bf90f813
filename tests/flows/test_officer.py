"""Officer-assisted enrolment on the field kit with a fake clock: sign-in by card + PIN or fingerprint, the citizen's
card, typed ID, consent, finger capture with feedback, the outbox (offline) and the kit-signed QR, the next citizen."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from kiosk.flows import enrol_officer
from kiosk.flows.effects import (
    Audit,
    CaptureFinger,
    CheckOfficerPin,
    Enrolment,
    Forget,
    IdentifyOfficerFinger,
    IssueActivation,
    PersistAttempts,
    ReadCard,
    Submit,
)
from kiosk.flows.enrol_officer import citizen_id_valid
from kiosk.flows.events import (
    ActivationIssued,
    CardInserted,
    CardRead,
    CardRemoved,
    DeviceFailed,
    Entered,
    FingerCaptured,
    FingerHint,
    OfficerRejected,
    OfficerVerified,
    Queued,
    Tapped,
)
from tests.flows.explore import ACTIVATION, OFFICER_CARD
from tests.flows.harness import CARD, Run, context

Off = Run[enrol_officer.OfficerEnrol]


def signed_in(run: Off | None = None) -> Off:
    run = run or Run.start(enrol_officer.FLOW)
    run.send(Tapped("sign_in", "card"), CardInserted(), CardRead(OFFICER_CARD), Entered("482913"))
    assert CheckOfficerPin(OFFICER_CARD.holder, "482913") in run.last
    return run.send(OfficerVerified("OFF-7", "เจ้าหน้าที่ เจ็ด"))


def citizen_checked(run: Off) -> Off:
    return run.send(CardRemoved(), CardInserted(), CardRead(CARD), Tapped("confirm"))


def test_check_digit() -> None:
    assert citizen_id_valid("1101700203450") and citizen_id_valid("3100600123450")
    assert not citizen_id_valid("1101700203451") and not citizen_id_valid("110170020345")
    assert not citizen_id_valid("11017002034a0")


def test_the_whole_offline_enrolment_and_the_next_citizen() -> None:
    run = signed_in()
    assert run.screen.name == "remove_card" and run.at("who") == "officer"
    run.send(CardRemoved())
    assert run.screen.name == "insert_card" and run.at("who") == "citizen"
    run.send(CardInserted())
    assert ReadCard() in run.last
    run.send(CardRead(CARD))
    assert run.screen.name == "card_data" and run.at("officer") is True
    run.send(Tapped("confirm"))
    assert run.screen.name == "citizen_id_entry"
    for d in CARD.citizen_id[:5]:
        run.send(Tapped("digit", d))
    assert run.at("digits") == CARD.citizen_id[:5]  # the citizen sees what they type
    for d in CARD.citizen_id[5:]:
        run.send(Tapped("digit", d))
    run.send(Tapped("ok"))
    assert run.screen.name == "consent" and run.at("service") == "thaid_officer"
    run.send(Tapped("accept"))
    assert CaptureFinger() in run.last and run.screen.name == "finger"
    run.send(FingerHint("poor_image"))
    assert run.at("hint") == "poor_image"
    run.send(FingerCaptured("tmpl-1", 71))
    submit = run.emitted(Submit)[0]
    assert not submit.online  # into the outbox: works with no network at all
    assert isinstance(submit.op, Enrolment) and submit.op.finger_handle == "tmpl-1" and submit.op.officer_id == "OFF-7"
    run.send(Queued("op-42"))
    assert IssueActivation("op-42", CARD.citizen_id) in run.last
    run.send(ActivationIssued(ACTIVATION))
    assert run.screen.name == "activation_qr" and run.at("offline") is True
    run.send(Tapped("done"))
    assert run.stage == "citizen_remove" and Forget() in run.last and run.state.card is None
    assert run.state.officer_id == "OFF-7" and run.state.enrolled == 1
    run.send(CardRemoved())
    assert run.stage == "citizen_insert"
    run.send(Tapped("sign_out"))
    assert run.stage == "closed"


def test_typed_id_must_equal_the_card() -> None:
    run = citizen_checked(signed_in())
    run.send(Entered("1101700203451"))
    assert run.at("error") == "check_digit" and run.at("attempts_left") == 3  # a typo: not counted
    run.send(Entered("1101700203468"))
    assert run.at("error") == "cid_mismatch" and run.at("attempts_left") == 2
    run.send(Entered("1101700203468"), Entered("1101700203468"))
    assert run.stage == "citizen_remove" and run.state.card is None and run.state.officer_id == "OFF-7"


def test_the_officers_own_card_is_not_a_citizens() -> None:
    run = signed_in().send(CardRemoved(), CardInserted(), CardRead(OFFICER_CARD))
    assert run.stage == "citizen_remove" and run.state.error == "wrong_card"


def test_a_citizen_card_pulled_mid_way_ends_that_citizen_only() -> None:
    run = citizen_checked(signed_in()).send(Entered(CARD.citizen_id), CardRemoved())
    assert run.stage == "citizen_insert" and Forget() in run.last and run.state.officer_id == "OFF-7"
    assert run.at("error") == "card_removed"


def test_poor_captures_retry_then_give_up_for_this_citizen() -> None:
    run = citizen_checked(signed_in()).send(Entered(CARD.citizen_id), Tapped("accept"))
    run.send(DeviceFailed("finger", "poor_image"))
    assert run.screen.name == "error" and run.at("attempts_left") == 2
    run.send(Tapped("retry"), DeviceFailed("finger", "poor_image"), Tapped("retry"))
    run.wait(30.0)  # no finger within the deadline
    assert run.stage == "finger_attest" and run.at("attest") is True and run.screen.name == "card_data"
    run.send(Tapped("reject"))
    assert run.stage == "citizen_remove" and run.state.error == "finger_worn"


def test_worn_fingers_the_officer_attests_and_the_enrolment_goes_without_a_template() -> None:
    run = citizen_checked(signed_in()).send(Entered(CARD.citizen_id), Tapped("accept"))
    for _ in range(3):
        run.send(DeviceFailed("finger", "poor_image"), Tapped("retry"))
    assert run.stage == "finger_attest"
    run.send(Tapped("confirm"))
    op = run.emitted(Submit)[0].op
    assert isinstance(op, Enrolment) and op.finger_handle == "" and not run.emitted(Submit)[0].online
    assert any(isinstance(e, Audit) and e.event == "finger_fallback" for e in run.last)


def test_a_broken_sensor_is_a_device_error() -> None:
    run = citizen_checked(signed_in()).send(Entered(CARD.citizen_id), Tapped("accept"), DeviceFailed("finger", "gone"))
    assert run.at("reason") == "finger_failed"


def test_wrong_pins_lock_the_officer_card_across_sessions() -> None:
    run = Run.start(enrol_officer.FLOW).send(Tapped("sign_in", "card"), CardInserted(), CardRead(OFFICER_CARD))
    for _ in range(2):
        run.send(Entered("111111"), OfficerRejected("wrong_pin"))
        assert run.stage == "officer_pin" and run.at("error") == "wrong"
    run.send(Entered("111111"), OfficerRejected("wrong_pin"))
    assert run.state.outcome == "locked_out"
    book = run.all(PersistAttempts)[-1].book
    again = Run.start(enrol_officer.FLOW, context(book=book))
    again.send(Tapped("sign_in", "card"), CardInserted(), CardRead(OFFICER_CARD))
    assert again.state.outcome == "locked_out" and again.at("factor") == "pin"


def test_a_card_that_is_no_officers_is_refused() -> None:
    run = Run.start(enrol_officer.FLOW).send(Tapped("sign_in", "card"), CardInserted(), CardRead(CARD))
    run.send(Entered("123456"), OfficerRejected("not_an_officer"))
    assert run.at("reason") == "officer_rejected"


def test_fingerprint_sign_in() -> None:
    run = Run.start(enrol_officer.FLOW).send(Tapped("sign_in", "finger"))
    assert IdentifyOfficerFinger() in run.last
    run.send(OfficerRejected("no_match"))
    assert run.stage == "officer_signin" and run.at("error") == "no_match"
    run.send(Tapped("sign_in", "finger"), OfficerVerified("OFF-1", "x"))
    assert run.stage == "citizen_insert"
    bad = Run.start(enrol_officer.FLOW)
    for _ in range(3):
        bad.send(Tapped("sign_in", "finger"), DeviceFailed("finger", "no_finger"))
    assert bad.at("reason") == "officer_rejected"


def test_an_idle_kit_signs_the_officer_out() -> None:
    run = signed_in().send(CardRemoved())
    run.wait(90.0)  # one jump past both deadlines: the officer is asked first
    assert run.screen.name == "timeout_warning" and run.state.officer_id
    run.wait(30.0)
    assert run.state.outcome == "timed_out" and run.state.officer_id == ""


def test_expired_citizen_card() -> None:
    expired = replace(CARD, expiry=date(2020, 1, 1))
    run = signed_in().send(CardRemoved(), CardInserted(), CardRead(expired))
    assert run.state.error == "card_expired"


def test_a_silent_sensor_is_a_device_error_not_a_failed_try() -> None:
    run = citizen_checked(signed_in()).send(Entered(CARD.citizen_id), Tapped("accept"))
    run.send(DeviceFailed("finger", "timeout"))
    assert run.state.outcome == "device_error" and run.at("reason") == "finger_failed"
    for reason in ("not_lifted", "too_few_features", "no_finger"):
        again = citizen_checked(signed_in()).send(Entered(CARD.citizen_id), Tapped("accept"))
        again.send(DeviceFailed("finger", reason))
        assert again.stage == "finger_retry", reason


def test_an_officer_pin_shorter_than_six_digits_is_not_even_checked() -> None:
    """A 4-5 digit PIN falls to one core in minutes from a stolen disk: the sign-in asks for 6+, as the registry."""
    run = Run.start(enrol_officer.FLOW).send(Tapped("sign_in", "card"), CardInserted(), CardRead(OFFICER_CARD))
    run.send(Entered("58203"))
    assert run.stage == "officer_pin" and run.at("error") == "length"
