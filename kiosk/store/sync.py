"""Sending the outbox to the registry: in batches (bounded by count and bytes, one request and two local commits
each), strictly in order, each operation exactly once (idempotency keys make a resend harmless), stopping at the
first transient failure and backing off exponentially; conflicts are recorded as failed operations with the
registry's reason, never dropped.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from kiosk.registry_client import BATCH_BYTES, BATCH_OPS, RegistryUnavailable, Reply
from kiosk.store.outbox import Operation, Outbox, transaction

# Sends a batch of operations in one request; answers, in order, for all of them or for those up to and including
# the first transient failure (5xx); raises RegistryUnavailable when the batch as a whole got no answer.
Send = Callable[[list[Operation]], list[Reply]]


@dataclass(frozen=True)
class Backoff:
    base_s: float = 1.0
    max_s: float = 300.0

    def delay_s(self, failures: int, rng: random.Random) -> float:
        """Exponential with "equal jitter": between half and all of min(max, base * 2^(failures-1))."""
        if failures <= 0:
            return 0.0
        ceiling = min(self.max_s, self.base_s * 2 ** min(failures - 1, 30))
        return float(ceiling / 2 + rng.random() * ceiling / 2)


@dataclass
class SyncReport:
    acknowledged: list[Operation] = field(default_factory=list)
    failed: list[Operation] = field(default_factory=list)  # conflicts and refusals, with their reasons
    remaining: int = 0
    error: str = ""  # the transient error that stopped this pass, if any
    next_attempt_at: float = 0.0


class Syncer:
    def __init__(
        self,
        outbox: Outbox,
        send: Send,
        backoff: Backoff = Backoff(),
        rng: random.Random | None = None,
        on_settled: Callable[[Operation], Any] | None = None,
        after_pass: Callable[[], Any] | None = None,
        *,
        batch_ops: int = BATCH_OPS,
        batch_bytes: int = BATCH_BYTES,
    ) -> None:
        self.outbox = outbox
        self.batch_ops = batch_ops
        self.batch_bytes = batch_bytes
        self.send = send
        self.backoff = backoff
        self.rng = rng or random.Random()
        self.on_settled = on_settled
        self.after_pass = after_pass  # once per pass that reached the registry without a transient failure

    @property
    def conn(self) -> sqlite3.Connection:
        return self.outbox.conn

    def state(self) -> tuple[int, float, str]:
        row = self.conn.execute("SELECT failures, next_attempt_at, last_error FROM sync_state WHERE id = 1").fetchone()
        return int(row[0]), float(row[1]), str(row[2])

    def due(self, now: float) -> bool:
        return now >= self.state()[1] and self.outbox.next_pending() is not None

    def link_restored(self) -> None:
        """The link came back (a network event): forget the back-off so the next pass runs at once."""
        with transaction(self.conn):
            self.conn.execute("UPDATE sync_state SET next_attempt_at = 0 WHERE id = 1")

    def submit(
        self,
        kind: str,
        payload: dict[str, Any],
        now: float,
        *,
        max_ops: int = 20,
        clock: Callable[[], float] | None = None,
    ) -> Operation:
        """Queue durably, then (unless backing off) send what is pending, oldest first, up to `max_ops`. Returns the
        operation as it stands: acknowledged (with the registry's answer), failed (with its reason), or still
        queued/sent, which a journey tells the citizen as "recorded, will be sent"."""
        op = self.outbox.enqueue(kind, payload, now)
        if now >= self.state()[1]:
            self.sync(now, max_ops=max_ops, clock=clock)
        settled = self.outbox.get(op.key)
        assert settled is not None
        return settled

    def sync(self, now: float, *, max_ops: int | None = None, clock: Callable[[], float] | None = None) -> SyncReport:
        """One pass: send pending operations oldest first, a batch per request, until done, `max_ops`, or a
        transient failure. Each batch costs two local commits (sent, then settled), whatever its size; the next
        batch is on the wire while this one is settled (it is sent only once this one's answer is in, so the
        registry still applies everything in order, and nothing follows a transient failure)."""
        report = SyncReport()
        failures, next_at, _ = self.state()
        if now < next_at:
            report.remaining = self._remaining()
            report.next_attempt_at = next_at
            return report
        scheduled = 0
        with ThreadPoolExecutor(1, thread_name_prefix="kiosk-sync-send") as wire:

            def launch(after_seq: int) -> tuple[list[Operation], float, Future[list[Reply]]] | None:
                nonlocal scheduled
                limit = self.batch_ops if max_ops is None else min(self.batch_ops, max_ops - scheduled)
                batch = self.outbox.pending_batch(limit, self.batch_bytes, after_seq=after_seq) if limit > 0 else []
                if not batch:
                    return None
                t = clock() if clock else now
                batch = self.outbox.mark_sent_many(batch, t)  # "sent" survives a crash: a resend reuses the keys
                scheduled += len(batch)
                return batch, t, wire.submit(self.send, batch)

            inflight = launch(0)
            while inflight is not None:
                batch, t, answer = inflight
                try:
                    replies, error = answer.result(), ""
                except RegistryUnavailable as e:
                    replies, error = [], str(e)
                stop = next((i for i, r in enumerate(replies) if r.status >= 500), len(replies))
                if stop < len(replies):
                    error = f"registry answered {replies[stop].status} {replies[stop].body.get('error', '')}".strip()
                answered = list(zip(batch, replies[:stop], strict=False))
                if not answered and not error:
                    error = "registry answered no operation"
                inflight = None if error else launch(batch[-1].seq)
                for settled in self.outbox.settle_many(answered, t):
                    (report.acknowledged if settled.state == "acknowledged" else report.failed).append(settled)
                    if self.on_settled is not None:
                        self.on_settled(settled)
                if error:
                    failures += 1
                    report.error = error
                    report.next_attempt_at = t + self.backoff.delay_s(failures, self.rng)
                    self.outbox.note_error(batch[len(answered)].seq, report.error, t)
                    self._save(failures, report.next_attempt_at, report.error)
                elif failures:
                    failures = 0
                    self._save(0, 0.0, "")
        report.remaining = self._remaining()
        if not report.error and self.after_pass is not None:
            self.after_pass()
        return report

    def _remaining(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'sent')").fetchone()[0])

    def _save(self, failures: int, next_at: float, error: str) -> None:
        with transaction(self.conn):
            self.conn.execute(
                "UPDATE sync_state SET failures = ?, next_attempt_at = ?, last_error = ? WHERE id = 1",
                (failures, next_at, error),
            )


def client_sender(client: Any) -> Send:
    """A `Send` over a RegistryClient: a batch in one request, each operation under its own idempotency key."""

    def send(ops: list[Operation]) -> list[Reply]:
        replies: list[Reply] = client.submit_batch([(op.key, op.kind, op.payload) for op in ops])
        return replies

    return send


def anchor_audit_head(client: Any, conn: sqlite3.Connection) -> str:
    """Hand the registry this kiosk's signed audit-log head (it keeps it, refusing an older one); what happened."""
    from kiosk.errors import KioskError
    from kiosk.registry_client import RegistryRejected
    from kiosk.store.audit import chain_head

    head = chain_head(conn)
    if head is None:
        return ""
    try:
        client.send_audit_anchor(head.seq, head.hash, head.signature)
    except RegistryRejected as e:
        return f"head #{head.seq} REFUSED by the registry: {e.code} (the log was rolled back or rewritten)"
    except KioskError as e:  # no link (RegistryError), or a kiosk without credentials (the flows' RegistryFailed)
        return f"head not sent: {e}"
    return f"head #{head.seq} anchored at the registry"
