"""What the kiosk keeps for offline use: the seal trust list, the district offices (with holidays, closures), and
private entries (the officer roster) sealed with the outbox's AES-256-GCM data key."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from kiosk.seal import TrustList, TrustListError
from kiosk.store.outbox import PayloadCipher, transaction

PRIVATE_PREFIX = "private:"


class Cache:
    def __init__(self, conn: sqlite3.Connection, data_key: bytes | None = None) -> None:
        self.conn = conn
        self.cipher = PayloadCipher(data_key)

    def put_private(self, name: str, body: Any, now: float) -> None:
        """Kept encrypted (the entry's name is the associated data); refused without the data key."""
        if self.cipher.aead is None:
            raise ValueError("a private cache entry needs the kiosk's data key")
        self.put(PRIVATE_PREFIX + name, self.cipher.seal(PRIVATE_PREFIX + name, body), now)

    def get_private(self, name: str) -> Any | None:
        """The decrypted entry, or None; OutboxKeyError if it does not open with this key."""
        found = self.get(PRIVATE_PREFIX + name)
        return None if found is None else self.cipher.open(PRIVATE_PREFIX + name, str(found[0]))

    def put(self, name: str, body: Any, now: float) -> None:
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO cache (name, body, fetched_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
                (name, json.dumps(body, ensure_ascii=False), now),
            )

    def get(self, name: str) -> tuple[Any, float] | None:
        row = self.conn.execute("SELECT body, fetched_at FROM cache WHERE name = ?", (name,)).fetchone()
        return (json.loads(row[0]), float(row[1])) if row else None

    def put_trust_list(self, trust: TrustList, now: float) -> None:
        self.put("trust_list", trust.to_json(), now)

    def trust_list(self) -> TrustList | None:
        found = self.get("trust_list")
        if found is None:
            return None
        try:
            return TrustList.from_json(found[0])
        except TrustListError:
            return None

    def put_offices(self, offices: list[dict[str, Any]], now: float) -> None:
        self.put("offices", offices, now)

    def offices(self) -> list[dict[str, Any]]:
        found = self.get("offices")
        return list(found[0]) if found else []
