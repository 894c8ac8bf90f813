"""The fleet's health at the registry: each kiosk's heartbeats (nothing about citizens), its latest state, the
filters operators use (out of paper, offline, behind on sync, failed doctor, old version) and per-kiosk history."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.registry.db import Database
from kiosk.registry.validate import ApiError

PAPER = ("ok", "near_end", "paper_out", "cover_open", "offline", "absent")  # kiosk.flows.context.PrinterState
DOCTOR = ("ok", "failed", "not_run")
OFFLINE_AFTER_S = 3600  # "offline > 1 h"
BEHIND_AFTER_S = 24 * 3600  # no completed sync for a day, or the oldest queued operation older than that
HISTORY_KEPT = 500  # heartbeats kept per kiosk
FILTERS = ("out_of_paper", "offline", "behind_on_sync", "failed_doctor", "old_version")


def _number(body: Mapping[str, Any], key: str, lowest: float, highest: float, *, optional: bool = False) -> Any:
    value = body.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not lowest <= value <= highest:
        raise ApiError(422, "invalid_heartbeat", f"{key} must be a number in {lowest}..{highest}")
    return value


def _choice(body: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> str:
    value = body.get(key)
    if value not in allowed:
        raise ApiError(422, "invalid_heartbeat", f"{key} must be one of {', '.join(allowed)}")
    return str(value)


HEARTBEAT_FIELDS = frozenset(
    {"version", "doctor", "failed_check", "paper", "outbox_queued", "outbox_failed", "oldest_queued_s",
     "last_sync_at", "uptime_s", "free_disk_mb", "sent_at"}
)  # fmt: skip


def parse_heartbeat(body: Mapping[str, Any]) -> dict[str, Any]:
    """Only these fields, each typed and bounded: a heartbeat can carry nothing else (and never a citizen's data)."""
    unknown = sorted(set(body) - HEARTBEAT_FIELDS)
    if unknown:
        raise ApiError(422, "invalid_heartbeat", f"unknown heartbeat field {unknown[0]!r}")
    version = body.get("version")
    if not isinstance(version, str) or not 1 <= len(version) <= 32 or not version.replace(".", "").isalnum():
        raise ApiError(422, "invalid_heartbeat", "version must be 1-32 letters, digits and dots")
    failed = body.get("failed_check", "")
    if not isinstance(failed, str) or len(failed) > 40 or any(ch.isdigit() for ch in failed):
        raise ApiError(422, "invalid_heartbeat", "failed_check must be a check's name")
    return {
        "version": version,
        "doctor": _choice(body, "doctor", DOCTOR),
        "failed_check": failed,
        "paper": _choice(body, "paper", PAPER),
        "outbox_queued": int(_number(body, "outbox_queued", 0, 10_000_000)),
        "outbox_failed": int(_number(body, "outbox_failed", 0, 10_000_000)),
        "oldest_queued_s": _number(body, "oldest_queued_s", 0, 10 * 365 * 86400, optional=True),
        "last_sync_at": _number(body, "last_sync_at", 0, 2**40, optional=True),
        "uptime_s": _number(body, "uptime_s", 0, 10 * 365 * 86400),
        "free_disk_mb": int(_number(body, "free_disk_mb", 0, 2**40)),
        "sent_at": _number(body, "sent_at", 0, 2**40),
    }


def record(db: Database, kiosk_id: str, heartbeat: dict[str, Any], now: int) -> None:
    """Keep the heartbeat in the kiosk's history (the last HISTORY_KEPT) and as its latest state."""
    payload = json.dumps(heartbeat, sort_keys=True)
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO kiosk_heartbeats (kiosk_id, received_at, payload) VALUES (?, ?, ?)", (kiosk_id, now, payload)
        )
        tx.execute(
            "INSERT INTO kiosk_states (kiosk_id, last_at, payload) VALUES (?, ?, ?) ON CONFLICT (kiosk_id)"
            " DO UPDATE SET last_at = excluded.last_at, payload = excluded.payload",
            (kiosk_id, now, payload),
        )
        tx.execute(
            "DELETE FROM kiosk_heartbeats WHERE kiosk_id = ? AND id NOT IN (SELECT id FROM kiosk_heartbeats"
            " WHERE kiosk_id = ? ORDER BY id DESC LIMIT ?)",
            (kiosk_id, kiosk_id, HISTORY_KEPT),
        )


@dataclass(frozen=True)
class KioskState:
    kiosk_id: str
    last_at: int
    heartbeat: dict[str, Any]
    flags: frozenset[str]


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


def states(db: Database, now: int, wanted: frozenset[str] = frozenset()) -> list[KioskState]:
    """Every kiosk's latest state with the filters it meets; only those meeting all of `wanted` when given."""
    with db.transaction() as tx:
        rows = tx.all("SELECT kiosk_id, last_at, payload FROM kiosk_states ORDER BY kiosk_id")
    loaded = [(str(r[0]), int(r[1]), json.loads(r[2])) for r in rows]
    newest = max((_version_key(hb["version"]) for _, _, hb in loaded), default=())
    found = []
    for kiosk_id, last_at, hb in loaded:
        flags = set()
        if hb["paper"] in ("paper_out", "cover_open"):
            flags.add("out_of_paper")
        if now - last_at > OFFLINE_AFTER_S:
            flags.add("offline")
        synced = hb.get("last_sync_at")
        oldest = hb.get("oldest_queued_s")
        if synced is None or now - synced > BEHIND_AFTER_S or (oldest is not None and oldest > BEHIND_AFTER_S):
            flags.add("behind_on_sync")
        if hb["doctor"] != "ok":
            flags.add("failed_doctor")
        if _version_key(hb["version"]) < newest:
            flags.add("old_version")
        state = KioskState(kiosk_id, last_at, hb, frozenset(flags))
        if wanted <= state.flags:
            found.append(state)
    return found


def history(db: Database, kiosk_id: str, limit: int = 50) -> list[tuple[int, dict[str, Any]]]:
    with db.transaction() as tx:
        rows = tx.all(
            "SELECT received_at, payload FROM kiosk_heartbeats WHERE kiosk_id = ? ORDER BY id DESC LIMIT ?",
            (kiosk_id, limit),
        )
    return [(int(r[0]), json.loads(r[1])) for r in rows]
