"""A field kit's last sync, end to end: the real outbox and syncer against the registry over mutual TLS record it
(sealed in the kit's store) only when the outbox is emptied with the registry answering; the executor reads it from
the store, and enrolment stops `max_offline_hours` after it and comes back with the next sync."""

from __future__ import annotations

from pathlib import Path

from kiosk.compose.registry import outbox_syncer
from kiosk.config import Config
from kiosk.flows.adapters import LocalAdapter
from kiosk.flows.context import DeviceStatus
from kiosk.store import Cache, Outbox, create_keys, open_store, queue_kit_key
from kiosk.store.last_sync import NAME
from tests.flows.fakes import FakeRegistry, fake_ports
from tests.flows.kit import Kiosk
from tests.registry.conftest import Running

HOURS = Config().store.max_offline_hours


def officer_enrolment(k: Kiosk) -> Kiosk:
    return k.tap("start").tap("language", "th").tap("service", "thaid_officer")


def test_the_kit_stops_enrolling_after_max_offline_hours_without_a_sync(running: Running, tmp_path: Path) -> None:
    keys = create_keys(tmp_path / "keys")
    conn = open_store(tmp_path / "kiosk.sqlite3")
    local = LocalAdapter(conn, keys, "unit-1014", "KIOSK-T1")
    queue_kit_key(Outbox(conn, keys.data_key), keys.audit_key, 0.0)  # something to send
    syncing = open_store(tmp_path / "kiosk.sqlite3")  # the syncer's own connection, as the app gives it
    k = Kiosk(fake_ports(local=local, registry=FakeRegistry(down=True)), status=DeviceStatus(field_kit=True))
    wall = lambda: k.clock.wall().timestamp()  # noqa: E731  (the kit's one clock)
    try:
        officer_enrolment(k).on("error")  # a kit that never synced enrols no one
        assert k.shown[1]["reason"] == "sync_overdue"
        with running.client(base_url="https://127.0.0.1:9") as unreachable:
            report = outbox_syncer(Config(), syncing, unreachable, keys.data_key, wall).sync(wall())
        assert report.error and local.last_sync() is None  # no link: no sync
        with running.client() as c:
            syncer = outbox_syncer(Config(), syncing, c, keys.data_key, wall)
            syncer.link_restored()  # the link is up: no back-off
            report = syncer.sync(wall())
        assert not report.error and report.remaining == 0
        synced = local.last_sync()
        assert synced == k.clock.wall()
        (stored,) = conn.execute("SELECT body FROM cache WHERE name LIKE ?", (f"%{NAME}",)).fetchone()
        assert str(int(synced.timestamp())) not in stored  # sealed: not readable, not quietly movable

        k.wait(10).on("attract")
        officer_enrolment(k).on("officer_signin")  # synced: enrols
        k.tap("cancel").on("thank_you").wait(HOURS * 3600 - 60).on("attract")
        officer_enrolment(k).on("officer_signin")  # just under the limit
        k.tap("cancel").on("thank_you").wait(120).on("attract")
        officer_enrolment(k).on("error")  # just over
        assert k.shown[1]["reason"] == "sync_overdue"
        k.wait(10).on("attract")

        with running.client() as c:  # the link is back: a pass with nothing to send still reaches the registry
            assert not outbox_syncer(Config(), syncing, c, keys.data_key, wall).sync(wall()).error
        officer_enrolment(k).on("officer_signin")  # restored
        k.tap("cancel").on("thank_you").wait(30).on("attract")

        Cache(conn, keys.data_key).put(f"private:{NAME}", "forged", 0.0)  # a local user edits the entry
        officer_enrolment(k).on("error")
        assert local.last_sync() is None and k.shown[1]["reason"] == "sync_overdue"
    finally:
        k.close()
        conn.close()
        syncing.close()
