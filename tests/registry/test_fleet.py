"""Fleet health over mutual TLS on SQLite and PostgreSQL: each kiosk's heartbeat (only its own, only the fields a
heartbeat may carry) becomes its state at the registry, with the filters operators use, within one heartbeat."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk import __version__
from kiosk.heartbeat import HeartbeatSender, payload
from kiosk.registry import fleet
from kiosk.registry_client import RegistryRejected
from kiosk.store import Outbox, create_keys, last_sync, open_store
from tests.registry.conftest import Running
from tests.registry.test_attack_stolen_kiosk import other_kiosk, revoke_t1


def beat(**changes: Any) -> dict[str, Any]:
    hb: dict[str, Any] = {
        "version": "1.4.0", "doctor": "ok", "failed_check": "", "paper": "ok", "outbox_queued": 0,
        "outbox_failed": 0, "oldest_queued_s": None, "last_sync_at": 1_795_000_000.0, "uptime_s": 60.0,
        "free_disk_mb": 9000, "sent_at": 1_795_000_000.0,
    }  # fmt: skip
    return hb | changes


def state_of(r: Running, kiosk: str) -> fleet.KioskState:
    return next(s for s in r.registry.fleet_states() if s.kiosk_id == kiosk)


def test_a_heartbeat_is_the_kiosks_state_under_its_certificates_name(running: Running, tmp_path: Path) -> None:
    with running.client() as c:
        assert c.heartbeat(beat(last_sync_at=running.clock.now.timestamp())) == {"kiosk_id": "KIOSK-T1"}
    state = state_of(running, "KIOSK-T1")
    assert state.heartbeat["paper"] == "ok" and state.flags == frozenset()
    with other_kiosk(running, tmp_path) as t2:
        t2.heartbeat(beat(paper="paper_out", version="1.3.9", last_sync_at=running.clock.now.timestamp()))
    t2_state = state_of(running, "KIOSK-T2")
    assert t2_state.flags == {"out_of_paper", "old_version"}
    assert state_of(running, "KIOSK-T1").heartbeat["paper"] == "ok"  # T2 spoke only for itself
    assert [s.kiosk_id for s in running.registry.fleet_states(frozenset({"out_of_paper"}))] == ["KIOSK-T2"]


@pytest.mark.parametrize(
    "bad",
    [
        {"citizen_id": "1101700123456"},
        {"kiosk_id": "KIOSK-T2"},
        {"paper": "empty"},
        {"outbox_queued": -1},
        {"failed_check": "read 1101700123456"},
        {"version": "<script>"},
    ],
    ids=["citizen-id", "kiosk-id", "paper", "negative", "id-in-check", "version"],
)
def test_a_heartbeat_carries_nothing_else_and_nothing_personal(running: Running, bad: dict[str, Any]) -> None:
    with running.client() as c, pytest.raises(RegistryRejected) as refused:
        c.heartbeat(beat(**bad))
    assert refused.value.status == 422
    assert running.registry.fleet_states() == []


def test_a_revoked_kiosk_reports_nothing(running: Running) -> None:
    revoke_t1(running)
    with running.client() as c, pytest.raises(RegistryRejected) as refused:
        c.heartbeat(beat())
    assert refused.value.status == 403
    assert running.registry.fleet_states() == []


def test_the_filters_operators_use(running: Running) -> None:
    now = running.clock.now.timestamp()
    with running.client() as c:
        c.heartbeat(beat(doctor="failed", failed_check="printer", last_sync_at=now - 2 * 86400))
    flags = state_of(running, "KIOSK-T1").flags
    assert flags == {"failed_doctor", "behind_on_sync"}
    running.clock.now += timedelta(hours=2)  # no heartbeat since
    assert "offline" in state_of(running, "KIOSK-T1").flags
    with running.client() as c:
        c.heartbeat(beat(last_sync_at=running.clock.now.timestamp(), oldest_queued_s=3 * 86400.0))
    assert state_of(running, "KIOSK-T1").flags == {"behind_on_sync"}  # synced, but something waits for days


def test_history_is_kept_per_kiosk_and_bounded(running: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fleet, "HISTORY_KEPT", 5)
    with running.client() as c:
        for n in range(8):
            c.heartbeat(beat(uptime_s=float(n)))
    kept = fleet.history(running.registry.db, "KIOSK-T1")
    assert [hb["uptime_s"] for _, hb in kept] == [7.0, 6.0, 5.0, 4.0, 3.0]


def test_the_kiosk_going_out_of_paper_shows_within_one_heartbeat(running: Running, tmp_path: Path) -> None:
    """The kiosk's own sender and payload (kiosk/heartbeat.py) from a real store: backlog, last sync, paper."""
    var = tmp_path / "var"
    keys = create_keys(var / "keys")
    conn: sqlite3.Connection = open_store(var / "kiosk.sqlite3")
    now = running.clock.now.timestamp()
    Outbox(conn, keys.data_key).enqueue(
        "enrol", {"citizen_id": "1101700123456", "unit": "u", "method": "face"}, now - 90
    )
    last_sync.record(conn, keys.data_key, now - 300)
    paper = ["ok"]

    def make() -> dict[str, Any]:
        return payload(
            conn, keys.data_key, paper=paper[0], boot_check=None, data_dir=var, started_s=0.0, now=now, monotonic=30.0
        )

    with running.client() as c:
        sender = HeartbeatSender(c, make, interval_s=3600)
        assert sender.beat()
        first = state_of(running, "KIOSK-T1")
        assert first.heartbeat["version"] == __version__ and first.heartbeat["outbox_queued"] == 1
        assert first.heartbeat["oldest_queued_s"] == 90.0 and first.heartbeat["uptime_s"] == 30.0
        assert "out_of_paper" not in first.flags
        paper[0] = "paper_out"
        assert sender.beat()
    assert "out_of_paper" in state_of(running, "KIOSK-T1").flags
    conn.close()


def test_an_unreachable_registry_costs_one_heartbeat(tmp_path: Path) -> None:
    class Down:
        def heartbeat(self, payload: dict[str, Any]) -> dict[str, Any]:
            raise ConnectionError("no route")

    assert HeartbeatSender(Down(), lambda: {}, 60).beat() is False
