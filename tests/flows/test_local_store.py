"""The kiosk's store behind the journeys' local port: one SQLite connection shared by the executor's audit writer and
its workers (the port's lock keeps their transactions apart), while the sync worker opens its own."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk import officer_proof
from kiosk.flows.adapters import LocalAdapter, NoOfficerProof
from kiosk.flows.effects import Enrolment
from kiosk.store import AuditLog, Outbox, load_or_create, open_store, verify_chain


def test_audit_writer_and_workers_share_one_connection_safely(tmp_path: Path) -> None:
    keys = load_or_create(tmp_path / "keys")
    conn = open_store(tmp_path / "kiosk.sqlite3")
    local = LocalAdapter(conn, keys, "field-7", "KIT-1")
    local.add_officer("officer-holder", "OFF-1", "เจ้าหน้าที่", "58203947")
    assert local.check_officer_pin("officer-holder", "58203947")
    at = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(15):
                op = Enrolment(f"11017002034{n}{i % 10}", f"h{n}", "officer", at, officer_id="OFF-1")
                local.enqueue(op, None)
                local.audit("enrolled", {"method": "officer"}, at)
        except BaseException as e:  # collected: an assertion in a thread would be lost
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    try:
        assert not errors, errors
        sync_conn = open_store(tmp_path / "kiosk.sqlite3")  # the sync worker's own connection
        try:
            enrolments = [op for op in Outbox(sync_conn, keys.data_key).list() if op.kind == "enrol"]
        finally:
            sync_conn.close()
        assert len(enrolments) == 6 * 15
        assert len(AuditLog(conn, keys.audit_key, keys.subject_key).entries()) == 6 * 15
        assert verify_chain(conn, keys.audit_key.public_key()).ok
    finally:
        conn.close()


def test_an_officer_enrolment_is_queued_only_with_the_officers_pin_proof(tmp_path: Path) -> None:
    """Card + PIN sign-in leaves the officer's proof key in memory; each enrolment they assist carries a proof over
    its own outbox key that the registry can check; without a PIN sign-in (or once the journey ended) none is
    queued, rather than one the registry would refuse at sync."""
    keys = load_or_create(tmp_path / "keys")
    conn = open_store(tmp_path / "kiosk.sqlite3")
    at = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    local = LocalAdapter(conn, keys, "field-7", "KIT-1", clock=lambda: at)
    local.add_officer("officer-holder", "OFF-1", "เจ้าหน้าที่", "58203947")
    op = Enrolment("1101700203451", "h1", "officer", at, officer_id="OFF-1")
    with pytest.raises(NoOfficerProof):
        local.enqueue(op, None)  # e.g. after a fingerprint sign-in
    assert local.check_officer_pin("officer-holder", "000000") is None
    with pytest.raises(NoOfficerProof):
        local.enqueue(op, None)
    assert local.check_officer_pin("officer-holder", "58203947") == ("OFF-1", "เจ้าหน้าที่")
    key = local.enqueue(op, None)
    queued = Outbox(conn, keys.data_key).get(key)
    assert queued is not None
    proof = queued.payload["officer_proof"]
    key_of = officer_proof.proof_key("OFF-1", "58203947")  # what the registry holds for the officer
    assert officer_proof.check(key_of, proof, "KIT-1", "OFF-1", key, "1101700203451")
    assert officer_proof.signed_at(proof) == int(at.timestamp())
    assert not officer_proof.check(key_of, proof, "KIT-2", "OFF-1", key, "1101700203451")
    local.forget_officers()
    with pytest.raises(NoOfficerProof):
        local.enqueue(op, None)
