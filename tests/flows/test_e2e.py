"""Journeys end to end through the real drivers: the virtual card behind pcscd (vpcd), the ESC/POS printer and the
fingerprint sensor on pseudo-terminals, the registry service on loopback over mutual TLS, the kiosk's SQLite store.
The composition root (`kiosk.app.compose`) builds everything from config, exactly as `kiosk run` does."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from kiosk.booking_rules import is_reference
from kiosk.flows.adapters import LocalAdapter
from kiosk.flows.attempts import holder_key
from kiosk.text.numbers import format_citizen_id
from tests.flows.kit import RigKiosk as Kiosk
from tests.flows.kit import check_audit, choose_a_free_slot, config, faces_or_skip

pytestmark = pytest.mark.stack


def test_booking_through_the_real_card_registry_and_printer(rig: Any) -> None:
    faces_or_skip()
    k = Kiosk(rig, config(rig), camera=True)
    try:
        day, slot = choose_a_free_slot(k, rig, "somchai")
        before = rig.documents_printed()
        k.tap("slot", slot).on("booking_review").tap("confirm").on("booking_confirmed")
        assert k.data["date"] == day and k.data["time"] == slot and is_reference(k.data["reference"])
        k.tap("print").on("remove_card")  # printed: the card comes back before the kiosk is anyone else's
        assert rig.documents_printed() == before + 1
        k.take_card_out()
        k.on("attract")
    finally:
        rig.show_person("")
        rig.remove_card()
        k.close()
    check_audit(config(rig), ["journey_started", "consent_given", "verified", "booked", "journey_ended"])


def test_a_card_pulled_mid_journey_wipes_and_ends(rig: Any) -> None:
    faces_or_skip()
    k = Kiosk(rig, config(rig), camera=True)
    try:
        k.on("attract").tap("start").tap("language", "en").tap("service", "booking").tap("accept")
        rig.show_person("ruethai")
        rig.insert_card("ruethai")
        k.on("booking_action", 60.0)
        # the real reader's names, read before the rest of the card, were on the reading screen (English journey)
        greetings = [d["name"] for n, d in k.screens.shown if n == "reading_card" and d.get("name")]
        assert greetings and set(greetings) == {"Mrs. Ruethairat"}, greetings  # title and first name, no surname
        rig.remove_card()
        k.until(lambda: k.screens.last[0] == "error" and k.data["reason"] == "card_removed")
    finally:
        k.close()


def test_officer_enrolment_offline_then_synced_when_the_link_is_back(rig: Any) -> None:
    cfg = config(rig, camera={"enabled": False}, store={"sync_interval_s": 0.3})
    from kiosk.store import Outbox, last_sync, load_or_create, open_store

    conn = open_store(cfg.store.path)
    keys = load_or_create(cfg.kiosk.data_dir / "keys")
    officer = rig.citizen("pitak")  # an officer in the registry's test population
    LocalAdapter(conn, keys, cfg.kiosk.unit, cfg.kiosk.id).add_officer(
        holder_key(officer.cid, keys.subject_key), officer.cid, "เจ้าหน้าที่ พิทักษ์", "58203947"
    )
    last_sync.record(conn, keys.data_key, time.time())  # the kit left the office synced, then lost its link
    rig.set_online(False)
    k = Kiosk(rig, cfg)
    try:
        k.on("attract").tap("start").tap("language", "th").tap("service", "thaid_officer").on("officer_signin")
        k.tap("sign_in", "card")
        rig.insert_card("pitak")
        k.on("passcode")
        for d in "58203947":
            k.tap("digit", d)
        k.tap("ok").on("remove_card")
        rig.remove_card()
        k.on("insert_card")
        citizen = rig.citizen("somsak")
        rig.insert_card("somsak")
        k.on("card_data").tap("confirm").on("citizen_id_entry")
        for d in citizen.cid:
            k.tap("digit", d)
        k.tap("ok").on("consent").tap("accept").on("finger")
        placed = False
        deadline = time.monotonic() + 30
        while k.screens.last[0] == "finger" and time.monotonic() < deadline:
            hint = k.data.get("hint", "")
            if hint in ("place", "place_finger", "place_again") and not placed:
                rig.place_finger("somsak")
                placed = True
            elif hint in ("lift_finger", "lift") and placed:
                rig.lift_finger()
                placed = False
            k.runner.run(until=lambda h=hint: k.data.get("hint", "") != h or k.screens.last[0] != "finger")  # type: ignore[misc]
        rig.lift_finger()
        k.on("activation_qr")
        assert k.data["offline"] is True and k.data["payload"].startswith("THAID:KIT:")
        outbox = Outbox(conn, keys.data_key)
        queued = [op for op in outbox.list() if op.kind == "enrol"]
        assert queued and queued[-1].state in ("queued", "sent")
        assert queued[-1].payload["citizen_id"] == citizen.cid
        (stored,) = conn.execute("SELECT payload FROM outbox WHERE key = ?", (queued[-1].key,)).fetchone()
        assert stored.startswith("enc1:") and citizen.cid not in stored  # encrypted at rest
        rig.set_online(True)  # the link is back: the kit syncs on its own (it must decrypt to send)
        try:
            k.until(lambda: outbox.get(queued[-1].key).state == "acknowledged", 20.0)  # type: ignore[union-attr]
        except AssertionError:
            raise AssertionError(f"not synced: {outbox.get(queued[-1].key)}") from None
    finally:
        rig.set_online(True)
        rig.remove_card()
        k.close()
        conn.close()
    check_audit(cfg, ["officer_signed_in", "consent_given", "finger_captured", "enrolled"])


def test_certified_extract_with_the_face_pipeline_prints_a_seal_that_verifies_offline(rig: Any) -> None:
    import zxingcpp

    from kiosk.seal import TrustList, verify

    faces_or_skip()
    cfg = config(rig)
    citizen = rig.citizen("somchai")
    rig.show_person("somchai")
    k = Kiosk(rig, cfg, camera=True)
    try:
        k.on("attract").tap("start").tap("language", "th").tap("service", "extract").on("extract_choice")
        k.tap("document", "tr14_1").tap("accept").on("insert_card")
        rig.insert_card("somchai")
        k.on("extract_preview", 60.0)
        assert {"field": "citizen_id", "value": format_citizen_id(citizen.cid)} in k.data["rows"]
        before = rig.documents_printed()
        k.tap("print").on("printed", 60.0)
        number = k.data["document_no"]
        k.tap("done").on("remove_card")
        k.take_card_out()
        k.on("attract")
    finally:
        rig.show_person("")
        k.close()
    assert rig.documents_printed() == before + 1
    paper = rig.printer.documents()[-1]
    codes = [c.text for c in zxingcpp.read_barcodes(paper) if c.text]
    assert codes, "no QR seal found on the printed extract"
    check = verify(codes[-1], TrustList.load(cfg.registry.trust_list), datetime.now(UTC))
    assert check.ok, check
    assert check.document is not None and check.document.doc_no == number and check.document.citizen_id == citizen.cid
    check_audit(cfg, ["verified", "printed"])


def test_self_enrolment_with_the_face_pipeline_to_the_registrys_activation_code(rig: Any) -> None:
    faces_or_skip()
    rig.show_person("kanokwan")
    k = Kiosk(rig, config(rig), camera=True)
    try:
        k.on("attract").tap("start").tap("language", "th").tap("service", "thaid").on("consent").tap("accept")
        rig.insert_card("kanokwan")
        k.on("card_data").tap("confirm").on("passcode", 60.0)
        k.digits("12345678")  # a sequence: refused, same screen
        k.until(lambda: k.data.get("error") == "sequence")
        for _ in range(3):
            k.digits("25806147")
        k.on("activation_qr", 30.0)
        assert k.data["payload"].startswith("THAID:ACT:") and k.data["expires_in_s"] > 0
        k.tap("done").on("remove_card")
        k.take_card_out()
        k.on("attract")
    finally:
        rig.show_person("")
        k.close()
    check_audit(config(rig), ["consent_given", "verified", "consent_confirmed", "enrolled"])


def test_own_data_is_shown_after_the_face_match_and_nothing_is_printed(rig: Any) -> None:
    faces_or_skip()
    citizen = rig.citizen("thanakorn")
    rig.show_person("thanakorn")
    before = rig.documents_printed()
    k = Kiosk(rig, config(rig), camera=True)
    try:
        k.on("attract").tap("start").tap("language", "en").tap("service", "own_data").on("consent").tap("accept")
        rig.insert_card("thanakorn")
        k.on("own_data", 60.0)
        assert any(row["value"] == format_citizen_id(citizen.cid) for row in k.data["rows"])  # grouped as printed
        k.tap("done").on("remove_card")
        k.take_card_out()
        k.on("attract")
    finally:
        rig.show_person("")
        k.close()
    assert rig.documents_printed() == before
