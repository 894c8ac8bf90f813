"""Attacks by an enrolled but dishonest kiosk, over loopback mutual TLS on SQLite and PostgreSQL: it cannot create
officers, cancel another kiosk's bookings, read citizen data unthrottled or unaudited, or guess an officer's PIN
more than PIN_MAX_FAILURES times per lock (concurrently either)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import officer_proof
from kiosk.registry.service import LOCK_BASE_S, PIN_MAX_FAILURES
from kiosk.registry_client import RegistryClient, RegistryRejected, Reply, new_key
from tests.registry.conftest import Clock, Running, officer_proof_of
from tests.registry.test_attack_stolen_kiosk import other_kiosk
from tests.registry.test_registry_citizen_services import SOMCHAI, rows

OFFICER, OFFICER_PIN = "OFF-9001", "73914682"
PITAK = "1101500482649"  # a seeded officer (PIN 58203947)


def test_a_kiosk_cannot_create_an_officer(running: Running) -> None:
    with running.client() as c:
        body = {"officer_id": "OFF-EVIL", "name": "x", "unit": "unit-1014", "pin": "123456"}
        reply = c.request("POST", "/v1/officers", body=body, key=new_key())
        assert reply.status in (404, 405)
    assert rows(running, "SELECT COUNT(*) FROM officers WHERE officer_id = 'OFF-EVIL'") == [(0,)]


def test_kiosk_b_cannot_cancel_kiosk_a_booking(running: Running, tmp_path: Path) -> None:
    with running.client() as a:
        slot = next(
            s for s in a.slots("1014", running.today, running.today + timedelta(days=14)) if s["bookable"] == "ok"
        )
        booking = a.book(SOMCHAI, slot["slot_id"], new_key())
    with other_kiosk(running, tmp_path, Ed25519PrivateKey.generate()) as b:  # its own proof for Somchai, even
        reply = b.submit(
            "cancel_booking",
            {"ref": booking["booking_ref"], "citizen_id": SOMCHAI, "presence_proof": b.proof_for(SOMCHAI)},
            new_key(),
        )
        assert (reply.status, reply.error) == (404, "booking_not_found")  # the same answer as a made-up reference
    assert rows(running, "SELECT cancelled_at FROM bookings WHERE ref = ?", (booking["booking_ref"],)) == [(None,)]
    with running.client() as a:
        assert a.cancel_booking(booking["booking_ref"], SOMCHAI, new_key())["cancelled"]


def test_citizen_reads_are_rate_limited_per_kiosk_and_audited_without_the_id(running: Running, tmp_path: Path) -> None:
    running.registry.read_limit = 3
    with running.client() as c:
        assert c.citizen(SOMCHAI)["citizen_id"] == SOMCHAI
        assert c.citizen_bookings(SOMCHAI) == []
        missing = c.request("GET", "/v1/extracts/TR141-2026-00000001", presence_proof=c.proof_for(SOMCHAI))
        assert missing.error == "extract_not_found"
        scraped = c.request("GET", f"/v1/citizens/{SOMCHAI}", presence_proof=c.proof_for(SOMCHAI))
        assert (scraped.status, scraped.error) == (429, "rate_limited")
        assert "name_th" not in scraped.body
        assert c.http.get(f"/v1/citizens/{SOMCHAI}").headers["retry-after"] == str(running.registry.read_window_s)
    with other_kiosk(
        running, tmp_path, Ed25519PrivateKey.generate()
    ) as b:  # the limit is the scraping kiosk's, not everyone's
        assert b.citizen(SOMCHAI)["citizen_id"] == SOMCHAI
    audit = rows(running, "SELECT kiosk_id, what, outcome, subject_hash FROM citizen_reads ORDER BY id")
    assert [(k, w, o) for k, w, o, _ in audit] == [
        ("KIOSK-T1", "citizen", "read"),
        ("KIOSK-T1", "bookings", "read"),
        ("KIOSK-T1", "extract", "extract_not_found"),
        ("KIOSK-T1", "citizen", "rate_limited"),
        ("KIOSK-T1", "citizen", "rate_limited"),
        ("KIOSK-T2", "citizen", "read"),
    ]
    assert SOMCHAI not in repr(audit) and audit[0][3] == audit[1][3]  # one citizen's reads can be followed
    running.clock.now += timedelta(seconds=running.registry.read_window_s + 1)
    with running.client() as c:
        assert c.citizen(SOMCHAI)["citizen_id"] == SOMCHAI


def test_officer_lockout_backs_off_and_an_operator_resets_it(running: Running) -> None:
    running.registry.provision_officer(OFFICER, "นางสาวทดสอบ ล็อก", "unit-1014", OFFICER_PIN)
    with running.client() as c:
        for lock in range(2):
            for n in range(PIN_MAX_FAILURES):
                with pytest.raises(RegistryRejected) as e:
                    c.verify_officer_pin(OFFICER, "000000")
                assert e.value.code == "wrong_pin" and e.value.body["attempts_left"] == PIN_MAX_FAILURES - n - 1
            with pytest.raises(RegistryRejected) as e:
                c.verify_officer_pin(OFFICER, OFFICER_PIN)  # even the right PIN, while locked
            assert e.value.status == 423 and e.value.body["retry_after_s"] == LOCK_BASE_S * 2**lock
            running.clock.now += timedelta(seconds=LOCK_BASE_S * 2**lock - 1)
            with pytest.raises(RegistryRejected):
                c.verify_officer_pin(OFFICER, OFFICER_PIN)  # not yet
            running.clock.now += timedelta(seconds=1)
            if lock == 0:  # the lock lapsed: five more guesses, then a lock twice as long
                continue
            assert c.verify_officer_pin(OFFICER, OFFICER_PIN)["verified"]
        for _ in range(PIN_MAX_FAILURES):
            with pytest.raises(RegistryRejected):
                c.verify_officer_pin(OFFICER, "000000")
        assert running.registry.reset_officer(OFFICER)  # the operator, not a kiosk
        assert c.verify_officer_pin(OFFICER, OFFICER_PIN)["verified"]


def test_concurrent_guesses_test_at_most_the_allowed_number_of_pins(running: Running) -> None:
    """40 wrong PINs at once from many kiosk threads: exactly PIN_MAX_FAILURES are checked, the rest find the lock."""
    running.registry.provision_officer(OFFICER, "นางสาวทดสอบ ล็อก", "unit-1014", OFFICER_PIN)
    guesses = [f"{n:06d}" for n in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda pin: running.registry.verify_officer_pin(OFFICER, pin), guesses))
    codes = [body.get("error") for _, body in answers]
    assert codes.count("wrong_pin") == PIN_MAX_FAILURES
    assert codes.count("officer_locked") == len(guesses) - PIN_MAX_FAILURES


def officer_enrol(c: RegistryClient, proof: str, key: str) -> Reply:
    body = {"citizen_id": SOMCHAI, "unit": "unit-1014", "method": "officer", "officer_id": PITAK}
    return c.request("POST", "/v1/enrolments", body={**body, **({"officer_proof": proof} if proof else {})}, key=key)


def test_an_officer_enrolment_without_the_officers_own_proof_is_refused(running: Running, tmp_path: Path) -> None:
    """No proof, another officer's, one made for another kiosk, one for another citizen, one signed too long ago:
    each refused and nothing enrolled; the officer's own fresh proof for this kiosk enrols."""
    running.registry.provision_officer(OFFICER, "นางสาวทดสอบ ล็อก", "unit-1014", OFFICER_PIN)
    stale = Clock(running.clock.now - timedelta(seconds=officer_proof.MAX_AGE_S + 60))
    attempts = {
        "officer_proof_required": lambda key: "",
        "officer_proof_invalid": lambda key: officer_proof_of(running, SOMCHAI, key, officer=OFFICER, pin=OFFICER_PIN),
        "officer_proof_invalid ": lambda key: officer_proof_of(running, SOMCHAI, key, kiosk="KIOSK-T2"),
        "officer_proof_invalid  ": lambda key: officer_proof_of(running, "1101700203451", key),
        "officer_proof_expired": lambda key: officer_proof_of(
            Running(**{**vars(running), "clock": stale}), SOMCHAI, key
        ),
    }
    with running.client() as c:
        for expected, make in attempts.items():
            key = new_key()
            reply = officer_enrol(c, make(key), key)
            assert (reply.status, reply.error) == (403, expected.strip()), expected
        assert rows(running, "SELECT COUNT(*) FROM enrolments") == [(0,)]
        key = new_key()
        assert officer_enrol(c, officer_proof_of(running, SOMCHAI, key), key).status == 201
    with other_kiosk(running, tmp_path) as b:  # KIOSK-T2 replaying T1's proof under its own certificate
        key = new_key()
        reply = officer_enrol(b, officer_proof_of(running, "1101700203451", key), key)
        assert (reply.status, reply.error) == (403, "officer_proof_invalid")


def test_forged_officer_proofs_count_as_wrong_pins(running: Running) -> None:
    """The enrolment route is no way around the PIN lockout: PIN_MAX_FAILURES bad proofs lock the officer."""
    with running.client() as c:
        for _ in range(PIN_MAX_FAILURES):
            key = new_key()
            guess = officer_proof_of(running, SOMCHAI, key, pin="000000")
            assert officer_enrol(c, guess, key).error == "officer_proof_invalid"
        key = new_key()
        reply = officer_enrol(c, officer_proof_of(running, SOMCHAI, key), key)  # even the right PIN's, while locked
        assert (reply.status, reply.error) == (423, "officer_locked")
        with pytest.raises(RegistryRejected) as e:
            c.verify_officer_pin(PITAK, "58203947")
        assert e.value.status == 423
