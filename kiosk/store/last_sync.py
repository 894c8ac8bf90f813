"""When the kit last completed a sync with the registry (its outbox empty, the registry answering): kept sealed in
the cache under the data key (AES-GCM), so a local user can neither read it nor move it forward; a missing or
altered entry reads as "never synced", which stops enrolment like an overdue sync does."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from typing import Any

from kiosk.store.cache import Cache
from kiosk.store.outbox import Outbox, OutboxKeyError

log = logging.getLogger(__name__)
NAME = "last_sync"


def record(conn: sqlite3.Connection, data_key: bytes, at: float) -> None:
    Cache(conn, data_key).put_private(NAME, {"at": at}, at)


def read(conn: sqlite3.Connection, data_key: bytes) -> datetime | None:
    try:
        found = Cache(conn, data_key).get_private(NAME)
    except (OutboxKeyError, ValueError):
        log.warning("the last sync entry does not open with the data key: treated as never synced")
        return None
    if not isinstance(found, dict) or not isinstance(found.get("at"), int | float):
        return None
    return datetime.fromtimestamp(float(found["at"]), UTC)


def note_sync(client: Any, outbox: Outbox, data_key: bytes, at: float) -> bool:
    """After a sync pass: record `at` as the last sync when nothing is left to send and the registry answers now."""
    from kiosk.errors import KioskError

    if outbox.next_pending() is not None:
        return False
    try:
        client.health()
    except KioskError:
        return False
    record(outbox.conn, data_key, at)
    return True
