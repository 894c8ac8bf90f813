"""The effect executor end to end with in-memory ports: real runner (worker threads, one event thread), fake clock,
the UI's own tap events and the card driver's own events; journeys from the attract screen to the end."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest

from kiosk.drivers import card as card_driver
from kiosk.flows.context import DeviceStatus
from kiosk.flows.host import DeviceReport
from kiosk.runner import DeviceFailed, Tick
from tests.flows.fakes import (
    IDENTITY,
    NAMES,
    PORTRAIT,
    FakeFace,
    FakeLocal,
    FakePrinter,
    FakeRegistry,
    FakeSignals,
    fake_ports,
)
from tests.flows.kit import SECRET, Kiosk


@pytest.fixture
def kiosk() -> Any:
    k = Kiosk()
    yield k
    k.close()


def choose(k: Kiosk, service: str) -> Kiosk:
    return k.tap("start").tap("language", "th").tap("service", service)


def test_self_enrolment_from_the_attract_screen_to_the_qr(kiosk: Kiosk) -> None:
    assert kiosk.shown[0] == "attract"
    choose(kiosk, "thaid").on("consent").tap("accept").on("insert_card")
    kiosk.insert_card().on("card_data")
    _name, data = kiosk.shown
    assert data["photo"] == PORTRAIT and data["citizen_id"] == "x-xxxx-xxxx3-45-0"
    kiosk.tap("confirm").on("passcode")
    assert {"face_capture", "liveness", "working"} <= set(kiosk.screens.names)
    kiosk.digits("13572468").digits("13572468").on("passcode").digits("13572468").on("activation_qr")
    assert kiosk.shown[1]["payload"] == "THAID:ACT:ABCD"
    registry = kiosk.ports.registry
    assert isinstance(registry, FakeRegistry) and registry.enrolled[0].passcode == "13572468"
    kiosk.remove_card().on("attract")
    kiosk.host.flush()
    local = kiosk.ports.local
    assert isinstance(local, FakeLocal)
    events = [a[0] for a in local.audits]
    assert {"journey_started", "consent_given", "verified", "consent_confirmed", "enrolled", "journey_ended"} <= set(
        events
    )
    text = repr(local.audits)
    assert IDENTITY.cid not in text and "สมชาย" not in text and "13572468" not in text


def test_liveness_is_given_the_chip_portrait_of_the_card_read(kiosk: Kiosk) -> None:
    """The turned face is checked against the card holder: the host hands the face service the portrait it holds."""
    choose(kiosk, "thaid").on("consent").tap("accept").on("insert_card")
    kiosk.insert_card().on("card_data")
    kiosk.tap("confirm").on("passcode")
    face = kiosk.ports.face
    assert isinstance(face, FakeFace) and face.liveness_portraits == [PORTRAIT]


def names_read(kiosk: Kiosk) -> None:
    """ThaiD enrolment up to the card read, with the names read first (as the driver posts them) and the rest due."""
    choose(kiosk, "thaid").on("consent").tap("accept").on("insert_card")
    kiosk.post(card_driver.CardInserted("Virtual PCD", b"\x3b\x67"), card_driver.CardNamesRead(NAMES))
    kiosk.on("reading_card")


def test_the_name_is_on_the_reading_screen_before_the_rest_of_the_card(
    kiosk: Kiosk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    names_read(kiosk)
    assert kiosk.data["name"] == "นายสมชาย"  # title and first name: no surname, no ID
    assert "ใจดี" not in repr(kiosk.shown) and IDENTITY.cid not in repr(kiosk.shown)
    kiosk.post(card_driver.CardIdentityRead(IDENTITY), card_driver.CardPhotoRead(PORTRAIT)).on("card_data")
    logged = caplog.text + repr(card_driver.CardNamesRead(NAMES))
    assert IDENTITY.cid not in logged and "สมชาย" not in logged and "Somchai" not in logged


def test_a_card_pulled_after_its_names_were_read_ends_the_journey_cleanly(
    kiosk: Kiosk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    names_read(kiosk)
    assert kiosk.data["name"] == "นายสมชาย"
    kiosk.remove_card().on("error", reason="card_removed")
    assert "สมชาย" not in repr(kiosk.shown)
    kiosk.tap("done").on("attract")
    kiosk.host.flush()
    local = kiosk.ports.local
    assert isinstance(local, FakeLocal)
    logged = caplog.text + repr(local.audits)
    assert IDENTITY.cid not in logged and "สมชาย" not in logged and "Somchai" not in logged
    # the next person's journey starts with no name of the last one
    choose(kiosk, "thaid").on("consent").tap("accept").on("insert_card")
    kiosk.post(card_driver.CardInserted("Virtual PCD", b"\x3b\x67")).on("reading_card")
    assert "name" not in kiosk.shown[1]


def test_a_card_inserted_before_choosing_is_read_from_what_the_driver_delivered(kiosk: Kiosk) -> None:
    kiosk.tap("start").insert_card().tap("language", "en").tap("service", "extract").on("extract_choice")
    kiosk.tap("document", "tr14_1").tap("accept").on("extract_preview")  # face, liveness, match, fetch: instant
    assert "reading_card" in kiosk.screens.names and "insert_card" not in kiosk.screens.names
    card = kiosk.ports.card
    assert card is not None and card.reads == 0  # type: ignore[attr-defined]


def test_extract_prints_and_a_failed_print_is_voided_and_reprinted() -> None:
    k = Kiosk(fake_ports(printer=FakePrinter(fail_first=True)))
    try:
        choose(k, "extract").tap("document", "tr12_2").tap("accept").insert_card().on("extract_preview")
        k.tap("print").on("error")
        assert k.shown[1]["reason"] == "printer_paper_out"
        printer = k.ports.printer
        assert isinstance(printer, FakePrinter)
        k.host.flush()
        assert printer.voided == ["J1"]
        assert k.shown[1]["retry"] is False  # paper out: the kiosk knows it cannot print now
        k.post(DeviceReport("printer", "ok")).on("error")
        assert k.shown[1]["retry"] is True
        k.tap("retry").on("printed")
        assert printer.printed[1][1] == "TR141-0001-000001"  # the reprint keeps the number
        assert k.shown[1]["document_no"] == "TR141-0001-000001"
    finally:
        k.close()


def test_paper_out_takes_extracts_off_the_menu(kiosk: Kiosk) -> None:
    kiosk.post(DeviceFailed("printer", "paper_out", "")).tap("start").tap("language", "th")
    assert "extract" in kiosk.shown[1]["disabled"]
    kiosk.post(DeviceReport("printer", "ok"))
    assert "extract" not in kiosk.shown[1]["disabled"]


def test_tamper_puts_the_kiosk_out_of_service(kiosk: Kiosk) -> None:
    kiosk.post(DeviceReport("tamper", "opened"))
    assert kiosk.shown[0] == "out_of_service"


def test_a_late_answer_never_reaches_the_next_person() -> None:
    hold = threading.Event()
    face = FakeFace(hold=hold)
    k = Kiosk(fake_ports(face=face))
    try:
        choose(k, "own_data").tap("accept").insert_card().on("face_capture")
        k.tap("cancel").on("confirm_cancel").tap("cancel").on("remove_card")
        k.remove_card().on("attract")
        choose(k, "own_data").tap("accept").on("insert_card")
        hold.set()  # the first person's capture finishes now
        time.sleep(0.05)
        k.post(Tick())
        assert k.shown[0] == "insert_card"  # their FaceCaptured was dropped
        assert face.cancelled  # and the camera loop was told to stop when the journey was wiped
    finally:
        k.close()


def test_officer_enrolment_goes_to_the_outbox_with_the_template() -> None:
    officer = card_driver.CardIdentity(**{**IDENTITY.__dict__, "cid": "3100600123450"})
    from kiosk.flows.attempts import holder_key

    local = FakeLocal(officers={holder_key("3100600123450", SECRET): ("OFF-9", "เจ้าหน้าที่", "482913")})
    k = Kiosk(fake_ports(local=local, registry=FakeRegistry(down=True)), status=DeviceStatus(field_kit=True))
    try:
        choose(k, "thaid_officer").on("officer_signin").tap("sign_in", "card")
        k.post(
            card_driver.CardInserted("r", b""), card_driver.CardIdentityRead(officer), card_driver.CardPhotoRead(b"x")
        )
        k.on("passcode").digits("482913").on("remove_card").remove_card().on("insert_card")
        k.insert_card().on("card_data").tap("confirm").digits(IDENTITY.cid).on("consent").tap("accept")
        k.on("activation_qr")
        assert k.shown[1]["offline"] is True and k.shown[1]["payload"] == "KIT:op-1"
        op, template = local.queued[0]
        assert template == b"TEMPLATE" and op.officer_id == "OFF-9" and op.method == "officer"
        assert local.forgotten == 0  # signed in for the next citizen
        k.tap("sign_out").on("remove_card").remove_card().until(lambda: local.forgotten == 1)  # the proof key goes
    finally:
        k.close()


def test_lockouts_survive_a_restart() -> None:
    ports = fake_ports(face=FakeFace(accept=False))
    k = Kiosk(ports)
    try:
        choose(k, "thaid").tap("accept").insert_card().on("card_data").tap("confirm")
        for _ in range(2):
            k.on("error").tap("retry")
        k.until(lambda: k.shown[1].get("reason") == "locked_out")
        k.host.flush()
    finally:
        k.close()
    assert isinstance(ports.local, FakeLocal) and ports.local.strikes
    again = Kiosk(ports)  # a new process: the book comes back from the store
    try:
        choose(again, "thaid").tap("accept").insert_card().on("card_data").tap("confirm")
        again.until(lambda: again.shown[1].get("reason") == "locked_out")
        assert isinstance(ports.face, FakeFace) and ports.face.captures == 3  # no fourth try
    finally:
        again.close()


def test_inactivity_warns_then_returns_to_attract(kiosk: Kiosk) -> None:
    choose(kiosk, "booking").on("consent")
    kiosk.wait(60).on("timeout_warning")
    assert kiosk.shown[1]["seconds_left"] == 30
    kiosk.wait(30).on("error")
    assert kiosk.shown[1]["reason"] == "timed_out"
    kiosk.wait(8).on("attract")


def test_registry_down_while_booking_is_a_clear_screen(kiosk: Kiosk) -> None:
    registry = kiosk.ports.registry
    assert isinstance(registry, FakeRegistry)
    registry.down = True
    choose(kiosk, "booking").tap("accept").insert_card().on("booking_action").tap("new_booking").on("error")
    assert kiosk.shown[1]["reason"] == "registry_offline"
    kiosk.remove_card().on("out_of_service")  # and stops offering what needs the registry: here, everything
    kiosk.post(DeviceReport("registry", "ok")).on("attract")


def test_a_lost_reader_takes_card_services_off_the_menu_until_it_answers_again(kiosk: Kiosk) -> None:
    kiosk.post(card_driver.CardReadFailed("reader_unavailable", "pcscd gone"))
    assert kiosk.shown[0] == "out_of_service"  # every service needs the card reader
    kiosk.insert_card().tap("start")
    assert kiosk.shown[0] == "language"


def test_a_card_left_in_is_asked_back_until_it_is_out_and_nothing_starts_meanwhile(kiosk: Kiosk) -> None:
    """Defect 2: the card stayed in the slot after a journey and the next person used it."""
    choose(kiosk, "thaid").on("consent").tap("accept").on("insert_card")
    kiosk.post(card_driver.CardInserted("Virtual PCD", b"\x3b\x67"), card_driver.CardIdentityRead(IDENTITY))
    kiosk.tap("cancel").tap("cancel").on(
        "remove_card"
    )  # the journey is over (it forgot the card) while the driver still reads
    signals = kiosk.ports.signals
    assert isinstance(signals, FakeSignals)
    beeps = len(signals.beeps)
    for _ in range(20):
        kiosk.wait(10)
        kiosk.tap("start").tap("language", "th").tap("service", "thaid")
    assert kiosk.shown[0] == "remove_card" and kiosk.host.flow is not None  # still asking, nothing else started
    assert len(signals.beeps) - beeps >= 20 and signals.lit["card_slot"] is True
    kiosk.post(card_driver.CardPhotoRead(PORTRAIT))  # the rest of the forgotten read arrives: dropped
    kiosk.remove_card().on("attract")
    assert kiosk.host.flow is None and signals.lit["card_slot"] is False
    assert kiosk.host._reading is None
    card = kiosk.ports.card
    assert card is not None and card.reads == 0  # type: ignore[attr-defined]


def test_a_card_left_at_the_menu_is_asked_back_before_anyone_starts(kiosk: Kiosk) -> None:
    kiosk.tap("start").tap("language", "th").insert_card().on("menu")
    kiosk.wait(91).on("remove_card")  # the menu timed out with the card in: it is no longer anyone's here
    kiosk.tap("start").tap("language", "th").tap("service", "booking")
    assert kiosk.shown[0] == "remove_card" and kiosk.host.flow is None
    kiosk.remove_card().on("attract")
    choose(kiosk, "booking").on("consent")


def test_a_card_read_by_the_watcher_is_not_read_again(kiosk: Kiosk) -> None:
    choose(kiosk, "own_data").on("consent").tap("accept").on("insert_card")
    kiosk.insert_card().on("own_data")
    card = kiosk.ports.card
    assert card is not None and card.reads == 0  # type: ignore[attr-defined]


def test_the_reader_back_alone_brings_card_services_back(kiosk: Kiosk) -> None:
    kiosk.post(card_driver.CardReadFailed("reader_unavailable", "pcscd gone"))
    assert kiosk.shown[0] == "out_of_service"
    kiosk.post(card_driver.ReaderAvailable("Virtual PCD")).on("attract")  # no card needs to go in and out
    assert kiosk.host.status.card
