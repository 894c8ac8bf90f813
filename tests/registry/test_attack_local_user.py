"""Attacks by a local user on the registry's or the kiosk's host: database files readable by others, activation
codes kept in clear in stored replies, the officer roster in clear in the kiosk's cache, and missing keys silently
replaced (orphaning the encrypted outbox)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.registry.db import open_database
from kiosk.registry_client import RegistryRejected, new_key
from kiosk.store import load_or_create, open_store
from tests.registry.conftest import Running
from tests.registry.test_cli import write_config
from tests.registry.test_registry_citizen_services import SOMCHAI, rows


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_both_sqlite_databases_are_private_to_their_owner(tmp_path: Path) -> None:
    registry = open_database(f"sqlite:///{tmp_path / 'registry.sqlite3'}")
    registry.close()
    open_store(tmp_path / "kiosk.sqlite3").close()
    for name in ("registry.sqlite3", "kiosk.sqlite3"):
        assert mode(tmp_path / name) == 0o600, name
    loose = tmp_path / "loose.sqlite3"
    loose.touch(mode=0o644)
    open_store(loose).close()
    assert mode(loose) == 0o600  # an existing file is tightened too
    for wal in tmp_path.glob("*-wal"):
        assert mode(wal) & 0o077 == 0, wal


def test_no_activation_code_is_kept_in_a_stored_reply(running: Running) -> None:
    key = new_key()
    with running.client() as c:
        first = c.enrol(SOMCHAI, "unit-1014", key)
        retried = c.enrol(SOMCHAI, "unit-1014", key)  # a sync retried after a lost answer
        code = str(first["activation_code"])
        assert retried["replayed"] is True and retried["activation_code"] not in (None, code)
        stored = json.dumps(rows(running, "SELECT body FROM idempotency"), default=str)
        assert code not in stored and code.replace("-", "") not in stored
        assert str(retried["activation_code"]) not in stored
        with pytest.raises(RegistryRejected):  # the first code was replaced
            c.activate(SOMCHAI, code)
        assert c.activate(SOMCHAI, str(retried["activation_code"]))["activated"]
        used = c.enrol(SOMCHAI, "unit-1014", key)
        assert (used["activation_code"], used["activated"]) == ("", True)  # used: nothing new to hand out


def test_the_officer_roster_is_encrypted_in_the_kiosk_cache(tmp_path: Path) -> None:
    from kiosk.flows.adapters import LocalAdapter

    conn = open_store(tmp_path / "kiosk.sqlite3")
    local = LocalAdapter(conn, load_or_create(tmp_path / "keys"), "unit-1014", "KIOSK-L1")
    local.add_officer("holder-1", "3100100456781", "นายพิทักษ์ รักษาดี", "58203947")
    raw = json.dumps(conn.execute("SELECT * FROM cache").fetchall(), ensure_ascii=False)
    assert "3100100456781" not in raw and "พิทักษ์" not in raw and "pin_hash" not in raw and "holder-1" not in raw
    assert local.check_officer_pin("holder-1", "58203947") == ("3100100456781", "นายพิทักษ์ รักษาดี")
    other = LocalAdapter(conn, load_or_create(tmp_path / "other-keys"), "unit-1014", "KIOSK-L1")
    with pytest.raises(ValueError):  # another key opens nothing (OutboxKeyError)
        other.check_officer_pin("holder-1", "58203947")


@pytest.mark.parametrize("command", ["outbox", "sync", "audit"])
def test_missing_keys_are_a_clear_error_and_nothing_is_created(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kiosk.cli.COMMAND_MODULES", ("kiosk.commands.core", "kiosk.commands.registry"))
    cfg = write_config(tmp_path)
    assert main(["--config", str(cfg), command]) == 1
    err = capsys.readouterr().err
    assert "kiosk keys missing" in err and "audit.key" in err and "enrol-device" in err
    assert not (tmp_path / "var" / "keys").exists()  # no new key made
    assert not (tmp_path / "var" / "kiosk.sqlite3").exists()  # and nothing queued


def test_kiosk_outbox_shows_no_officer_proof() -> None:
    """A queued officer proof is keyed by the officer's PIN: shown, it would let a PIN be guessed offline."""
    from kiosk.commands.registry import mask

    shown = mask({"citizen_id": "1101700123456", "officer_id": "OFF-1", "officer_proof": "1796000000." + "ab" * 32})
    assert shown == {"citizen_id": "1-xxxx-xxxxx-xx-6", "officer_id": "OFF-1", "officer_proof": "***"}
