"""The registry's citizen services through whole journeys: the real card behind pcscd, the fingerprint sensor and the
printer on pseudo-terminals, the registry on loopback mutual TLS, composed by `kiosk.app.compose` as `kiosk run`
does (the rig and helpers are the journeys' end-to-end ones: tests/flows/kit.py). "My bookings" lists and cancels a
booking; a certified extract gets in by fingerprint after three face failures, matched on the sensor against the
template the registry holds, and the printed ท.ร.14/1 names the parents."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk import officer_proof
from kiosk.registry_client import new_key
from tests.flows.kit import RigKiosk as Kiosk
from tests.flows.kit import check_audit, choose_a_free_slot, config, faces_or_skip

pytestmark = pytest.mark.stack


def test_my_bookings_lists_the_booking_and_cancels_it(rig: Any) -> None:
    faces_or_skip()
    k = Kiosk(rig, config(rig), camera=True)
    try:
        day, slot = choose_a_free_slot(k, rig, "ruethai")
        k.tap("slot", slot).on("booking_review").tap("confirm").on("booking_confirmed")
        reference = k.data["reference"]
        k.tap("done").on("remove_card")
        k.take_card_out()
        k.on("attract")

        k.tap("start").tap("language", "th").tap("service", "booking").on("consent").tap("accept").on("insert_card")
        rig.insert_card("ruethai")
        k.on("booking_action", 60.0).tap("my_bookings").on("booking_list")
        assert [(b["reference"], b["date"], b["time"]) for b in k.data["bookings"]] == [(reference, day, slot)]
        k.tap("booking", reference).on("booking_cancel").tap("confirm").on("thank_you")
        assert k.data["cancelled"] is True
        k.tap("done").on("remove_card")
        k.take_card_out()
        k.on("attract")

        k.tap("start").tap("language", "th").tap("service", "booking").on("consent").tap("accept").on("insert_card")
        rig.insert_card("ruethai")
        k.on("booking_action", 60.0).tap("my_bookings").on("booking_list")
        assert k.data["bookings"] == []  # cancelled in the registry, not only on this screen
    finally:
        rig.show_person("")
        rig.remove_card()
        k.close()
    check_audit(config(rig), ["booked", "booking_cancelled"])


def enrol_with_template(the_rig: Any, key: str) -> None:
    """The citizen enrolled at a field kit earlier, with an index-finger template as the sensor exports it."""
    from simulator.finger.fingers import base_features, pack, quantize

    citizen = the_rig.citizen(key)
    template = pack([quantize(f) for f in base_features(citizen.finger)])
    registry = the_rig.registry_server.registry
    key, officer = new_key(), "1101500482649"
    at = int(registry.clock().timestamp())
    proof = officer_proof.make(
        officer_proof.proof_key(officer, "58203947"), "KIT-FIELD-1", officer, key, citizen.cid, at
    )
    status, body = registry.enrol(
        "KIT-FIELD-1", key, citizen.cid, "unit-1014", "officer", officer, template=template, proof=proof
    )
    assert status == 201, body


def test_extract_by_fingerprint_after_three_face_failures_prints_the_parents(rig: Any) -> None:
    faces_or_skip()
    enrol_with_template(rig, "somsak")
    cfg = config(rig)
    rig.show_person("somchai")  # not the card holder: the face cannot match
    k = Kiosk(rig, cfg, camera=True)
    try:
        k.on("attract").tap("start").tap("language", "th").tap("service", "extract").on("extract_choice")
        k.tap("document", "tr14_1").tap("accept").on("insert_card")
        rig.insert_card("somsak")
        for _ in range(2):
            k.on("error", 60.0).tap("retry")
        k.on("finger", 60.0)
        rig.place_finger("somsak")
        k.on("extract_preview", 60.0)
        rig.lift_finger()
        before = rig.documents_printed()
        k.tap("print").on("printed", 60.0)
        number = k.data["document_no"]
        k.tap("done").on("remove_card")
        k.take_card_out()
        k.on("attract")
    finally:
        rig.show_person("")
        rig.lift_finger()
        k.close()
    assert rig.documents_printed() == before + 1
    person = rig.registry_server.registry.extract(number)["person"]
    assert person["citizen_id"] == rig.citizen("somsak").cid
    assert person["parents"]["father_th"].startswith("นาย") and person["parents"]["mother_th"].startswith("นาง")
    check_audit(cfg, ["face_failed", "finger_template_fetch", "verified", "printed"])


def test_finger_not_enrolled_refers_to_an_officer(rig: Any) -> None:
    faces_or_skip()
    rig.show_person("somchai")
    k = Kiosk(rig, config(rig), camera=True)
    try:
        k.on("attract").tap("start").tap("language", "en").tap("service", "extract").on("extract_choice")
        k.tap("document", "tr14_1").tap("accept").on("insert_card")
        rig.insert_card("kanokwan")  # never enrolled: no template to match against
        for _ in range(2):
            k.on("error", 60.0).tap("retry")
        # nothing to match against: straight to "please see an officer" (the screen for a finger that cannot be used)
        k.until(lambda: k.screens.last[0] == "error" and k.data.get("reason") == "finger_worn", 60.0)
        assert not any(name == "extract_preview" for name, _ in k.screens.shown)
    finally:
        rig.show_person("")
        k.close()
