"""The outbox: operations for the registry, each with an idempotency key and a visible state
(queued -> sent -> acknowledged | failed(reason)), committed durably before anyone is told they were accepted.
"""

from __future__ import annotations

import base64
import builtins
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.registry_client import OPERATIONS, Reply, batch_entry

State = Literal["queued", "sent", "acknowledged", "failed"]
STATES: tuple[State, ...] = ("queued", "sent", "acknowledged", "failed")


@dataclass(frozen=True)
class Operation:
    seq: int
    key: str
    kind: str
    payload: dict[str, Any]
    state: State
    created_at: float
    attempts: int
    status: int | None  # the registry's HTTP status once settled
    reason: str  # why it failed (the registry's error code), or the last transient error while pending
    response: dict[str, Any] | None


# Secrets an operation carries only until the registry has answered (a passcode, a finger template): once settled,
# the row keeps what people need to see, never these.
SECRET_FIELDS = frozenset({"passcode", "finger_template", "pin"})

_COLUMNS = "seq, key, kind, payload, state, created_at, attempts, status, reason, response"


ENCRYPTED = "enc1:"


class PayloadCipher:
    """AES-256-GCM for payloads and answers at rest (they hold citizen IDs, names, activation codes); the
    operation's idempotency key is the associated data, so a sealed payload cannot be moved to another row."""

    def __init__(self, data_key: bytes | None) -> None:
        self.aead = AESGCM(data_key) if data_key is not None else None

    def seal(self, key: str, value: Any) -> str:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
        if self.aead is None:
            return text
        nonce = os.urandom(12)
        return ENCRYPTED + base64.b64encode(nonce + self.aead.encrypt(nonce, text.encode(), key.encode())).decode()

    def open(self, key: str, stored: str) -> Any:
        if not stored.startswith(ENCRYPTED):
            return json.loads(stored)
        if self.aead is None:
            raise OutboxKeyError("this outbox row is encrypted: open the outbox with the kiosk's data key")
        raw = base64.b64decode(stored[len(ENCRYPTED) :])
        try:
            return json.loads(self.aead.decrypt(raw[:12], raw[12:], key.encode()))
        except InvalidTag:
            raise OutboxKeyError("an outbox row does not decrypt with this data key") from None


class OutboxKeyError(ValueError):
    """An encrypted outbox row cannot be read with the key given."""


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class Outbox:
    """Over one SQLite connection; give each thread (UI, sync worker) its own `open_store` connection. With
    `data_key` (`KioskKeys.data_key`), payloads and answers are encrypted at rest."""

    def __init__(self, conn: sqlite3.Connection, data_key: bytes | None = None) -> None:
        self.conn = conn
        self.cipher = PayloadCipher(data_key)

    def _op(self, row: tuple[Any, ...]) -> Operation:
        return Operation(
            seq=row[0],
            key=row[1],
            kind=row[2],
            payload=self.cipher.open(row[1], row[3]),
            state=row[4],
            created_at=row[5],
            attempts=row[6],
            status=row[7],
            reason=row[8],
            response=self.cipher.open(row[1], row[9]) if row[9] is not None else None,
        )

    def enqueue(self, kind: str, payload: dict[str, Any], now: float, *, key: str | None = None) -> Operation:
        """Queue an operation; when this returns, it is on disk (WAL + synchronous=FULL) and will be sent."""
        if kind not in OPERATIONS:
            raise ValueError(f"unknown outbox operation {kind!r} (known: {', '.join(OPERATIONS)})")
        path = OPERATIONS[kind][1]
        try:
            path.format(**payload)
        except KeyError as e:
            raise ValueError(f"{kind} needs {e.args[0]!r} in its payload") from None
        key = key or uuid.uuid4().hex
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO outbox (key, kind, payload, state, created_at, updated_at)"
                " VALUES (?, ?, ?, 'queued', ?, ?)",
                (key, kind, self.cipher.seal(key, payload), now, now),
            )
        op = self.get(key)
        assert op is not None
        return op

    def get(self, key: str) -> Operation | None:
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE key = ?", (key,)).fetchone()
        return self._op(row) if row else None

    def next_pending(self) -> Operation | None:
        """The oldest operation not yet settled (queued, or sent without an answer)."""
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE state IN ('queued', 'sent') ORDER BY seq LIMIT 1"
        ).fetchone()
        return self._op(row) if row else None

    def list(self, state: State | None = None, limit: int = 1000) -> list[Operation]:
        where, params = ("WHERE state = ?", (state, limit)) if state else ("", (limit,))
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM outbox {where} ORDER BY seq LIMIT ?", params).fetchall()
        return [self._op(r) for r in rows]

    def of_kind(self, kind: str) -> tuple[Operation, ...]:
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE kind = ? ORDER BY seq", (kind,)).fetchall()
        return tuple(self._op(r) for r in rows)

    def counts(self) -> dict[str, int]:
        found = dict(self.conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())
        return {s: int(found.get(s, 0)) for s in STATES}

    def note_error(self, seq: int, reason: str, now: float) -> None:
        """A transient failure: the operation stays pending; the reason is kept for people to see."""
        with transaction(self.conn):
            self.conn.execute("UPDATE outbox SET reason = ?, updated_at = ? WHERE seq = ?", (reason, now, seq))

    def pending_batch(self, max_ops: int, max_bytes: int, *, after_seq: int = 0) -> builtins.list[Operation]:
        """The oldest unsettled operations after `after_seq`, in order: at most `max_ops`, and as many as fit in
        `max_bytes` on the wire (always at least one, so an operation larger than the bound still goes, alone)."""
        batch: builtins.list[Operation] = []
        size = 0
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE state IN ('queued', 'sent') AND seq > ? ORDER BY seq LIMIT ?",
            (after_seq, max_ops),
        ).fetchall()
        for row in rows:
            op = self._op(row)
            n = len(batch_entry(op.kind, op.payload, op.key)) + 1
            if batch and size + n > max_bytes:
                break
            batch.append(op)
            size += n
        return batch

    def mark_sent_many(self, ops: Sequence[Operation], now: float) -> builtins.list[Operation]:
        """`mark_sent` for a whole batch in one commit; returns the operations as they now stand."""
        with transaction(self.conn):
            self.conn.executemany(
                "UPDATE outbox SET state = 'sent', attempts = attempts + 1, updated_at = ? "
                "WHERE seq = ? AND state IN ('queued', 'sent')",
                [(now, op.seq) for op in ops],
            )
        return [replace(op, state="sent", attempts=op.attempts + 1) for op in ops]

    def settle_many(self, answers: Sequence[tuple[Operation, Reply]], now: float) -> builtins.list[Operation]:
        """Record the registry's answers for a batch in one commit: 2xx acknowledged, anything else failed with the
        registry's error code. Works from the operations as read (no re-read, no re-decrypt); a payload is
        re-encrypted only when it held a secret to drop. An operation another syncer settled meanwhile keeps what
        that one recorded."""
        settled: builtins.list[Operation] = []
        with transaction(self.conn):
            marks = ",".join("?" * len(answers))
            pending = {
                seq
                for (seq,) in self.conn.execute(
                    f"SELECT seq FROM outbox WHERE seq IN ({marks}) AND state IN ('queued', 'sent')",
                    [op.seq for op, _ in answers],
                )
            }
            updates = []
            for op, reply in answers:
                if op.seq not in pending:
                    row = self.conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE seq = ?", (op.seq,)).fetchone()
                    settled.append(self._op(row))
                    continue
                state: State = "acknowledged" if reply.ok else "failed"
                reason = "" if reply.ok else str(reply.body.get("error") or f"http_{reply.status}")
                kept = {k: v for k, v in op.payload.items() if k not in SECRET_FIELDS}
                payload = self.cipher.seal(op.key, kept) if len(kept) < len(op.payload) else None
                response = self.cipher.seal(op.key, reply.body)
                updates.append((state, reply.status, reason, payload, response, now, op.seq))
                settled.append(
                    replace(op, state=state, status=reply.status, reason=reason, payload=kept, response=reply.body)
                )
            self.conn.executemany(
                "UPDATE outbox SET state = ?, status = ?, reason = ?, payload = COALESCE(?, payload), response = ?,"
                " updated_at = ? WHERE seq = ?",
                updates,
            )
        return settled

    def prune(self, settled_before: float) -> int:
        """Forget settled operations older than `settled_before` (they hold citizen IDs: keep no longer than needed)."""
        with transaction(self.conn):
            cur = self.conn.execute(
                "DELETE FROM outbox WHERE state IN ('acknowledged', 'failed') AND updated_at < ?", (settled_before,)
            )
        return cur.rowcount
