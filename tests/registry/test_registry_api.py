"""The registry end to end over loopback HTTPS with mutual TLS, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import logging
import ssl
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk import seal
from kiosk.booking_rules import is_reference
from kiosk.registry import pki
from kiosk.registry.population import generated_people
from kiosk.registry.validate import ApiError
from kiosk.registry_client import RegistryConflict, RegistryRejected, RegistryUnavailable, new_key
from tests.registry.conftest import Running, officer_proof_of

SOMCHAI = "1101700123456"
PITAK_OFFICER = "1101500482649"  # an officer in the simulator's test citizens, PIN 58203947


def count(r: Running, table: str) -> int:
    with r.registry.db.transaction() as tx:
        row = tx.one(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return int(row[0])


def bookable(r: Running, office: str = "1014") -> list[dict[str, Any]]:
    with r.client() as c:
        return [s for s in c.slots(office, r.today, r.today + timedelta(days=20)) if s["bookable"] == "ok"]


def test_mutual_tls_identifies_the_kiosk_and_refuses_strangers(running: Running, tmp_path: Path) -> None:
    with running.client() as c:
        assert c.health() == {"ok": True, "peer": "KIOSK-T1"}
    ca = str(running.kiosk_dir / "ca.pem")
    with pytest.raises(httpx.TransportError):  # no client certificate: the handshake fails, nothing is served
        httpx.get(running.server.api_url + "/v1/health", verify=ssl.create_default_context(cafile=ca))
    rogue = pki.Authority.create("Rogue CA")
    pki.enrol_kiosk(rogue, "KIOSK-EVIL", tmp_path / "e.pem", tmp_path / "e.key", tmp_path / "rogue-ca.pem")
    ctx = ssl.create_default_context(cafile=ca)
    ctx.load_cert_chain(tmp_path / "e.pem", tmp_path / "e.key")
    with pytest.raises(httpx.TransportError):  # a certificate from another CA is refused too
        httpx.get(running.server.api_url + "/v1/health", verify=ctx)
    with running.client() as c:
        assert c.health()["peer"] == "KIOSK-T1"  # the service still serves its own kiosks


def test_citizen_record_has_house_entries_and_history(running: Running, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with running.client() as c:
        person = c.citizen(SOMCHAI)
        assert person["name_th"]["first"] == "สมชาย" and person["dob"] == "1985-03-15"
        assert person["house"]["office_code"] == "1014" and len(person["house"]["house_id"]) == 11
        assert person["house_entries"][0]["house_id"] == person["house"]["house_id"]
        assert next(e["kind"] for e in person["events"]) == "birth"
        with pytest.raises(RegistryRejected) as e:
            c.citizen("1101700123457")  # wrong check digit
        assert e.value.status == 422 and e.value.code == "invalid_citizen_id"
        extra = generated_people(1)[0].cid
        assert c.citizen(extra)["citizen_id"] == extra
    assert SOMCHAI not in caplog.text and extra not in caplog.text  # citizen IDs never reach the logs


def test_extracts_carry_a_seal_that_verifies_offline(running: Running) -> None:
    with running.client() as c:
        trust = c.trust_list()
        key = new_key()
        doc = c.issue_extract(SOMCHAI, "TR14_1", key)
        again = c.issue_extract(SOMCHAI, "TR14_1", key)  # a retried request: same document, no new number
        history = c.issue_extract(SOMCHAI, "TR12_2", new_key())
        assert again["doc_no"] == doc["doc_no"] and again["seal"] == doc["seal"] and again["replayed"]
        assert history["doc_no"] != doc["doc_no"] and history["title_th"].endswith("(ท.ร.12/2)")
        assert c.extract(doc["doc_no"], SOMCHAI)["seal"] == doc["seal"]  # reprint with the same number
    check = seal.verify(doc["seal"], trust, running.clock.now)
    assert check.status == "valid" and check.document is not None
    assert check.document.doc_no == doc["doc_no"] and check.document.citizen_id == SOMCHAI
    assert check.document.fields["house_id"] == doc["person"]["house"]["house_id"]
    assert seal.verify(history["seal"], trust, running.clock.now + timedelta(days=91)).status == "expired"
    assert count(running, "extracts") == 2


def test_idempotency_key_reused_for_another_request_is_refused(running: Running) -> None:
    with running.client() as c:
        key = new_key()
        c.issue_extract(SOMCHAI, "TR14_1", key)
        with pytest.raises(RegistryRejected) as e:
            c.issue_extract(SOMCHAI, "TR12_2", key)
        assert e.value.code == "idempotency_key_reused"
    assert count(running, "extracts") == 1


def test_booking_capacity_holds_under_concurrent_kiosks(running: Running) -> None:
    slot = bookable(running)[0]
    people = [p.cid for p in generated_people(12)]
    results: list[str] = []
    lock = threading.Lock()

    def book(cid: str) -> None:
        with running.client() as c:
            try:
                c.book(cid, slot["slot_id"], new_key())
                outcome = "ok"
            except RegistryConflict as e:
                outcome = e.code
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=book, args=(cid,)) for cid in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok"] * slot["capacity"] + ["slot_full"] * (len(people) - slot["capacity"])
    with running.client() as c:
        after = [
            s
            for s in c.slots("1014", running.today, running.today + timedelta(days=3))
            if s["slot_id"] == slot["slot_id"]
        ]
    assert after[0]["free"] == 0
    assert count(running, "bookings") == slot["capacity"]


def test_booking_rules_cancel_and_one_per_day(running: Running) -> None:
    slots = bookable(running)
    first, second_same_day = slots[0], next(s for s in slots[1:] if s["day"] == slots[0]["day"])
    with running.client() as c:
        booking = c.book(SOMCHAI, first["slot_id"], new_key())
        assert is_reference(booking["booking_ref"]), booking["booking_ref"]  # no 0/O, 1/I/L, 8/B
        with pytest.raises(RegistryConflict) as e:
            c.book(SOMCHAI, second_same_day["slot_id"], new_key())
        assert e.value.code == "already_booked"
        assert c.cancel_booking(booking["booking_ref"], SOMCHAI, new_key())["cancelled"]
        c.book(SOMCHAI, second_same_day["slot_id"], new_key())
        running.clock.now = datetime.fromisoformat(first["day"] + "T16:00:00+07:00") - timedelta(days=1)
        with pytest.raises(RegistryConflict) as e:
            c.book(generated_people(1)[0].cid, first["slot_id"], new_key())
        assert e.value.code == "after_cutoff"
        closed = [
            s
            for s in c.slots("1004", running.today, running.today + timedelta(days=20))
            if s["bookable"] == "office_closed"
        ]
        assert closed, "the seeded office closure shows in the slot list"


def test_enrolment_gives_a_one_time_code_and_twice_is_a_conflict(running: Running) -> None:
    with running.client() as c:
        key = new_key()
        enrolled = c.enrol(SOMCHAI, "unit-1014", key)
        code = enrolled["activation_code"]
        assert len(code) == 9 and code[4] == "-"
        assert datetime.fromisoformat(enrolled["expires_at"]) > running.clock.now
        retried = c.enrol(SOMCHAI, "unit-1014", key)  # retried sync: the same enrolment, a fresh code (none is kept)
        assert retried["replayed"] is True and len(retried["activation_code"]) == 9
        assert retried["activation_code"] != code and retried["report_friday"] == enrolled["report_friday"]
        code = retried["activation_code"]  # the one that works now
        with pytest.raises(RegistryConflict) as e:
            c.enrol(SOMCHAI, "unit-1014", new_key())
        assert e.value.code == "already_enrolled"
        with pytest.raises(RegistryRejected):
            c.activate(SOMCHAI, "AAAA-AAAA")
        assert c.activate(SOMCHAI, code)["activated"]
        with pytest.raises(RegistryConflict):
            c.activate(SOMCHAI, code)
    assert count(running, "enrolments") == 1


def test_officer_pin_is_hashed_and_locks_after_failures(running: Running) -> None:
    with running.client() as c:
        assert c.verify_officer_pin(PITAK_OFFICER, "58203947")["verified"]
        running.registry.provision_officer("OFF-0001", "นางสาวทดสอบ ระบบ", "unit-5001", "91827364")  # the operator
        with pytest.raises(ApiError) as exists:
            running.registry.provision_officer("OFF-0001", "x", "unit-5001", "91827364")
        assert exists.value.code == "officer_exists"
        for _ in range(5):
            with pytest.raises(RegistryRejected) as e:
                c.verify_officer_pin("OFF-0001", "00000000")
            assert e.value.status == 403
        with pytest.raises(RegistryRejected) as e:
            c.verify_officer_pin("OFF-0001", "91827364")
        assert e.value.status == 423
        key = new_key()
        proof = officer_proof_of(running, SOMCHAI, key, officer="OFF-0001", pin="91827364")
        with pytest.raises(RegistryRejected) as e:  # a locked officer assists no enrolment, even with a good proof
            c.enrol(SOMCHAI, "unit-5001", key, officer_id="OFF-0001", officer_proof=proof)
        assert (e.value.status, e.value.code) == (423, "officer_locked")
    with running.registry.db.transaction() as tx:
        rows = tx.all("SELECT pin_hash, pin_salt FROM officers")
        stored = json.dumps(tx.all("SELECT body FROM idempotency"))
    assert all("91827364" not in h and len(h) == 64 for h, _ in rows)
    assert "91827364" not in stored


def test_weekly_report_cuts_off_on_friday(running: Running) -> None:
    people = [p.cid for p in generated_people(6)]
    with running.client() as c:
        running.clock.now = datetime.fromisoformat("2026-11-20T23:30:00+07:00")  # Friday night: that week
        c.enrol(people[0], "unit-a", new_key())
        running.clock.now = datetime.fromisoformat("2026-11-21T00:10:00+07:00")  # Saturday: next week
        for cid in people[1:4]:
            c.enrol(cid, "unit-a", new_key())
        c.enrol(people[4], "unit-b", new_key())
        report = c.enrolment_report(date(2026, 11, 27))
        assert report["units"] == [
            {"unit": "unit-a", "this_week": 3, "last_week": 1, "increase": 2, "cumulative": 4},
            {"unit": "unit-b", "this_week": 1, "last_week": 0, "increase": 1, "cumulative": 1},
        ]
        assert c.enrolment_report(date(2026, 11, 20), "unit-a")["units"][0]["cumulative"] == 1
        with pytest.raises(RegistryRejected) as e:
            c.enrolment_report(date(2026, 11, 26))
        assert e.value.code == "not_a_friday"


BAD_REQUESTS: list[tuple[str, str, Any, dict[str, str]]] = [
    ("POST", "/v1/bookings", b"{not json", {}),
    ("POST", "/v1/bookings", b"\xff\xfe", {}),
    ("POST", "/v1/bookings", b"[1, 2]", {}),
    ("POST", "/v1/bookings", {"citizen_id": SOMCHAI, "slot_id": "1"}, {}),
    ("POST", "/v1/bookings", {"citizen_id": SOMCHAI, "slot_id": True}, {}),
    ("POST", "/v1/bookings", {"citizen_id": SOMCHAI, "slot_id": 10**30}, {}),
    ("POST", "/v1/bookings", {"citizen_id": "110170012345", "slot_id": 1}, {}),
    ("POST", "/v1/bookings", {"citizen_id": "1101700123450", "slot_id": 1}, {}),
    ("POST", "/v1/bookings", {"citizen_id": SOMCHAI, "slot_id": 1, "extra": 1}, {}),
    ("POST", "/v1/bookings", {"citizen_id": SOMCHAI, "slot_id": 1}, {"Idempotency-Key": "short"}),
    ("POST", "/v1/bookings", {"citizen_id": SOMCHAI, "slot_id": 1}, {"Idempotency-Key": ""}),
    ("POST", "/v1/bookings", b"x" * 20000, {}),
    ("POST", "/v1/enrolments", {"citizen_id": SOMCHAI, "unit": "u", "method": "officer"}, {}),
    ("POST", "/v1/enrolments", {"citizen_id": SOMCHAI, "unit": "u\n", "method": "self"}, {}),
    ("POST", "/v1/enrolments", {"citizen_id": SOMCHAI, "unit": "u" * 100, "method": "self"}, {}),
    ("POST", "/v1/extracts", {"citizen_id": SOMCHAI, "doc_type": "TR99"}, {}),
    ("POST", "/v1/extracts", {"citizen_id": None, "doc_type": "TR14_1"}, {}),
    ("GET", "/v1/offices/1014/slots?from=2026-13-01&to=2026-12-01", None, {}),
    ("GET", "/v1/offices/1014/slots?from=2026-11-01&to=2027-12-01", None, {}),
    ("GET", "/v1/citizens/abc", None, {}),
    ("GET", "/v1/reports/enrolments?friday=tomorrow", None, {}),
    ("GET", "/v1/nowhere", None, {}),
    ("DELETE", "/v1/bookings", None, {}),
]


def test_malformed_requests_get_a_clear_4xx_and_write_nothing(running: Running) -> None:
    tables = ("bookings", "enrolments", "extracts", "officers", "idempotency")
    before = {t: count(running, t) for t in tables}
    with running.client() as c:
        for method, path, body, headers in BAD_REQUESTS:
            hdrs = {"Idempotency-Key": new_key(), "Content-Type": "application/json", **headers}
            content = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
            response = c.http.request(method, path, content=content, headers=hdrs)
            assert 400 <= response.status_code < 500, (method, path, body, response.text)
            error = response.json()
            assert isinstance(error["error"], str) and error["message"]
    assert {t: count(running, t) for t in tables} == before


def test_wrong_content_type_is_refused(running: Running) -> None:
    with running.client() as c:
        headers = {"Idempotency-Key": new_key(), "Content-Type": "text/plain"}
        assert c.http.post("/v1/bookings", content=b"{}", headers=headers).status_code == 415


def test_unreachable_registry_is_a_transient_error(running: Running) -> None:
    with running.client(timeout_s=1.0, base_url="https://127.0.0.1:9") as c, pytest.raises(RegistryUnavailable):
        c.health()


def test_public_verify_page_needs_no_client_certificate(running: Running) -> None:
    with running.client() as c:
        doc = c.issue_extract(SOMCHAI, "TR14_1", new_key())
    ca = ssl.create_default_context(cafile=str(running.kiosk_dir / "ca.pem"))
    with httpx.Client(base_url=running.server.verify_url, verify=ca) as web:
        page = web.get("/verify")
        assert page.status_code == 200 and "ตรวจสอบ" in page.text and "<form" in page.text
        result = web.post("/verify", data={"qr": doc["seal"]})
        assert 'data-status="valid"' in result.text and doc["doc_no"] in result.text
        tampered = doc["seal"][:-3] + ("A" if doc["seal"][-3] != "A" else "B") + doc["seal"][-2:]
        assert 'data-status="invalid"' in web.post("/verify", data={"qr": tampered}).text
        answer = web.post("/verify", json={"qr": doc["seal"]}).json()
        assert answer["status"] == "valid" and answer["document"]["doc_no"] == doc["doc_no"]
        assert web.post("/verify", json={"nope": 1}).status_code == 422
        assert web.post("/verify", content=b"qr=" + b"A" * 9000).status_code == 413
        assert web.get("/verify/trust-list.json").json()["keys"][0]["kid"]
        assert web.get("/v1/health").status_code == 404  # the kiosk API is not on the public port


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.sampled_from([SOMCHAI, "TR14_1", "self", "officer", "unit-1", "58203947", 1, 2])
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = ["citizen_id", "slot_id", "doc_type", "unit", "method", "officer_id", "name", "pin", "activation_code"]
MUTATING_PATHS = [
    "/v1/bookings",
    "/v1/enrolments",
    "/v1/extracts",
    "/v1/officers",
    "/v1/enrolments/activate",
    f"/v1/officers/{PITAK_OFFICER}/verify",
    "/v1/bookings/B0000000001/cancel",
]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(MUTATING_PATHS),
    body=st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=5) | JSON_VALUES,
    key=st.sampled_from(["", "k" * 8, "bad key!", "x" * 65]) | st.uuids().map(lambda u: u.hex),
)
def test_fuzzed_requests_never_get_a_server_error(running: Running, path: str, body: Any, key: str) -> None:
    with running.client() as c:
        headers = {"Content-Type": "application/json", **({"Idempotency-Key": key} if key else {})}
        response = c.http.post(path, content=json.dumps(body).encode(), headers=headers)
    assert response.status_code < 500, response.text
    assert isinstance(response.json(), dict)


def test_client_checks_the_shape_of_answers() -> None:
    from kiosk.registry_client import RegistryClient, RegistryError, Reply

    assert RegistryClient._ok(Reply(201, {"booking_ref": "B1"}), booking_ref=str) == {"booking_ref": "B1"}
    with pytest.raises(RegistryError, match="booking_ref"):
        RegistryClient._ok(Reply(201, {"booking_ref": 7}), booking_ref=str)
    with pytest.raises(RegistryConflict) as e:
        RegistryClient._ok(Reply(409, {"error": "slot_full", "message": "taken"}), booking_ref=str)
    assert e.value.code == "slot_full" and e.value.status == 409
