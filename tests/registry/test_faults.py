"""Power loss and link loss: a kiosk process SIGKILLed at random moments during a burst of enrolments and bookings,
restarted and synced (nothing acknowledged lost, nothing duplicated, order kept, conflicts surfaced); the link cut
after the registry acted but before the kiosk heard, then restored."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.registry.home import RegistryHome
from kiosk.registry.population import generated_people
from kiosk.store import Outbox, Syncer, client_sender, load_or_create, open_store, verify_chain
from simulator.link import Link
from tests.conftest import ROOT
from tests.registry.conftest import Running, presence_of, start_registry
from tests.registry.netproxy import HoldAnswers

CLIENT = "KIOSK-T1"


def plan_operations(r: Running, n_people: int = 36) -> list[tuple[str, dict[str, Any]]]:
    """Interleaved enrolments and bookings, with built-in conflicts: a second enrolment of one citizen and more
    bookings for one slot than it holds."""
    people = [p.cid for p in generated_people(n_people)]
    with r.client() as c:
        slots = [s for s in c.slots("1014", r.today, r.today + timedelta(days=20)) if s["bookable"] == "ok"]
    crowded = slots[0]["slot_id"]
    ops: list[tuple[str, dict[str, Any]]] = []
    for i, cid in enumerate(people):
        ops.append(("enrol", {"citizen_id": cid, "unit": "unit-1014", "method": "self"}))
        slot = crowded if i < 5 else slots[1 + i % (len(slots) - 1)]["slot_id"]
        ops.append(("book", {"citizen_id": cid, "slot_id": slot, "presence_proof": presence_of(r, cid)}))
        if i == 3:
            ops.append(("enrol", {"citizen_id": people[0], "unit": "unit-1014", "method": "self"}))
    return ops


def spawn(mode: str, store: Path, ops_file: Path, url: str, certs: Path) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "tests.registry.kiosk_proc", mode, str(store), str(ops_file), url, str(certs)]
    return subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )


def run_and_kill(proc: subprocess.Popen[str], delay_s: float, acks: set[str], *, after_acks: int = 0) -> None:
    """Collect the ACK lines; SIGKILL the process `delay_s` after it is ready, or after its `after_acks`-th ACK or
    SETTLED line of this run (a point in its work rather than in time, so a fast machine cannot finish first)."""
    ready = threading.Event()
    acked = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        seen = 0
        for line in proc.stdout:
            if line.startswith("READY"):
                ready.set()
            elif line.startswith(("ACK ", "SETTLED ")):
                if line.startswith("ACK "):
                    acks.add(line.split()[1])
                seen += 1
                if seen == after_acks:
                    acked.set()
        ready.set()
        acked.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.wait(30)
    if after_acks:
        acked.wait(30)
        delay_s = 0.0
    if _exited_within(proc, delay_s):
        reader.join(5)
        return
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    reader.join(5)


def _exited_within(proc: subprocess.Popen[str], seconds: float) -> bool:
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        return False
    return True


def server_rows(r: Running, sql: str) -> list[tuple[Any, ...]]:
    with r.registry.db.transaction() as tx:
        return tx.all(sql)


def power_loss_rig(
    running: Running, tmp_path: Path
) -> tuple[int, random.Random, list[tuple[str, dict[str, Any]]], Path, Path]:
    """A seeded random source (its seed for the failure messages), the planned operations and their file, the store."""
    seed = random.randrange(10**6)
    ops = plan_operations(running)
    ops_file = tmp_path / "ops.json"
    ops_file.write_text(json.dumps(ops))
    return seed, random.Random(seed), ops, ops_file, tmp_path / "kiosk" / "var" / "kiosk.sqlite3"


def test_sigkill_at_random_points_loses_and_duplicates_nothing(running: Running, tmp_path: Path) -> None:
    seed, rng, ops, ops_file, store = power_loss_rig(running, tmp_path)
    url, certs = running.server.api_url, running.kiosk_dir
    acks: set[str] = set()
    kills = 0
    for round_no in range(9):  # a burst killed at a random moment and restarted, 8 times; then let it finish
        proc = spawn("burst", store, ops_file, url, certs)
        if round_no < 2:  # killed right after an acknowledged operation: at least two kills mid-burst
            run_and_kill(proc, 0.0, acks, after_acks=rng.randint(1, 3))
        else:
            run_and_kill(proc, rng.uniform(0.0, 0.35) if round_no < 8 else 120.0, acks)
        kills += proc.returncode == -signal.SIGKILL
        if proc.returncode == 0:
            break
    for _ in range(3):  # the sync itself killed at random moments
        proc = spawn("sync", store, ops_file, url, certs)
        run_and_kill(proc, rng.uniform(0.0, 0.2), acks)
        kills += proc.returncode == -signal.SIGKILL
    proc = spawn("sync", store, ops_file, url, certs)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0 and "DONE" in out, out
    assert kills >= 2, f"the test should have killed the kiosk (seed {seed})"

    assert_exactly_once(running, store, ops, acks, seed)


def test_sigkill_during_batched_sync_loses_and_duplicates_nothing(running: Running, tmp_path: Path) -> None:
    """A day's operations queued offline, then synced in batches (tests.registry.kiosk_proc.BATCH_OPS each), the
    sync SIGKILLed at random moments: before, during and after a batch's request, and between its two commits."""
    seed, rng, ops, ops_file, store = power_loss_rig(running, tmp_path)
    url, certs = running.server.api_url, running.kiosk_dir
    acks: set[str] = set()
    proc = spawn("queue", store, ops_file, url, certs)
    run_and_kill(proc, 0.0, acks, after_acks=len(ops))  # killed as the first batches go out
    kills = int(proc.returncode == -signal.SIGKILL)
    assert acks == {f"op-{i:05d}" for i in range(len(ops))}
    for attempt in range(6):  # the first two right after a settled batch (a point in the work: a fast machine
        proc = spawn("sync", store, ops_file, url, certs)  # cannot finish first), then at random moments
        run_and_kill(proc, rng.uniform(0.0, 0.25), acks, after_acks=1 if attempt < 2 else 0)
        kills += proc.returncode == -signal.SIGKILL
    proc = spawn("sync", store, ops_file, url, certs)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0 and "DONE" in out, out
    assert kills >= 2, f"the test should have killed the kiosk (seed {seed})"
    assert_exactly_once(running, store, ops, acks, seed)


def assert_exactly_once(running: Running, store: Path, ops: list[Any], acks: set[str], seed: int) -> None:
    """Every acknowledged operation settled, each reached the registry once, in order, the conflicts surfaced."""
    kiosk_keys = load_or_create(store.parent / "keys")
    outbox = Outbox(open_store(store), kiosk_keys.data_key)
    settled = {op.key: op for op in outbox.list(limit=10_000)}
    assert acks <= set(settled), f"acknowledged operations lost (seed {seed})"
    assert len(settled) == len(ops) and outbox.counts()["queued"] == outbox.counts()["sent"] == 0
    done = [op for op in settled.values() if op.state == "acknowledged"]
    failed = [op for op in settled.values() if op.state == "failed"]
    assert sorted(op.reason for op in failed) == ["already_enrolled", "slot_full", "slot_full"], seed

    enrolments = server_rows(running, f"SELECT cid FROM enrolments WHERE client = '{CLIENT}' ORDER BY id")
    bookings = server_rows(running, f"SELECT cid, slot_id FROM bookings WHERE client = '{CLIENT}'")
    assert len(enrolments) == sum(op.kind == "enrol" for op in done) == len({c for (c,) in enrolments})
    assert len(bookings) == sum(op.kind == "book" for op in done) == len(set(bookings))
    seq_of = {op.payload["citizen_id"]: op.seq for op in done if op.kind == "enrol"}
    assert [seq_of[c] for (c,) in enrolments] == sorted(seq_of[c] for (c,) in enrolments), "sent out of order"
    keys = {k for (k,) in server_rows(running, f"SELECT key FROM idempotency WHERE client = '{CLIENT}'")}
    assert keys == set(settled)  # each operation reached the registry exactly once (same key on every resend)

    assert verify_chain(outbox.conn, kiosk_keys.audit_key.public_key()).ok
    outbox.conn.execute("PRAGMA wal_checkpoint(FULL)")
    on_disk = b"".join(p.read_bytes() for p in store.parent.glob("kiosk.sqlite3*"))
    assert not any(op.payload["citizen_id"].encode() in on_disk for op in settled.values())  # encrypted at rest


@pytest.fixture
def held(home: RegistryHome, database_url: str, tmp_path: Path) -> Iterator[tuple[Running, HoldAnswers, Link]]:
    holder = HoldAnswers()
    r = start_registry(home, database_url, tmp_path / "kiosk", wrap_api=holder.wrap)
    proxy = Link(("127.0.0.1", r.server.api_port))
    try:
        yield r, holder, proxy
    finally:
        holder.released.set()
        proxy.close()
        r.server.stop()


def test_link_cut_mid_sync_after_the_registry_acted(held: tuple[Running, HoldAnswers, Link], tmp_path: Path) -> None:
    r, holder, proxy = held
    ops = plan_operations(r, n_people=8)
    outbox = Outbox(open_store(tmp_path / "kiosk.sqlite3"))
    for kind, payload in ops:
        outbox.enqueue(kind, payload, now=0.0)
    with r.client(timeout_s=3.0, base_url=proxy.url) as client:
        syncer = Syncer(outbox, client_sender(client))
        assert len(syncer.sync(now=1.0, max_ops=5).acknowledged) == 5

        holder.hold = True  # the registry commits the next operation, but its answer never arrives ...
        result: list[Any] = []
        worker = threading.Thread(target=lambda: result.append(syncer.sync(now=2.0)))
        worker.start()
        assert holder.acted.wait(10)
        proxy.set_online(False)  # ... because the link drops
        worker.join(10)
        report = result[0]
        assert report.error and report.remaining == len(ops) - 5 and report.next_attempt_at > 2.0
        in_doubt = outbox.next_pending()
        assert in_doubt is not None and in_doubt.state == "sent"
        committed = server_rows(r, f"SELECT key FROM idempotency WHERE key = '{in_doubt.key}'")
        assert committed, "the registry acted on the request whose answer was lost"
        holder.hold = False
        holder.released.set()

        later = syncer.sync(now=report.next_attempt_at)  # still down: backs off further
        assert later.error and later.next_attempt_at - report.next_attempt_at >= (report.next_attempt_at - 2.0) / 2

        proxy.set_online(True)
        syncer.link_restored()
        final = syncer.sync(now=later.next_attempt_at)
    assert final.remaining == 0 and not final.error
    replayed = outbox.get(in_doubt.key)
    assert replayed is not None and replayed.state in ("acknowledged", "failed")
    assert replayed.response is not None and replayed.response.get("replayed") is True
    all_ops = outbox.list()
    assert sum(op.state == "failed" for op in all_ops) == 3  # the built-in conflicts, surfaced with reasons
    enrolled = server_rows(r, "SELECT COUNT(*), COUNT(DISTINCT cid) FROM enrolments")[0]
    booked = server_rows(r, "SELECT COUNT(*) FROM bookings")[0][0]
    assert enrolled[0] == enrolled[1] == sum(op.kind == "enrol" and op.state == "acknowledged" for op in all_ops)
    assert booked == sum(op.kind == "book" and op.state == "acknowledged" for op in all_ops)
