"""Reading or changing one citizen's data without a fresh proof that the citizen is at the kiosk, over loopback
mutual TLS on SQLite and PostgreSQL: no proof, a stale one, one for another citizen, one from another kiosk, a
session replayed for a second citizen, a tampered proof, and one signed by a revoked kiosk's key after its
revocation. Each is refused with its reason on every route, audited, and nothing is read or changed."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import domains, presence
from kiosk.registry import pki
from kiosk.registry_client import RegistryClient, Reply, batch_entry, new_key
from tests.registry.conftest import Running, presence_of
from tests.registry.test_attack_stolen_kiosk import other_kiosk, revoke_t1
from tests.registry.test_registry_citizen_services import RUETHAI, SOMCHAI, rows


@dataclass(frozen=True)
class Held:
    """Somchai's booking and extract, made by KIOSK-T1 in a journey that verified him."""

    slot_id: int
    ref: str
    doc_no: str


def somchais_booking_and_extract(running: Running) -> Held:
    with running.client() as c:
        slots = [s for s in c.slots("1014", running.today, running.today + timedelta(days=14)) if s["bookable"] == "ok"]
        booking = c.book(SOMCHAI, slots[0]["slot_id"], new_key())
        doc = c.issue_extract(SOMCHAI, "TR14_1", new_key())
    another_day = next(s for s in slots if s["day"] != slots[0]["day"])  # one booking per citizen and day
    return Held(another_day["slot_id"], booking["booking_ref"], doc["doc_no"])


def every_route(c: RegistryClient, held: Held, proof: Callable[[], str]) -> dict[str, Reply]:
    """Each call on Somchai's data, each with a proof from `proof()`."""
    return {
        "citizen": c.request("GET", f"/v1/citizens/{SOMCHAI}", presence_proof=proof()),
        "bookings": c.request("GET", f"/v1/citizens/{SOMCHAI}/bookings", presence_proof=proof()),
        "extract": c.request("GET", f"/v1/extracts/{held.doc_no}", presence_proof=proof()),
        "extract_issue": c.submit(
            "issue_extract", {"citizen_id": SOMCHAI, "doc_type": "TR12_2", "presence_proof": proof()}, new_key()
        ),
        "book": c.submit(
            "book", {"citizen_id": SOMCHAI, "slot_id": held.slot_id, "presence_proof": proof()}, new_key()
        ),
        "cancel": c.submit(
            "cancel_booking", {"ref": held.ref, "citizen_id": SOMCHAI, "presence_proof": proof()}, new_key()
        ),
    }


def assert_refused_everywhere(running: Running, replies: dict[str, Reply], reason: str) -> None:
    for route, reply in replies.items():
        assert (reply.status, reply.error) == (403, reason), route
        assert set(reply.body) == {"error", "message"}, route  # nothing of the citizen's comes back
    assert rows(running, "SELECT COUNT(*) FROM extracts") == [(1,)]  # no extract issued
    assert rows(running, "SELECT COUNT(*), MAX(cancelled_at) FROM bookings") == [(1, None)]  # none made or cancelled
    audited = rows(running, "SELECT what FROM citizen_reads WHERE outcome = ? ORDER BY id", (reason,))
    assert [w for (w,) in audited][-6:] == ["citizen", "bookings", "extract", "extract_issue", "book", "cancel"]


def test_the_journeys_proof_reads_and_changes_the_citizens_data_on_every_route(running: Running) -> None:
    held = somchais_booking_and_extract(running)
    with running.client(present=False) as c:
        session = presence.new_session()
        replies = every_route(c, held, lambda: presence_of(running, SOMCHAI, session=session))  # one journey
    assert {route: r.status for route, r in replies.items()} == {
        "citizen": 200,
        "bookings": 200,
        "extract": 200,
        "extract_issue": 201,
        "book": 201,
        "cancel": 200,
    }
    assert replies["citizen"].body["citizen_id"] == SOMCHAI and replies["extract"].body["doc_no"] == held.doc_no


def test_no_proof_is_refused(running: Running) -> None:
    held = somchais_booking_and_extract(running)
    with running.client(present=False) as c:
        assert_refused_everywhere(running, every_route(c, held, lambda: ""), "presence_missing")


def test_a_stale_proof_or_one_from_the_future_is_refused(running: Running) -> None:
    held = somchais_booking_and_extract(running)
    old = running.clock.now - timedelta(seconds=presence.MAX_AGE_S + 1)
    ahead = running.clock.now + timedelta(seconds=presence.MAX_AHEAD_S + 60)
    with running.client(present=False) as c:
        assert_refused_everywhere(
            running, every_route(c, held, lambda: presence_of(running, SOMCHAI, at=old)), "presence_stale"
        )
        assert_refused_everywhere(
            running, every_route(c, held, lambda: presence_of(running, SOMCHAI, at=ahead)), "presence_stale"
        )
        just_in_time = running.clock.now - timedelta(seconds=presence.MAX_AGE_S - 1)
        assert c.request(
            "GET", f"/v1/citizens/{SOMCHAI}", presence_proof=presence_of(running, SOMCHAI, at=just_in_time)
        ).ok


def test_a_proof_for_another_citizen_is_refused(running: Running) -> None:
    held = somchais_booking_and_extract(running)
    with running.client(present=False) as c:
        replies = every_route(c, held, lambda: presence_of(running, RUETHAI))
    assert_refused_everywhere(running, replies, "presence_other_citizen")


def test_another_kiosks_proof_presented_by_this_kiosk_is_refused(running: Running, tmp_path: Path) -> None:
    held = somchais_booking_and_extract(running)
    t2_key = Ed25519PrivateKey.generate()
    other_kiosk(running, tmp_path, t2_key).close()  # KIOSK-T2 enrolled, its device key held by the registry
    with running.client(present=False) as c:
        t2_proof = every_route(c, held, lambda: presence_of(running, SOMCHAI, kiosk="KIOSK-T2", key=t2_key))
        assert_refused_everywhere(running, t2_proof, "presence_other_kiosk")
        # T2's key signing a proof that names T1: not signed by any key the registry holds for T1
        presence_of(running, RUETHAI)  # T1's own key is held too
        forged = every_route(c, held, lambda: presence_of(running, SOMCHAI, key=t2_key))
        assert_refused_everywhere(running, forged, "presence_invalid")


def test_a_session_replayed_for_a_second_citizen_is_refused(running: Running) -> None:
    """One journey, one citizen: a kiosk that verified Ruethai cannot reuse that session for Somchai, even with a
    proof it signed properly for him."""
    held = somchais_booking_and_extract(running)
    session = presence.new_session()
    with running.client(present=False) as c:
        first = presence_of(running, RUETHAI, session=session)
        assert c.request("GET", f"/v1/citizens/{RUETHAI}", presence_proof=first).ok
        assert c.request("GET", f"/v1/citizens/{RUETHAI}/bookings", presence_proof=first).ok  # same citizen: fine
        replies = every_route(c, held, lambda: presence_of(running, SOMCHAI, session=session))
    assert_refused_everywhere(running, replies, "presence_session_reused")


def tampered(proof: str, change: Callable[[list[str]], None]) -> str:
    head, sig = proof.split(".")
    fields = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).decode().split("|")
    change(fields)
    return base64.urlsafe_b64encode("|".join(fields).encode()).decode().rstrip("=") + "." + sig


@pytest.mark.parametrize(
    "change",
    [
        lambda f: f.__setitem__(2, "finger" if f[2] == "face" else "face"),  # the method
        lambda f: f.__setitem__(3, str(int(f[3]) + 1)),  # the time
        lambda f: f.__setitem__(1, presence.new_session()),  # the session
    ],
    ids=["method", "time", "session"],
)
def test_a_tampered_proof_is_refused(running: Running, change: Callable[[list[str]], None]) -> None:
    held = somchais_booking_and_extract(running)
    with running.client(present=False) as c:
        replies = every_route(c, held, lambda: tampered(presence_of(running, SOMCHAI), change))
        assert_refused_everywhere(running, replies, "presence_invalid")
        cut = presence_of(running, SOMCHAI)[:-3]
        assert c.request("GET", f"/v1/citizens/{SOMCHAI}", presence_proof=cut).error == "presence_invalid"


def test_a_proof_signed_by_a_revoked_kiosk_after_its_revocation_is_refused(running: Running, tmp_path: Path) -> None:
    """The thief keeps the stolen kiosk's disk (its device key); the operator revokes it and certifies a new kiosk
    under the same name. A proof the old key signs after the revocation is refused, through the new certificate
    too; through the old one the request does not get that far."""
    held = somchais_booking_and_extract(running)
    stolen_key = running.kiosk_key
    revoke_t1(running)
    running.clock.now += timedelta(seconds=30)
    with running.client(present=False) as old:
        reply = old.request("GET", f"/v1/citizens/{SOMCHAI}", presence_proof=presence_of(running, SOMCHAI))
        assert (reply.status, reply.error) == (403, "certificate_revoked")
    folder = tmp_path / "t1-again"
    pki.enrol_kiosk(running.home.authority(), "KIOSK-T1", folder / "kiosk.pem", folder / "kiosk.key", folder / "ca.pem")
    with RegistryClient(
        running.server.api_url,
        ca_cert=folder / "ca.pem",
        client_cert=folder / "kiosk.pem",
        client_key=folder / "kiosk.key",
    ) as again:
        replies = every_route(again, held, lambda: presence_of(running, SOMCHAI, key=stolen_key))
    assert_refused_everywhere(running, replies, "presence_revoked")


def test_a_batch_carries_no_operation_on_a_citizen_without_the_proof(running: Running) -> None:
    """The sync route is no way around: a booking or an extract in a batch needs the proof like its own route."""
    held = somchais_booking_and_extract(running)
    ops = [
        ("book", {"citizen_id": SOMCHAI, "slot_id": held.slot_id}),
        ("issue_extract", {"citizen_id": SOMCHAI, "doc_type": "TR12_2"}),
        ("cancel_booking", {"ref": held.ref, "citizen_id": SOMCHAI}),
    ]
    content = b'{"operations":[' + b",".join(batch_entry(k, p, new_key()) for k, p in ops) + b"]}"
    with running.client(present=False) as c:
        answer = c.http.post("/v1/sync/batch", content=content, headers={"Content-Type": "application/json"}).json()
    assert [(r["status"], r["body"]["error"]) for r in answer["results"]] == [(403, "presence_missing")] * 3
    assert rows(running, "SELECT COUNT(*) FROM extracts") == [(1,)]
    assert rows(running, "SELECT COUNT(*), MAX(cancelled_at) FROM bookings") == [(1, None)]


def test_the_registry_keeps_no_citizen_id_with_a_presence_session(running: Running) -> None:
    with running.client() as c:
        assert c.citizen(SOMCHAI)["citizen_id"] == SOMCHAI
    kept = rows(running, "SELECT kiosk_id, session, cid_hash FROM presence_sessions")
    assert len(kept) == 1 and SOMCHAI not in repr(kept)


def test_a_signature_from_another_domain_of_the_kiosk_key_proves_no_presence(running: Running) -> None:
    """The same key signs audit heads and kit tokens: those signatures over a presence message prove nothing."""
    genuine = presence_of(running, SOMCHAI)
    head, _ = genuine.split(".")
    message = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))
    with running.client(present=False) as c:
        for domain in (domains.AUDIT, domains.KIT_TOKEN):
            signature = domains.sign(running.kiosk_key, domain, message)
            proof = head + "." + base64.urlsafe_b64encode(signature).decode().rstrip("=")
            reply = c.request("GET", f"/v1/citizens/{SOMCHAI}", presence_proof=proof)
            assert (reply.status, reply.error) == (403, "presence_invalid")
        assert c.request("GET", f"/v1/citizens/{SOMCHAI}", presence_proof=genuine).ok
