"""The data layer on both engines: numbered migrations applied once, transactions all-or-nothing, seeding repeatable."""

from __future__ import annotations

import subprocess
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kiosk.registry.db import DatabaseUnavailable, IntegrityError, migrate, open_database, schema_version
from kiosk.registry.migrations import MIGRATIONS
from kiosk.registry.population import generated_people, seed
from kiosk.registry.validate import is_valid_cid
from kiosk.registry_client import RegistryUnavailable, new_key
from tests.conftest import ROOT, missing_stack
from tests.registry.conftest import start_registry


def test_migrations_apply_once_in_order(database_url: str) -> None:
    db = open_database(database_url)
    try:
        assert schema_version(db) == MIGRATIONS[-1][0] == len(MIGRATIONS)
        assert migrate(db) == []  # already at the latest version
        with db.transaction() as tx:
            assert [r[0] for r in tx.all("SELECT version FROM schema_migrations ORDER BY version")] == list(
                range(1, len(MIGRATIONS) + 1)
            )
    finally:
        db.close()
    again = open_database(database_url)  # a restart finds the schema in place
    again.close()


def test_a_failed_transaction_writes_nothing(database_url: str) -> None:
    db = open_database(database_url)
    try:
        seed(db, date(2026, 11, 22), extra=3)
        with db.transaction() as tx:
            before = tx.one("SELECT COUNT(*) FROM officers")
        with pytest.raises(IntegrityError), db.transaction() as tx:
            tx.execute(
                "INSERT INTO officers (officer_id, name, unit, pin_salt, pin_hash, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                ("OFF-X", "n", "u", "00", "00", 0),
            )
            tx.execute(
                "INSERT INTO offices (code, name_th, name_en, district, province) VALUES ('1014', 'a', 'b', 'c', 'd')"
            )
        with db.transaction() as tx:
            assert tx.one("SELECT COUNT(*) FROM officers") == before
    finally:
        db.close()


def test_seeding_is_repeatable_and_ids_are_valid(database_url: str) -> None:
    db = open_database(database_url)
    try:
        first = seed(db, date(2026, 11, 22), extra=50)
        second = seed(db, date(2026, 11, 22), extra=50)
        assert second["slots"] == 0 and first["slots"] > 0
        with db.transaction() as tx:
            cids = [r[0] for r in tx.all("SELECT cid FROM citizens")]
            orphans = tx.one(
                "SELECT COUNT(*) FROM citizens c WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.cid = c.cid)"
            )
            entries = tx.one("SELECT COUNT(DISTINCT cid) FROM house_entries")
        assert len(cids) == len(set(cids)) == first["citizens"]
        assert all(is_valid_cid(c) for c in cids) and orphans == (0,) and entries == (len(cids),)
        assert "1101700123456" in cids  # the simulator's test citizens are in the registry
        assert {p.cid for p in generated_people(50)} <= set(cids)
    finally:
        db.close()


def test_unreachable_postgresql_is_a_typed_error() -> None:
    with pytest.raises(DatabaseUnavailable):
        open_database("postgresql://postgres@127.0.0.1:9/none?connect_timeout=2")


def test_postgresql_outage_is_a_503_and_the_service_recovers(home: Any, tmp_path: Path) -> None:
    """The fleet database goes away under a running service: kiosks get 503 (transient), never a 500, and the
    service reconnects by itself when the database is back on the same address."""
    folder = Path(tempfile.mkdtemp(prefix="kiosk-pg-outage-", dir="/tmp"))
    pg = str(ROOT / "scripts" / "pg")
    run = subprocess.run([pg, "start", str(folder), "--fast"], capture_output=True, text=True, timeout=60)
    if run.returncode == 3:
        missing_stack("PostgreSQL 15 server binaries (apt-get install postgresql)")
    assert run.returncode == 0, run.stderr
    port = (folder / "port").read_text().strip()
    r = None
    try:
        r = start_registry(home, run.stdout.strip(), tmp_path / "kiosk")
        with r.client() as c:
            assert c.citizen("1101700123456")["citizen_id"] == "1101700123456"
            subprocess.run([pg, "stop", str(folder)], check=True, timeout=60)
            for _ in range(3):
                response = c.http.get("/v1/citizens/1101700123456")
                assert response.status_code == 503 and response.json()["error"] == "database_unavailable"
            with pytest.raises(RegistryUnavailable):
                c.enrol("1101700123456", "unit-1", new_key())
            subprocess.run([pg, "start", str(folder), port, "--fast"], check=True, capture_output=True, timeout=60)
            assert c.citizen("1101700123456")["citizen_id"] == "1101700123456"
            assert c.enrol("1101700123456", "unit-1", new_key())["activation_code"]
    finally:
        if r is not None:
            r.server.stop()
        subprocess.run([pg, "stop", str(folder), "--remove"], check=False, timeout=60)
