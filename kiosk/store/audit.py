"""The kiosk's audit log: append-only, hash-chained and signed with the kiosk's Ed25519 key. It records what the
kiosk did, never biometric data or names; a citizen appears only as a keyed hash (HMAC-SHA256 with a kiosk secret).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk import domains
from kiosk.store.outbox import transaction

GENESIS = "0" * 64
# Detail keys that would carry a name, an address, a secret or biometric data: refused outright.
FORBIDDEN_KEYS = frozenset(
    {
        "name",
        "name_th",
        "name_en",
        "first",
        "last",
        "address",
        "photo",
        "face",
        "image",
        "frame",
        "fingerprint",
        "template",
        "finger",
        "pin",
        "passcode",
        "activation_code",
        "citizen_id",
        "cid",
        "laser_id",
        "dob",
    }
)
MAX_DETAIL_TEXT = 200
_DIGITS13 = re.compile(r"(?<!\d)\d{13}(?!\d)")


class AuditError(ValueError):
    """An entry would put personal or biometric data into the log."""


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: float
    kind: str
    subject: str  # HMAC of the citizen ID, hex; "" when no citizen is involved
    detail: dict[str, Any]
    prev_hash: str
    hash: str
    signature: str


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    reason: str = ""


def _digest(seq: int, at: float, kind: str, subject: str, detail: str, prev_hash: str) -> str:
    canonical = json.dumps([seq, at, kind, subject, detail, prev_hash], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_detail(detail: dict[str, Any]) -> None:
    for key, value in detail.items():
        if key.lower() in FORBIDDEN_KEYS:
            raise AuditError(f"audit detail may not hold {key!r}")
        if isinstance(value, bytes | bytearray | memoryview):
            raise AuditError(f"audit detail {key!r} is binary (images and templates never go into the log)")
        if not isinstance(value, str | int | float | bool) and value is not None:
            raise AuditError(f"audit detail {key!r} must be a scalar")
        if isinstance(value, str) and (len(value) > MAX_DETAIL_TEXT or _DIGITS13.search(value)):
            raise AuditError(f"audit detail {key!r} is too long or holds a citizen ID")


class AuditLog:
    def __init__(self, conn: sqlite3.Connection, signing_key: Ed25519PrivateKey, subject_key: bytes) -> None:
        self.conn = conn
        self.signing_key = signing_key
        self.subject_key = subject_key

    def subject(self, citizen_id: str) -> str:
        return hmac.new(self.subject_key, citizen_id.encode(), hashlib.sha256).hexdigest()

    def append(self, kind: str, at: float, /, *, citizen_id: str = "", **detail: Any) -> AuditEntry:
        _check_detail(detail)
        subject = self.subject(citizen_id) if citizen_id else ""
        body = json.dumps(detail, sort_keys=True, ensure_ascii=False)
        with transaction(self.conn):
            last = self.conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
            digest = _digest(seq, at, kind, subject, body, prev)
            signature = domains.sign(self.signing_key, domains.AUDIT, bytes.fromhex(digest)).hex()
            self.conn.execute(
                "INSERT INTO audit (seq, at, kind, subject, detail, prev_hash, hash, signature)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, at, kind, subject, body, prev, digest, signature),
            )
        return AuditEntry(seq, at, kind, subject, detail, prev, digest, signature)

    def entries(self, citizen_id: str = "") -> list[AuditEntry]:
        where, params = ("WHERE subject = ?", (self.subject(citizen_id),)) if citizen_id else ("", ())
        rows = self.conn.execute(
            f"SELECT seq, at, kind, subject, detail, prev_hash, hash, signature FROM audit {where} ORDER BY seq", params
        ).fetchall()
        return [AuditEntry(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], r[7]) for r in rows]


def verify_chain(conn: sqlite3.Connection, public_key: Ed25519PublicKey) -> AuditCheck:
    """Recompute every hash and check every signature and link; the first broken entry is named."""
    prev, count = GENESIS, 0
    rows = conn.execute("SELECT seq, at, kind, subject, detail, prev_hash, hash, signature FROM audit ORDER BY seq")
    for seq, at, kind, subject, detail, prev_hash, digest, signature in rows:
        count += 1
        if seq != count:
            return AuditCheck(False, count, seq, "a sequence number is missing")
        if prev_hash != prev:
            return AuditCheck(False, count, seq, "the chain link does not match the previous entry")
        if _digest(seq, at, kind, subject, detail, prev_hash) != digest:
            return AuditCheck(False, count, seq, "the entry was altered")
        try:
            signed = domains.verify(public_key, domains.AUDIT, bytes.fromhex(signature), bytes.fromhex(digest))
        except ValueError:  # not hex
            signed = False
        if not signed:
            return AuditCheck(False, count, seq, "the signature does not verify")
        prev = digest
    return AuditCheck(True, count)


@dataclass(frozen=True)
class AuditHead:
    """The last entry's sequence number, hash and signature: what the kiosk sends the registry with each sync."""

    seq: int
    hash: str
    signature: str


def chain_head(conn: sqlite3.Connection) -> AuditHead | None:
    row = conn.execute("SELECT seq, hash, signature FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return AuditHead(int(row[0]), str(row[1]), str(row[2])) if row else None


def check_anchor(conn: sqlite3.Connection, local_key_id: str, anchor: dict[str, Any]) -> str:
    """Compare the local log with the head the registry keeps for this kiosk (`seq`, `hash`, `key_id`): "" when
    the log still contains that head signed by the same key, else what is wrong (truncated, rewritten, key swapped).
    A log that verifies on its own can still be shorter than what the registry saw, or re-signed under a new key."""
    if anchor.get("key_id") != local_key_id:
        return "the audit key is not the one the registry holds for this kiosk (key swapped)"
    seq, digest = int(anchor["seq"]), str(anchor["hash"])
    row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq,)).fetchone()
    if row is None:
        last = chain_head(conn)
        return f"truncated: the registry holds entry #{seq}, the log ends at #{last.seq if last else 0}"
    if row[0] != digest:
        return f"rewritten: entry #{seq} is not the one the registry holds"
    return ""
