"""What a kiosk tells the registry about itself every `[registry] heartbeat_s`: version, boot doctor, paper, outbox
backlog and its oldest age, last completed sync, uptime, free disk — never anything about a citizen.

`HeartbeatSender` runs on its own thread with its own store connection; a registry that cannot be reached costs
one skipped heartbeat (the next one says everything again)."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from kiosk import __version__
from kiosk.boot_check import failed_check
from kiosk.store import last_sync

log = logging.getLogger(__name__)


class HeartbeatClient(Protocol):
    def heartbeat(self, payload: dict[str, Any]) -> dict[str, Any]: ...


def outbox_backlog(conn: sqlite3.Connection, now: float) -> tuple[int, int, float | None]:
    """(queued, failed, age in seconds of the oldest waiting operation) from row states only, never payloads."""
    counts = dict(conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())
    oldest = conn.execute("SELECT MIN(created_at) FROM outbox WHERE state IN ('queued', 'sent')").fetchone()[0]
    queued = int(counts.get("queued", 0)) + int(counts.get("sent", 0))
    return queued, int(counts.get("failed", 0)), None if oldest is None else max(0.0, now - float(oldest))


def payload(
    conn: sqlite3.Connection,
    data_key: bytes,
    *,
    paper: str,
    boot_check: Path | None,
    data_dir: Path,
    started_s: float,
    now: float,
    monotonic: float,
) -> dict[str, Any]:
    queued, failed, oldest = outbox_backlog(conn, now)
    synced = last_sync.read(conn, data_key)
    fault = failed_check(boot_check)
    where = data_dir if data_dir.exists() else Path("/")
    return {
        "version": __version__,
        "doctor": "ok" if not fault else "not_run" if fault == "boot_check" else "failed",
        "failed_check": "" if fault == "boot_check" else fault,
        "paper": paper,
        "outbox_queued": queued,
        "outbox_failed": failed,
        "oldest_queued_s": None if oldest is None else round(oldest, 1),
        "last_sync_at": None if synced is None else synced.timestamp(),
        "uptime_s": round(max(0.0, monotonic - started_s), 1),
        "free_disk_mb": shutil.disk_usage(where).free // (1024 * 1024),
        "sent_at": now,
    }


class HeartbeatSender:
    """Sends `make()` through `client` every `interval_s` on a daemon thread, and once at start."""

    def __init__(self, client: HeartbeatClient, make: Callable[[], dict[str, Any]], interval_s: float) -> None:
        self.client, self.make, self.interval_s = client, make, interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="kiosk-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def beat(self) -> bool:
        try:
            self.client.heartbeat(self.make())
        except Exception as e:  # the registry away, or refusing: the next heartbeat says it all again
            log.info("heartbeat not delivered: %s", type(e).__name__)
            return False
        return True

    def _loop(self) -> None:
        while True:
            self.beat()
            if self._stop.wait(self.interval_s):
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5.0)
