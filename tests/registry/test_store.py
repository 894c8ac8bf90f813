"""Kiosk store: outbox states and durability, ordered sync with back-off and surfaced conflicts, audit chain, cache."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from kiosk.registry_client import RegistryUnavailable, Reply
from kiosk.seal import SigningKey, TrustList
from kiosk.store import (
    AuditError,
    AuditLog,
    Backoff,
    Cache,
    Operation,
    Outbox,
    OutboxKeyError,
    Syncer,
    load_or_create,
    open_store,
    verify_chain,
)

CID = "1101700123456"


class FakeRegistry:
    """Answers by idempotency key, like the real service; can be made unreachable or to refuse a kind."""

    def __init__(self) -> None:
        self.down = False
        self.seen: dict[str, Reply] = {}
        self.order: list[str] = []
        self.batches: list[list[str]] = []  # the keys of each request
        self.conflicts: set[int] = set()  # slot IDs that are full
        self.busy: set[int] = set()  # slot IDs answered 503 (transient) while in this set

    def send(self, ops: list[Operation]) -> list[Reply]:
        if self.down:
            raise RegistryUnavailable("link down")
        self.batches.append([op.key for op in ops])
        replies = []
        for op in ops:
            if op.payload.get("slot_id") in self.busy:
                replies.append(Reply(503, {"error": "busy", "message": "retry"}))
                break  # like the registry: nothing after a transient failure is applied
            if op.key not in self.seen:
                self.order.append(op.key)
                if op.payload.get("slot_id") in self.conflicts:
                    self.seen[op.key] = Reply(409, {"error": "slot_full", "message": "taken"})
                else:
                    self.seen[op.key] = Reply(201, {"n": len(self.order)})
                replies.append(self.seen[op.key])
            else:
                replies.append(Reply(self.seen[op.key].status, {**self.seen[op.key].body, "replayed": True}))
        return replies


def store(tmp_path: Path) -> Outbox:
    return Outbox(open_store(tmp_path / "kiosk.sqlite3"))


def test_store_uses_wal_and_full_sync(tmp_path: Path) -> None:
    conn = open_store(tmp_path / "k.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_enqueued_operation_is_durable_and_visible(tmp_path: Path) -> None:
    outbox = store(tmp_path)
    op = outbox.enqueue("book", {"citizen_id": CID, "slot_id": 7}, now=100.0)
    assert op.state == "queued" and len(op.key) == 32
    outbox.conn.close()
    again = store(tmp_path)  # a restart reads what was committed
    assert again.get(op.key) == op
    assert again.counts() == {"queued": 1, "sent": 0, "acknowledged": 0, "failed": 0}


def test_sync_sends_in_order_exactly_once_and_surfaces_conflicts(tmp_path: Path) -> None:
    outbox, fake = store(tmp_path), FakeRegistry()
    fake.conflicts = {3}
    keys = [outbox.enqueue("book", {"citizen_id": CID, "slot_id": i}, now=float(i)).key for i in range(6)]
    report = Syncer(outbox, fake.send).sync(now=10.0)
    assert fake.order == keys
    assert [op.key for op in report.acknowledged] == keys[:3] + keys[4:]
    assert [(op.key, op.state, op.reason, op.status) for op in report.failed] == [(keys[3], "failed", "slot_full", 409)]
    assert report.remaining == 0
    assert Syncer(outbox, fake.send).sync(now=11.0).acknowledged == []  # nothing sent twice


def test_link_down_stops_the_queue_and_backs_off_exponentially(tmp_path: Path) -> None:
    outbox, fake = store(tmp_path), FakeRegistry()
    for i in range(3):
        outbox.enqueue("enrol", {"citizen_id": CID, "unit": "u", "method": "self", "n": i}, now=0.0)
    syncer = Syncer(outbox, fake.send, Backoff(base_s=2.0, max_s=60.0), rng=random.Random(1))
    fake.down = True
    delays, now = [], 0.0
    for _ in range(7):
        report = syncer.sync(now)
        assert report.error and report.remaining == 3
        delays.append(report.next_attempt_at - now)
        assert not syncer.due(report.next_attempt_at - 0.001)
        assert syncer.sync(report.next_attempt_at - 0.001).error == ""  # still backing off: nothing sent
        now = report.next_attempt_at
    ceilings = [min(60.0, 2.0 * 2**i) for i in range(7)]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert delays[-1] > delays[0] * 8
    head = outbox.next_pending()
    assert head is not None and head.state == "sent" and head.attempts == 7 and "link down" in head.reason
    fake.down = False
    syncer.link_restored()
    report = syncer.sync(now)
    assert len(report.acknowledged) == 3 and fake.order == [op.key for op in report.acknowledged]
    assert syncer.state() == (0, 0.0, "")


def test_backoff_survives_a_restart(tmp_path: Path) -> None:
    outbox, fake = store(tmp_path), FakeRegistry()
    outbox.enqueue("book", {"citizen_id": CID, "slot_id": 1}, now=0.0)
    fake.down = True
    report = Syncer(outbox, fake.send).sync(now=0.0)
    outbox.conn.close()
    restarted = store(tmp_path)
    assert Syncer(restarted, fake.send).state()[1] == report.next_attempt_at


def keys_for(tmp_path: Path) -> tuple[AuditLog, Any]:
    keys = load_or_create(tmp_path / "keys")
    conn = open_store(tmp_path / "kiosk.sqlite3")
    return AuditLog(conn, keys.audit_key, keys.subject_key), keys


def test_audit_chain_verifies_and_names_the_altered_entry(tmp_path: Path) -> None:
    log, keys = keys_for(tmp_path)
    for i in range(5):
        log.append("extract_printed", float(i), citizen_id=CID, doc_no=f"TR141-2026-{i:08d}", copies=1)
    public = keys.audit_key.public_key()
    assert verify_chain(log.conn, public).ok
    log.conn.execute("UPDATE audit SET detail = '{\"copies\": 2}' WHERE seq = 3")
    check = verify_chain(log.conn, public)
    assert not check.ok and check.first_bad_seq == 3 and "altered" in check.reason


def test_audit_rewrite_without_the_key_is_caught(tmp_path: Path) -> None:
    log, keys = keys_for(tmp_path)
    log.append("enrolled", 1.0, citizen_id=CID)
    log.append("enrolled", 2.0)
    # An attacker rewrites entry 2 and recomputes its hash, but cannot sign it with the kiosk's key.
    other = AuditLog(log.conn, load_or_create(tmp_path / "other").audit_key, keys.subject_key)
    log.conn.execute("DELETE FROM audit WHERE seq = 2")
    other.append("enrolled", 2.0, note="forged")
    check = verify_chain(log.conn, keys.audit_key.public_key())
    assert not check.ok and check.first_bad_seq == 2 and "signature" in check.reason
    log.conn.execute("DELETE FROM audit WHERE seq = 1")
    assert not verify_chain(log.conn, keys.audit_key.public_key()).ok


def test_audit_holds_no_names_ids_or_biometrics(tmp_path: Path) -> None:
    log, _ = keys_for(tmp_path)
    for bad in ({"name": "สมชาย"}, {"photo": b"\xff\xd8"}, {"note": f"card {CID}"}, {"fingerprint": "x"}, {"x": [1]}):
        with pytest.raises(AuditError):
            log.append("bad", 1.0, **bad)
    entry = log.append("identity_checked", 1.0, citizen_id=CID, face_score=0.81, result="match")
    assert entry.subject == log.subject(CID) and CID not in entry.subject
    assert [e.seq for e in log.entries(CID)] == [entry.seq]
    log.conn.execute("PRAGMA wal_checkpoint(FULL)")
    data = b"".join(p.read_bytes() for p in tmp_path.glob("kiosk.sqlite3*"))
    assert CID.encode() not in data and "สมชาย".encode() not in data


def test_cache_keeps_trust_list_and_offices(tmp_path: Path) -> None:
    cache = Cache(open_store(tmp_path / "k.sqlite3"))
    assert cache.trust_list() is None and cache.offices() == []
    trust = TrustList((SigningKey.generate().trusted("t", *_window()),))
    cache.put_trust_list(trust, 5.0)
    cache.put_offices([{"code": "1014", "name_th": "สำนักงานเขตพญาไท"}], 5.0)
    assert cache.trust_list() == trust
    assert cache.offices()[0]["name_th"] == "สำนักงานเขตพญาไท"


def _window() -> tuple[Any, Any]:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    return now - timedelta(days=1), now + timedelta(days=1)


def test_queueing_and_syncing_from_two_threads_each_with_its_connection(tmp_path: Path) -> None:
    """The UI queues while the sync worker sends: one connection per thread, SQLite serialises the writers."""
    import threading

    path = tmp_path / "kiosk.sqlite3"
    open_store(path).close()
    fake = FakeRegistry()
    done = threading.Event()

    def queue() -> None:
        outbox = Outbox(open_store(path))
        for i in range(150):
            outbox.enqueue("book", {"citizen_id": CID, "slot_id": i}, now=float(i))
        done.set()

    def sync() -> None:
        syncer = Syncer(Outbox(open_store(path)), fake.send)
        while not done.is_set() or syncer.outbox.next_pending() is not None:
            syncer.sync(now=0.0)
            done.wait(0.002)  # a worker syncs periodically, not in a spin

    threads = [threading.Thread(target=queue), threading.Thread(target=sync)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    outbox = Outbox(open_store(path))
    ops = outbox.list()
    assert [op.payload["slot_id"] for op in ops] == list(range(150))
    assert fake.order == [op.key for op in ops] and all(op.state == "acknowledged" for op in ops)


def test_unknown_or_incomplete_operations_are_refused_at_queue_time(tmp_path: Path) -> None:
    outbox = store(tmp_path)
    with pytest.raises(ValueError):
        outbox.enqueue("launch_rocket", {"citizen_id": CID}, now=0.0)
    with pytest.raises(ValueError):
        outbox.enqueue("cancel_booking", {"citizen_id": CID}, now=0.0)  # no booking ref
    assert outbox.counts()["queued"] == 0


def test_submit_answers_at_once_online_and_queues_offline(tmp_path: Path) -> None:
    outbox, fake = store(tmp_path), FakeRegistry()
    syncer = Syncer(outbox, fake.send, Backoff(base_s=10.0))
    online = syncer.submit("book", {"citizen_id": CID, "slot_id": 1}, now=0.0)
    assert online.state == "acknowledged" and online.response == {"n": 1}
    fake.down = True
    offline = syncer.submit("book", {"citizen_id": CID, "slot_id": 2}, now=1.0)
    assert offline.state == "sent" and offline.attempts == 1  # tried once, kept for later
    calls = len(fake.order)
    later = syncer.submit("book", {"citizen_id": CID, "slot_id": 3}, now=2.0)  # backing off: no network at all
    assert later.state == "queued" and len(fake.order) == calls
    fake.down = False
    syncer.link_restored()
    assert len(syncer.sync(now=3.0).acknowledged) == 2
    assert [op.payload["slot_id"] for op in outbox.list()] == [1, 2, 3] and fake.order == [
        op.key for op in outbox.list()
    ]


def test_payloads_and_answers_are_encrypted_at_rest(tmp_path: Path) -> None:
    keys = load_or_create(tmp_path / "keys")
    conn = open_store(tmp_path / "kiosk.sqlite3")
    outbox = Outbox(conn, keys.data_key)
    op = outbox.enqueue("issue_extract", {"citizen_id": CID, "doc_type": "TR14_1"}, now=0.0)
    answer = Reply(201, {"person": {"name_th": {"first": "สมชาย"}}, "doc_no": "TR141-2026-00000001"})
    outbox.settle_many([(op, answer)], 1.0)
    back = outbox.get(op.key)
    assert back is not None and back.payload["citizen_id"] == CID and back.response is not None
    assert back.response["person"]["name_th"]["first"] == "สมชาย"
    conn.execute("PRAGMA wal_checkpoint(FULL)")
    data = b"".join(p.read_bytes() for p in tmp_path.glob("kiosk.sqlite3*"))
    assert CID.encode() not in data and "สมชาย".encode() not in data
    with pytest.raises(OutboxKeyError):
        Outbox(conn, load_or_create(tmp_path / "other").data_key).get(op.key)
    with pytest.raises(OutboxKeyError):
        Outbox(conn).get(op.key)
    # a sealed payload moved to another row (another key as associated data) does not open
    other = outbox.enqueue("book", {"citizen_id": CID, "slot_id": 1}, now=2.0)
    conn.execute(
        "UPDATE outbox SET payload = (SELECT payload FROM outbox WHERE seq = ?) WHERE seq = ?", (op.seq, other.seq)
    )
    with pytest.raises(OutboxKeyError):
        outbox.get(other.key)
