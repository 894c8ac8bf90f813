"""The kiosk's local store (SQLite, WAL, synchronous=FULL): outbox and sync, signed audit log, offline cache."""

from kiosk.store.audit import (
    AuditCheck,
    AuditEntry,
    AuditError,
    AuditHead,
    AuditLog,
    chain_head,
    check_anchor,
    verify_chain,
)
from kiosk.store.cache import Cache
from kiosk.store.db import open_store
from kiosk.store.keys import KeysExistError, KioskKeys, MissingKeysError, create_keys, load_keys, load_or_create
from kiosk.store.kit_key import kit_public_key, queue_kit_key
from kiosk.store.outbox import Operation, Outbox, OutboxKeyError
from kiosk.store.sync import Backoff, Syncer, SyncReport, client_sender

__all__ = [
    "AuditCheck",
    "AuditEntry",
    "AuditError",
    "AuditHead",
    "AuditLog",
    "Backoff",
    "Cache",
    "KeysExistError",
    "KioskKeys",
    "MissingKeysError",
    "Operation",
    "Outbox",
    "OutboxKeyError",
    "SyncReport",
    "Syncer",
    "chain_head",
    "check_anchor",
    "client_sender",
    "create_keys",
    "kit_public_key",
    "load_keys",
    "load_or_create",
    "open_store",
    "queue_kit_key",
    "verify_chain",
]
