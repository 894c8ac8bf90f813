"""Outbox batches: a kiosk's queued operations applied in order, each idempotently, all in one transaction.

Each operation runs the same service function as its single-operation route, in the batch's one transaction. An
answered operation (201, or a refusal such as 404/409) commits what its route would commit, idempotency record
included, so it needs no savepoint; an operation that raises (a reused key, a race lost) may have written or, on
PostgreSQL, aborted the transaction: then the batch is rolled back and run again with a savepoint around each
operation, which undoes only that operation's writes. Malformed fields are refused before an operation runs.
The answer is one result per operation, in order: `accepted` (2xx), `duplicate` (the idempotency record replayed
an earlier answer), `rejected` (4xx, with the registry's error code) or `retry` (a transient 5xx: the batch stops
there, what came before is committed, and the kiosk sends that operation and the rest again later). A database
failure fails the whole batch (nothing committed).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk import officer_proof, presence
from kiosk.registry import validate as v
from kiosk.registry.biometric import MAX_TEMPLATE_BYTES
from kiosk.registry.db import DatabaseUnavailable, Dialect, Tx
from kiosk.registry.service import Registry, Result

MAX_BATCH_OPS = 500
MAX_BATCH_BYTES = 1024 * 1024  # the request body; each operation's fields are bounded by their own validators


@dataclass(frozen=True)
class Caller:
    """Who sends an operation: the kiosk's certificate common name and serial (as the TLS layer saw them)."""

    client: str
    serial: str = ""


Run = Callable[[Registry, Caller, str], Result]  # (registry, caller, key): one validated operation, applied
Parse = Callable[[Mapping[str, Any]], Run]


@dataclass(frozen=True)
class Entry:
    key: str
    kind: str
    params: Mapping[str, Any]


def _fields(params: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise v.ApiError(422, "unknown_field", f"unknown field {unknown[0]!r}")


def _presence_proof(p: Mapping[str, Any]) -> str:
    """The citizen-presence proof (`kiosk.presence`) an operation on one citizen's data carries; "" when absent
    (the registry then refuses it as `presence_missing`, audited)."""
    if p.get("presence_proof") is None:
        return ""
    return v.text(p, "presence_proof", max_len=presence.MAX_PROOF_CHARS)


def _issue_extract(p: Mapping[str, Any]) -> Run:
    _fields(p, FIELDS["issue_extract"])
    cid = v.citizen_id(p.get("citizen_id"))
    doc_type = v.choice(p, "doc_type", ("TR14_1", "TR12_2"))
    proof = _presence_proof(p)
    return lambda registry, caller, key: registry.issue_extract(caller.client, key, cid, doc_type, proof)


def _book(p: Mapping[str, Any]) -> Run:
    _fields(p, FIELDS["book"])
    cid = v.citizen_id(p.get("citizen_id"))
    slot_id = v.integer(p, "slot_id", low=1, high=2**62)
    proof = _presence_proof(p)
    return lambda registry, caller, key: registry.book(caller.client, key, cid, slot_id, proof)


def _cancel_booking(p: Mapping[str, Any]) -> Run:
    _fields(p, FIELDS["cancel_booking"])
    ref = v.code(p.get("ref"), "booking ref")
    cid = v.citizen_id(p.get("citizen_id"))
    proof = _presence_proof(p)
    return lambda registry, caller, key: registry.cancel_booking(caller.client, key, ref, cid, proof)


def _enrol(p: Mapping[str, Any]) -> Run:
    _fields(p, FIELDS["enrol"])
    cid = v.citizen_id(p.get("citizen_id"))
    unit = v.code(p.get("unit"), "unit")
    method = v.choice(p, "method", ("self", "officer"))
    officer = v.code(p.get("officer_id"), "officer_id") if p.get("officer_id") is not None else ""
    if (method == "officer") != bool(officer):
        raise v.ApiError(422, "invalid_field", "officer_id is required for, and only for, method 'officer'")
    proof = ""
    if p.get("officer_proof") is not None:
        proof = v.text(p, "officer_proof", max_len=80)
        if not officer or not officer_proof.well_formed(proof):
            raise v.ApiError(422, "invalid_field", "officer_proof is '<epoch>.<64 hex>', with an officer_id only")
    passcode = v.digits(p, "passcode", min_len=6, max_len=12) if p.get("passcode") is not None else ""
    template = None
    if p.get("finger_template") is not None:
        template = v.base64_bytes(p, "finger_template", min_bytes=16, max_bytes=MAX_TEMPLATE_BYTES)
    return lambda registry, caller, key: registry.enrol(
        caller.client, key, cid, unit, method, officer, passcode=passcode, template=template, proof=proof
    )


def _register_kit_key(p: Mapping[str, Any]) -> Run:
    _fields(p, FIELDS["register_kit_key"])
    public_key = v.base64_bytes(p, "public_key", min_bytes=32, max_bytes=32)
    try:
        Ed25519PublicKey.from_public_bytes(public_key)
    except ValueError:
        raise v.ApiError(422, "invalid_field", "public_key must be a raw Ed25519 public key") from None
    return lambda registry, caller, key: registry.register_kit_key(caller.client, key, public_key, caller.serial)


# Each outbox operation kind (kiosk.registry_client.OPERATIONS): its fields and its one validation, used by its
# single route (kiosk.registry.api) and by the batch alike. `presence_proof` travels in the Presence-Proof header
# on a single route and among the params in a batch.
FIELDS: dict[str, set[str]] = {
    "enrol": {"citizen_id", "unit", "method", "officer_id", "officer_proof", "passcode", "finger_template"},
    "book": {"citizen_id", "slot_id", "presence_proof"},
    "cancel_booking": {"ref", "citizen_id", "presence_proof"},
    "issue_extract": {"citizen_id", "doc_type", "presence_proof"},
    "register_kit_key": {"public_key"},
}
PARSE: dict[str, Parse] = {
    "enrol": _enrol,
    "book": _book,
    "cancel_booking": _cancel_booking,
    "issue_extract": _issue_extract,
    "register_kit_key": _register_kit_key,
}


def parse(body: Mapping[str, Any]) -> list[Entry]:
    """`{"operations": [{"key", "kind", "params"}, ...]}`: a malformed envelope refuses the whole batch (4xx)."""
    _fields(body, {"operations"})
    ops = body.get("operations")
    if not isinstance(ops, list) or not 1 <= len(ops) <= MAX_BATCH_OPS:
        raise v.ApiError(422, "invalid_field", f"operations must be a list of 1-{MAX_BATCH_OPS} operations")
    entries = []
    for op in ops:
        if not isinstance(op, dict) or not isinstance(op.get("params"), dict) or not isinstance(op.get("kind"), str):
            raise v.ApiError(422, "invalid_field", "each operation needs a key, a kind and params (an object)")
        _fields(op, {"key", "kind", "params"})
        entries.append(Entry(v.idempotency_key(op.get("key")), op["kind"], op["params"]))
    return entries


class _InBatch:
    """The batch's one transaction seen as a database by the service functions: `transaction()` yields it, inside
    a savepoint of its own when `savepoints` (the careful run, after an operation raised)."""

    def __init__(self, tx: Tx, dialect: Dialect, savepoints: bool) -> None:
        self.tx = tx
        self.dialect = dialect
        self.savepoints = savepoints

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        if not self.savepoints:
            try:
                yield self.tx
            except BaseException as e:  # also what the service would retry (IntegrityError): not over partial writes
                raise _Raised from e
            return
        self.tx.execute("SAVEPOINT batch_op")
        try:
            yield self.tx
        except BaseException:
            self.tx.execute("ROLLBACK TO SAVEPOINT batch_op")
            self.tx.execute("RELEASE SAVEPOINT batch_op")
            raise
        self.tx.execute("RELEASE SAVEPOINT batch_op")

    def close(self) -> None:
        """The batch's owner closes the real database."""


class _Raised(Exception):
    """An operation raised in the run without savepoints: roll the batch back and run it with them."""


def outcome(status: int, body: Mapping[str, Any]) -> str:
    if status >= 500:
        return "retry"
    if status >= 300:
        return "rejected"
    return "duplicate" if body.get("replayed") else "accepted"


def _validated(entry: Entry) -> Run | v.ApiError:
    parse_op = PARSE.get(entry.kind)
    if parse_op is None:
        return v.ApiError(422, "unknown_operation", f"no operation {entry.kind!r}")
    try:
        return parse_op(entry.params)
    except v.ApiError as e:
        return e


def apply_batch(registry: Registry, caller: Caller, entries: Sequence[Entry]) -> list[dict[str, Any]]:
    """Apply `entries` in order in one transaction; one result per operation up to and including the first `retry`."""
    runs = [_validated(entry) for entry in entries]
    try:
        return _apply(registry, caller, entries, runs, savepoints=False)
    except _Raised:
        return _apply(registry, caller, entries, runs, savepoints=True)


def _apply(
    registry: Registry, caller: Caller, entries: Sequence[Entry], runs: Sequence[Run | v.ApiError], *, savepoints: bool
) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with registry.db.transaction() as tx:
        inner = copy.copy(registry)  # shares keys, signer and clock; only its database is the batch's transaction
        object.__setattr__(inner, "db", _InBatch(tx, registry.db.dialect, savepoints))
        for entry, run in zip(entries, runs, strict=True):
            if isinstance(run, v.ApiError):
                status, body = run.status, run.body()
            else:
                try:
                    status, body = run(inner, caller, entry.key)
                except DatabaseUnavailable:
                    raise
                except v.ApiError as e:
                    if not savepoints:
                        raise _Raised from e
                    status, body = e.status, e.body()
                except Exception as e:
                    if not savepoints:
                        raise _Raised from e
                    raise
            results.append({"key": entry.key, "status": status, "outcome": outcome(status, body), "body": body})
            if status >= 500:
                break
    return results
