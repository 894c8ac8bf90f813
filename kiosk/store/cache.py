"""What the kiosk keeps for offline use: the seal trust list and the district offices (with holidays, closures)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from kiosk.seal import TrustList, TrustListError
from kiosk.store.outbox import transaction


class Cache:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

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
