"""The registry's citizen services added for the journeys, end to end over loopback mutual TLS on SQLite and
PostgreSQL: a citizen's own bookings, finger templates sealed at rest and fetched for a 1:1 match, the enrolment
passcode kept only as scrypt, kit-signed offline activation tokens, and parents' names on the record."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import date, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.registry import kit_tokens
from kiosk.registry.population import parents_th
from kiosk.registry.service import hash_pin
from kiosk.registry_client import RegistryConflict, RegistryError, RegistryRejected, RegistryUnavailable, Reply, new_key
from tests.registry.conftest import Running, enrol_by_pitak, officer_proof_of

SOMCHAI = "1101700123456"
RUETHAI = "3100500678905"  # a married woman (นาง) among the simulator's citizens
PITAK_OFFICER = "1101500482649"
TEMPLATE = bytes(range(256)) * 2 + secrets.token_bytes(256)  # 768 bytes, as the sensor exports


def rows(r: Running, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with r.registry.db.transaction() as tx:
        return tx.all(sql, params)


def everything_stored(r: Running) -> str:
    tables = ("enrolments", "idempotency", "kit_redemptions", "kit_keys")
    return json.dumps([rows(r, f"SELECT * FROM {t}") for t in tables], default=str)


def bookable_slots(r: Running, office: str = "1014") -> list[dict[str, Any]]:
    with r.client() as c:
        return [s for s in c.slots(office, r.today, r.today + timedelta(days=20)) if s["bookable"] == "ok"]


# ---- a citizen's own bookings ------------------------------------------------------------------------------------


def test_citizen_lists_own_upcoming_bookings_only(running: Running) -> None:
    slots = bookable_slots(running)
    days = sorted({s["day"] for s in slots})
    first = next(s for s in slots if s["day"] == days[0])
    second = next(s for s in slots if s["day"] == days[1])
    third = next(s for s in slots if s["day"] == days[2])
    with running.client() as c:
        assert c.citizen_bookings(SOMCHAI) == []
        later = c.book(SOMCHAI, second["slot_id"], new_key())
        sooner = c.book(SOMCHAI, first["slot_id"], new_key())
        gone = c.book(SOMCHAI, third["slot_id"], new_key())
        c.cancel_booking(gone["booking_ref"], SOMCHAI, new_key())
        c.book(RUETHAI, first["slot_id"], new_key())  # someone else's booking is not listed
        mine = c.citizen_bookings(SOMCHAI)
        assert [b["booking_ref"] for b in mine] == [sooner["booking_ref"], later["booking_ref"]]  # soonest first
        assert mine[0]["day"] == first["day"] and mine[0]["start"] == first["start"]
        assert mine[0]["office_code"] == "1014" and mine[0]["office_name_th"] == "สำนักงานเขตพญาไท"
        # once its day has passed, a booking is no longer upcoming
        running.clock.now += date.fromisoformat(first["day"]) - running.today + timedelta(days=1)
        assert [b["booking_ref"] for b in c.citizen_bookings(SOMCHAI)] == [later["booking_ref"]]
        with pytest.raises(RegistryRejected) as e:
            c.citizen_bookings("1101700123457")  # wrong check digit
        assert e.value.status == 422
        with pytest.raises(RegistryRejected) as e:
            c.citizen_bookings("1000000000009")
        assert e.value.code == "citizen_not_found"


# ---- finger templates --------------------------------------------------------------------------------------------


def test_officer_enrolment_keeps_the_template_sealed_and_returns_it_for_matching(running: Running) -> None:
    key = new_key()
    with running.client() as c:
        assert c.finger_template(SOMCHAI) is None  # not enrolled at all
        enrol_by_pitak(c, running, SOMCHAI, key, finger_template=TEMPLATE)
        assert c.finger_template(SOMCHAI) == TEMPLATE
        again = enrol_by_pitak(c, running, SOMCHAI, key, finger_template=TEMPLATE)
        assert again["replayed"] is True  # a retried sync gets the same answer, no second row
        with pytest.raises(RegistryRejected) as e:
            enrol_by_pitak(c, running, SOMCHAI, key, finger_template=TEMPLATE[::-1])
        assert e.value.code == "idempotency_key_reused"
        c.enrol(RUETHAI, "unit-1014", new_key())  # enrolled without a template (self-service)
        assert c.finger_template(RUETHAI) is None
    stored = everything_stored(running)
    for clear in (TEMPLATE.hex(), base64.b64encode(TEMPLATE).decode(), TEMPLATE[:64].hex()):
        assert clear not in stored  # neither raw nor base64 in the database or the idempotency record
    [(sealed, key_id)] = rows(
        running, "SELECT template_sealed, template_key_id FROM enrolments WHERE cid = ?", (SOMCHAI,)
    )
    assert sealed.startswith("t1:") and key_id == running.registry.templates.key_id  # type: ignore[union-attr]
    # a sealed template moved onto another citizen's row does not open (the citizen ID is bound in)
    with running.registry.db.transaction() as tx:
        tx.execute("UPDATE enrolments SET template_sealed = ? WHERE cid = ?", (sealed, RUETHAI))
    with running.client() as c:
        with pytest.raises(RegistryUnavailable, match="503"):  # the registry's fault, never another's template
            c.finger_template(RUETHAI)
        assert c.finger_template(SOMCHAI) == TEMPLATE


MALFORMED_TEMPLATES = (
    "not base64!",
    base64.b64encode(b"short").decode(),
    base64.b64encode(b"x" * 5000).decode(),
    base64.b64encode(TEMPLATE[:767]).decode().rstrip("="),  # padding left off
    42,
)
MALFORMED_PASSCODES = ("1234", "12345678901234", "1234abcd", "๑๒๓๔๕๖๗๘", 12345678, "")


def test_malformed_templates_and_passcodes_are_refused_and_nothing_written(running: Running) -> None:
    officer = {"citizen_id": SOMCHAI, "unit": "u", "method": "officer", "officer_id": PITAK_OFFICER}
    bodies = [{**officer, "finger_template": t} for t in MALFORMED_TEMPLATES]
    bodies += [{"citizen_id": SOMCHAI, "unit": "u", "method": "self", "passcode": p} for p in MALFORMED_PASSCODES]
    with running.client() as c:
        for body in bodies:
            reply = c.request("POST", "/v1/enrolments", body=body, key=new_key())
            assert reply.status == 422, (body, reply.body)
    assert rows(running, "SELECT COUNT(*) FROM enrolments") == [(0,)]
    assert rows(running, "SELECT COUNT(*) FROM idempotency") == [(0,)]


# ---- the passcode ------------------------------------------------------------------------------------------------


def test_enrolment_passcode_is_kept_only_as_scrypt(running: Running) -> None:
    key = new_key()
    with running.client() as c:
        c.enrol(SOMCHAI, "unit-1014", key, passcode="48151623")
        assert c.enrol(SOMCHAI, "unit-1014", key, passcode="48151623")["replayed"] is True
        with pytest.raises(RegistryRejected) as e:
            c.enrol(SOMCHAI, "unit-1014", key, passcode="48151624")
        assert e.value.code == "idempotency_key_reused"
    [(salt, digest)] = rows(running, "SELECT passcode_salt, passcode_hash FROM enrolments WHERE cid = ?", (SOMCHAI,))
    assert digest == hash_pin("48151623", bytes.fromhex(salt))
    stored = everything_stored(running)
    assert "48151623" not in stored and hashlib.sha256(b"48151623").hexdigest() not in stored


# ---- kit-signed offline activation -------------------------------------------------------------------------------


def kit_key() -> tuple[Ed25519PrivateKey, bytes]:
    private = Ed25519PrivateKey.generate()
    return private, private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def token(r: Running, signer: Ed25519PrivateKey, op_key: str, ttl: timedelta = timedelta(minutes=15)) -> str:
    expires = int((r.clock.now + ttl).timestamp())
    return kit_tokens.issue("KIOSK-T1", op_key, expires, secrets.token_hex(4).upper(), signer)


def test_kit_token_activates_once(running: Running) -> None:
    signer, public = kit_key()
    op_key = new_key()
    with running.client() as c:
        registered = c.register_kit_key(public, new_key())
        assert registered["kiosk_id"] == "KIOSK-T1"  # bound to the certificate, not to anything the body says
        enrol_by_pitak(c, running, SOMCHAI, op_key)
        qr = token(running, signer, op_key)
        assert c.redeem_kit_token(qr) == {"activated": True, "pending": False}
        with pytest.raises(RegistryConflict) as e:
            c.redeem_kit_token(qr)  # reused
        assert e.value.code == "already_activated"
    assert rows(running, "SELECT activated_at FROM enrolments WHERE cid = ?", (SOMCHAI,))[0][0] is not None


def test_kit_token_redeemed_before_the_kit_syncs_activates_on_arrival(running: Running) -> None:
    signer, public = kit_key()
    op_key = new_key()
    with running.client() as c:
        c.register_kit_key(public, new_key())
        qr = token(running, signer, op_key)
        assert c.redeem_kit_token(qr) == {"activated": False, "pending": True}
        with pytest.raises(RegistryConflict):
            c.redeem_kit_token(qr)  # one use, even while pending
        code = enrol_by_pitak(c, running, SOMCHAI, op_key)["activation_code"]
        with pytest.raises(RegistryConflict) as e:
            c.activate(SOMCHAI, code)  # already active through the kit's token
        assert e.value.code == "already_activated"
    assert rows(running, "SELECT activated_at FROM enrolments WHERE cid = ?", (SOMCHAI,))[0][0] is not None


def test_kit_token_expired_altered_or_unknown_is_refused(running: Running) -> None:
    signer, public = kit_key()
    stranger, _ = kit_key()
    op_key = new_key()
    with running.client() as c:
        unregistered = token(running, signer, op_key)
        assert c.request("POST", "/v1/enrolments/redeem-kit-token", body={"token": unregistered}).error == (
            "unknown_kit"
        )
        c.register_kit_key(public, new_key())
        enrol_by_pitak(c, running, SOMCHAI, op_key)
        expired = token(running, signer, op_key, ttl=timedelta(minutes=-1))
        reply = c.request("POST", "/v1/enrolments/redeem-kit-token", body={"token": expired})
        assert (reply.status, reply.error) == (410, "activation_expired")
        forged = token(running, stranger, op_key)
        reply = c.request("POST", "/v1/enrolments/redeem-kit-token", body={"token": forged})
        assert (reply.status, reply.error) == (403, "bad_signature")
        good = token(running, signer, op_key)
        prefix = len(kit_tokens.PREFIX)
        for i in range(prefix, len(good)):  # every single-character change after the prefix
            ch = good[i]
            altered = good[:i] + ("A" if ch != "A" else "B") + good[i + 1 :]
            reply = c.request("POST", "/v1/enrolments/redeem-kit-token", body={"token": altered})
            assert reply.status in (403, 422), (i, reply)
        for junk in ("", "THAID:KIT:", "THAID:KIT:!!!", "x" * 1000, good + "A"):
            reply = c.request("POST", "/v1/enrolments/redeem-kit-token", body={"token": junk})
            assert 400 <= reply.status < 500, (junk[:20], reply)
        assert c.redeem_kit_token(good)["activated"] is True  # none of that used the token up
    assert rows(running, "SELECT COUNT(*) FROM kit_redemptions") == [(1,)]


def test_kit_key_registration_is_validated_and_idempotent(running: Running) -> None:
    _, public = kit_key()
    key = new_key()
    with running.client() as c:
        first = c.register_kit_key(public, key)
        assert c.register_kit_key(public, key)["replayed"] is True
        assert c.register_kit_key(public, new_key())["key_id"] == first["key_id"]  # the same key again: 200
        for bad in ("", "AAAA", base64.b64encode(b"\x00" * 31).decode(), 7):
            reply = c.request("POST", "/v1/kit-keys", body={"public_key": bad}, key=new_key())
            assert reply.status == 422, (bad, reply)
        reply = c.request("POST", "/v1/kit-keys", body={"public_key": base64.b64encode(public).decode()})
        assert reply.status == 400 and reply.error == "idempotency_key_required"
    assert rows(running, "SELECT COUNT(*) FROM kit_keys") == [(1,)]


def test_the_kits_own_token_format_is_redeemable(running: Running, tmp_path: Any) -> None:
    """The token the field kit really shows (`LocalAdapter.issue_activation`) redeems against its registered key."""
    from kiosk.flows.adapters import LocalAdapter
    from kiosk.store import load_or_create, open_store

    keys = load_or_create(tmp_path / "keys")
    local = LocalAdapter(open_store(tmp_path / "store.sqlite3"), keys, "unit-1014", "KIOSK-T1", clock=running.clock)
    op_key = new_key()
    activation = local.issue_activation(op_key, SOMCHAI)
    with running.client() as c:
        c.register_kit_key(keys.audit_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw), new_key())
        enrol_by_pitak(c, running, SOMCHAI, op_key)
        assert c.redeem_kit_token(activation.qr)["activated"] is True


# ---- parents' names ----------------------------------------------------------------------------------------------


def test_record_and_extract_carry_parents_names(running: Running) -> None:
    with running.client() as c:
        person = c.citizen(SOMCHAI)
        father, mother = person["parents"]["father_th"], person["parents"]["mother_th"]
        assert father.startswith("นาย") and father.endswith(" ใจดี")
        assert mother.startswith("นาง") and mother.endswith(" ใจดี")
        assert (father, mother) == parents_th(SOMCHAI, "นาย", "ใจดี")  # derived, so every seeding agrees
        married = c.citizen(RUETHAI)["parents"]
        assert not married["father_th"].endswith("ภูมิผู้ใหญ่")  # her parents do not carry her married name
        extract = c.issue_extract(SOMCHAI, "TR14_1", new_key())
        assert extract["person"]["parents"] == {"father_th": father, "mother_th": mother}


def test_seeding_again_fills_parents_into_rows_kept_from_before(running: Running) -> None:
    from kiosk.registry.population import seed

    with running.registry.db.transaction() as tx:
        tx.execute("UPDATE citizens SET father_th = '', mother_th = ''")
    seed(running.registry.db, running.today, extra=120)
    assert rows(running, "SELECT COUNT(*) FROM citizens WHERE father_th = '' OR mother_th = ''") == [(0,)]


def test_client_checks_new_answer_shapes() -> None:
    from kiosk.registry_client import RegistryClient

    class Canned(RegistryClient):
        def __init__(self, reply: Reply) -> None:
            self.reply = reply

        def request(self, method: str, path: str, **kw: Any) -> Reply:
            return self.reply

    bad_bookings: list[dict[str, Any]] = [
        {"citizen_id": SOMCHAI, "bookings": [{"booking_ref": "B1"}]},
        {"citizen_id": "3100500678905", "bookings": []},
        {"citizen_id": SOMCHAI, "bookings": "none"},
    ]
    for body in bad_bookings:
        with pytest.raises(RegistryError):
            Canned(Reply(200, body)).citizen_bookings(SOMCHAI)
    for body in (
        {"citizen_id": SOMCHAI, "template": "%%%"},
        {"citizen_id": SOMCHAI, "template": ""},
        {"citizen_id": RUETHAI, "template": "AAAA"},
    ):
        with pytest.raises(RegistryError):
            Canned(Reply(200, body)).finger_template(SOMCHAI)
    assert Canned(Reply(404, {"error": "not_enrolled"})).finger_template(SOMCHAI) is None
    with pytest.raises(RegistryRejected):
        Canned(Reply(404, {"error": "citizen_not_found"})).finger_template(SOMCHAI)
    with pytest.raises(RegistryError):
        Canned(Reply(200, {"activated": "yes"})).redeem_kit_token("THAID:KIT:x")


def test_an_officer_pin_is_kept_only_as_a_salted_scrypt_hash(running: Running) -> None:
    running.registry.provision_officer("OFF-0002", "นายทดสอบ ระบบ", "unit-1014", "91827364")
    fast = hashlib.sha256(b"91827364").hexdigest()
    kept = json.dumps(
        [rows(running, "SELECT * FROM idempotency"), rows(running, "SELECT * FROM officers")], default=str
    )
    assert fast not in kept and "91827364" not in kept
    [(salt, digest)] = rows(running, "SELECT pin_salt, pin_hash FROM officers WHERE officer_id = 'OFF-0002'")
    assert digest == hash_pin("91827364", bytes.fromhex(salt))


def test_a_token_redeemed_by_many_phones_at_once_activates_once(running: Running) -> None:
    """Concurrent redemptions of one token, racing the kit's own sync of the enrolment it names."""
    from concurrent.futures import ThreadPoolExecutor

    signer, public = kit_key()
    op_key = new_key()
    with running.client() as c:
        c.register_kit_key(public, new_key())
    qr = token(running, signer, op_key)

    def redeem(_: int) -> int:
        with running.client() as c:
            return c.request("POST", "/v1/enrolments/redeem-kit-token", body={"token": qr}).status

    def sync(_: int) -> int:
        with running.client() as c:
            return c.request(
                "POST",
                "/v1/enrolments",
                body={
                    "citizen_id": SOMCHAI,
                    "unit": "u",
                    "method": "officer",
                    "officer_id": PITAK_OFFICER,
                    "officer_proof": officer_proof_of(running, SOMCHAI, op_key),
                },
                key=op_key,
            ).status

    with ThreadPoolExecutor(8) as pool:
        redemptions = [pool.submit(redeem, i) for i in range(6)]
        enrolment = pool.submit(sync, 0)
        statuses = sorted(f.result() for f in redemptions)
    assert enrolment.result() == 201
    assert statuses[0] in (200, 202) and statuses[1:] == [409] * 5, statuses
    assert rows(running, "SELECT COUNT(*) FROM kit_redemptions") == [(1,)]
    # whichever committed first, the enrolment ends up active
    assert rows(running, "SELECT activated_at IS NOT NULL FROM enrolments WHERE cid = ?", (SOMCHAI,)) in (
        [(True,)],
        [(1,)],
    )
