"""Batched outbox sync against the real registry (SQLite and PostgreSQL): order and exactly-once across batches,
a refusal or a transient failure in the middle of a batch, the byte bound, and a lost reply replayed as duplicates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from kiosk.registry import batch
from kiosk.registry.population import generated_people
from kiosk.registry_client import RegistryUnavailable, Reply, batch_entry, enrol_payload
from kiosk.store import Operation, Outbox, Syncer, client_sender, open_store
from tests.registry.conftest import Running, presence_of

CLIENT = "KIOSK-T1"
NOT_A_CITIZEN = "1234567890121"  # a valid check digit, but nobody in the seeded registry


def rows(r: Running, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with r.registry.db.transaction() as tx:
        return tx.all(sql, params)


def recording(send: Callable[[list[Operation]], list[Reply]], batches: list[list[Operation]]) -> Any:
    def record(ops: list[Operation]) -> list[Reply]:
        batches.append(ops)
        return send(ops)

    return record


def enrolments(r: Running) -> list[str]:
    return [c for (c,) in rows(r, "SELECT cid FROM enrolments WHERE client = ? ORDER BY id", (CLIENT,))]


def test_batches_keep_order_and_send_each_operation_once(running: Running, tmp_path: Path) -> None:
    people = [p.cid for p in generated_people(30)]
    with running.client() as c:
        slots = [s for s in c.slots("1014", running.today, running.today + timedelta(days=20)) if s["bookable"] == "ok"]
    outbox = Outbox(open_store(tmp_path / "kiosk.sqlite3"))
    for i, cid in enumerate(people):
        outbox.enqueue("enrol", {"citizen_id": cid, "unit": "unit-1014", "method": "self"}, now=float(i))
        if i < 3:
            booking = {"citizen_id": cid, "slot_id": slots[i]["slot_id"], "presence_proof": presence_of(running, cid)}
            outbox.enqueue("book", booking, now=float(i))
    batches: list[list[Operation]] = []
    with running.client() as c:
        syncer = Syncer(outbox, recording(client_sender(c), batches), batch_ops=7)
        report = syncer.sync(now=100.0)
        assert syncer.sync(now=101.0).acknowledged == []  # nothing left, nothing sent again
    assert [len(b) for b in batches] == [7, 7, 7, 7, 5]
    sent = [op.key for b in batches for op in b]
    assert sent == [op.key for op in outbox.list()] and len(set(sent)) == 33
    assert report.remaining == 0 and not report.failed and [op.key for op in report.acknowledged] == sent
    assert enrolments(running) == people  # applied in the kiosk's order
    keys = [k for (k,) in rows(running, "SELECT key FROM idempotency WHERE client = ?", (CLIENT,))]
    assert sorted(keys) == sorted(sent)
    assert all(op.state == "acknowledged" and op.status == 201 and op.attempts == 1 for op in outbox.list())


def test_a_refused_operation_in_the_middle_fails_alone_with_its_reason(running: Running, tmp_path: Path) -> None:
    first, second = (p.cid for p in generated_people(2))
    outbox = Outbox(open_store(tmp_path / "kiosk.sqlite3"))
    ops = [
        ("enrol", {"citizen_id": first, "unit": "u1", "method": "self"}),
        ("enrol", {"citizen_id": NOT_A_CITIZEN, "unit": "u1", "method": "self"}),  # 404 citizen_not_found
        ("enrol", {"citizen_id": first, "unit": "u1", "method": "self"}),  # 409 already_enrolled (by op 1)
        ("enrol", {"citizen_id": second, "unit": "bad unit!", "method": "self"}),  # 422 invalid_field
        ("enrol", {"citizen_id": second, "unit": "u1", "method": "self"}),
    ]
    for kind, payload in ops:
        outbox.enqueue(kind, payload, now=0.0)
    batches: list[list[Operation]] = []
    with running.client() as c:
        report = Syncer(outbox, recording(client_sender(c), batches)).sync(now=1.0)
    assert len(batches) == 1 and report.remaining == 0 and not report.error
    settled = outbox.list()
    assert [(op.state, op.status, op.reason) for op in settled] == [
        ("acknowledged", 201, ""),
        ("failed", 404, "citizen_not_found"),
        ("failed", 409, "already_enrolled"),
        ("failed", 422, "invalid_field"),
        ("acknowledged", 201, ""),
    ]
    assert enrolments(running) == [first, second]
    # the registry's own answer, per operation: a second delivery of the same batch replays it
    entries = [batch.Entry(op.key, op.kind, op.payload) for op in settled]
    again = batch.apply_batch(running.registry, batch.Caller(CLIENT), entries)
    assert [(a["status"], a["outcome"]) for a in again] == [
        (201, "duplicate"),
        (404, "rejected"),
        (409, "rejected"),
        (422, "rejected"),
        (201, "duplicate"),
    ]
    assert enrolments(running) == [first, second]


def test_a_key_reused_for_another_request_is_refused_in_its_batch(running: Running) -> None:
    a, b = (p.cid for p in generated_people(2))
    entries = [
        batch.Entry("key-aaaaaaaa", "enrol", {"citizen_id": a, "unit": "u1", "method": "self"}),
        batch.Entry("key-aaaaaaaa", "enrol", {"citizen_id": b, "unit": "u1", "method": "self"}),
        batch.Entry("key-bbbbbbbb", "launch_rocket", {"citizen_id": b}),
    ]
    results = batch.apply_batch(running.registry, batch.Caller(CLIENT), entries)
    assert [(r["status"], r["outcome"], r["body"].get("error")) for r in results] == [
        (201, "accepted", None),
        (422, "rejected", "idempotency_key_reused"),
        (422, "rejected", "unknown_operation"),
    ]
    assert enrolments(running) == [a]


def test_a_transient_failure_mid_batch_commits_what_came_before_and_stops(running: Running, tmp_path: Path) -> None:
    a, b, c = (p.cid for p in generated_people(3))
    outbox = Outbox(open_store(tmp_path / "kiosk.sqlite3"))
    outbox.enqueue("enrol", {"citizen_id": a, "unit": "u1", "method": "self"}, now=0.0)
    with_template = enrol_payload(b, "u1", template=bytes(range(64)))
    outbox.enqueue("enrol", with_template, now=0.0)
    outbox.enqueue("enrol", {"citizen_id": c, "unit": "u1", "method": "self"}, now=0.0)
    templates, running.registry.templates = running.registry.templates, None  # 503 templates_unavailable
    with running.client() as client:
        syncer = Syncer(outbox, client_sender(client))
        report = syncer.sync(now=1.0)
        assert [op.payload["citizen_id"] for op in report.acknowledged] == [a]
        assert "503 templates_unavailable" in report.error and report.remaining == 2
        assert enrolments(running) == [a]  # c, after the failure, was not applied ahead of b
        head = outbox.list("sent")
        assert [op.payload["citizen_id"] for op in head] == [b, c] and "templates_unavailable" in head[0].reason
        running.registry.templates = templates
        syncer.link_restored()
        final = syncer.sync(now=2.0)
    assert final.remaining == 0 and [op.payload["citizen_id"] for op in final.acknowledged] == [b, c]
    assert enrolments(running) == [a, b, c]
    kept = outbox.get(final.acknowledged[0].key)
    assert kept is not None and "finger_template" not in kept.payload  # dropped once the registry has it


def test_a_batch_over_the_byte_bound_goes_in_several_requests(running: Running, tmp_path: Path) -> None:
    people = [p.cid for p in generated_people(12)]
    outbox = Outbox(open_store(tmp_path / "kiosk.sqlite3"))
    for cid in people:
        outbox.enqueue("enrol", enrol_payload(cid, "u1", template=bytes(range(200))), now=0.0)
    size = len(batch_entry("enrol", outbox.list()[0].payload, outbox.list()[0].key)) + 1
    batches: list[list[Operation]] = []
    with running.client() as c:
        report = Syncer(outbox, recording(client_sender(c), batches), batch_bytes=3 * size + 10).sync(now=1.0)
    assert [len(b) for b in batches] == [3, 3, 3, 3]
    assert report.remaining == 0 and enrolments(running) == people
    # one operation larger than the bound still goes, alone
    outbox.enqueue("enrol", {"citizen_id": NOT_A_CITIZEN, "unit": "u1", "method": "self"}, now=2.0)
    with running.client() as c:
        alone = Syncer(outbox, recording(client_sender(c), batches), batch_bytes=10).sync(now=3.0)
    assert len(batches[-1]) == 1 and alone.failed[0].reason == "citizen_not_found"


def test_a_lost_reply_is_resent_and_answered_as_duplicates(running: Running, tmp_path: Path) -> None:
    people = [p.cid for p in generated_people(10)]
    outbox = Outbox(open_store(tmp_path / "kiosk.sqlite3"))
    for cid in people:
        outbox.enqueue("enrol", {"citizen_id": cid, "unit": "u1", "method": "self"}, now=0.0)
    with running.client() as c:
        send = client_sender(c)
        lost: list[int] = []

        def lose_first_reply(ops: list[Operation]) -> list[Reply]:
            replies = send(ops)  # the registry commits the batch ...
            if not lost:
                lost.append(len(replies))
                raise RegistryUnavailable("link dropped before the answer")  # ... and the kiosk never hears
            return replies

        syncer = Syncer(outbox, lose_first_reply, batch_ops=4)
        first = syncer.sync(now=1.0)
        assert first.error and first.remaining == 10 and lost == [4]
        assert enrolments(running) == people[:4]
        syncer.link_restored()
        final = syncer.sync(now=2.0)
    assert final.remaining == 0 and len(final.acknowledged) == 10
    assert [op.response is not None and op.response.get("replayed") is True for op in final.acknowledged] == [
        True
    ] * 4 + [False] * 6
    assert enrolments(running) == people  # each once, in order
    assert [op.attempts for op in outbox.list()] == [2] * 4 + [1] * 6


def test_two_kiosks_syncing_batches_at_once_never_overbook_a_slot(running: Running, tmp_path: Path) -> None:
    """Each batch is one transaction: two outboxes booking one slot at the same time fill it exactly, the rest
    refused `slot_full`, each operation applied once (PostgreSQL: concurrent transactions; SQLite: serialised)."""
    import threading

    people = [p.cid for p in generated_people(40)]
    with running.client() as c:
        slot = next(
            s for s in c.slots("1014", running.today, running.today + timedelta(days=20)) if s["bookable"] == "ok"
        )
    outboxes = [Outbox(open_store(tmp_path / f"kiosk-{n}.sqlite3")) for n in range(2)]
    for i, cid in enumerate(people):
        booking = {"citizen_id": cid, "slot_id": slot["slot_id"], "presence_proof": presence_of(running, cid)}
        outboxes[i % 2].enqueue("book", booking, now=0.0)
    reports: list[Any] = []

    def drain(outbox: Outbox) -> None:
        with running.client(timeout_s=30) as c:
            syncer = Syncer(outbox, client_sender(c), batch_ops=3)
            for _ in range(50):
                syncer.link_restored()
                report = syncer.sync(now=1.0)
                reports.append(report)
                if report.remaining == 0:
                    return

    threads = [threading.Thread(target=drain, args=(o,)) for o in outboxes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    ops = [op for o in outboxes for op in o.list()]
    assert all(o.counts()["queued"] == o.counts()["sent"] == 0 for o in outboxes)
    booked = [op for op in ops if op.state == "acknowledged"]
    assert len(booked) == slot["free"]
    assert {op.reason for op in ops if op.state == "failed"} == {"slot_full"}
    (count,) = rows(running, "SELECT booked FROM slots WHERE id = ?", (slot["slot_id"],))[0]
    assert count == slot["capacity"]
    keys = rows(running, "SELECT COUNT(*), COUNT(DISTINCT key) FROM idempotency WHERE client = ?", (CLIENT,))[0]
    assert keys == (40, 40)
