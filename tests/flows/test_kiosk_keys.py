"""The kiosk's keys are made once, when the device is enrolled; a kiosk whose keys are gone refuses to start and
writes nothing (issue 14, item 6: missing keys were silently regenerated, orphaning the encrypted outbox)."""

from __future__ import annotations

import dataclasses
import hashlib
import stat
from pathlib import Path

import pytest

from kiosk import app
from kiosk.config import Config
from kiosk.runner import Runner
from kiosk.store import (
    KeysExistError,
    MissingKeysError,
    Outbox,
    create_keys,
    load_keys,
    load_or_create,
    open_store,
)
from tests.flows.fakes import Screens


def key_bytes(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_created_keys_are_private_and_never_replaced(tmp_path: Path) -> None:
    keys_dir = tmp_path / "var" / "keys"
    keys = create_keys(keys_dir)
    assert stat.S_IMODE(keys_dir.stat().st_mode) == 0o700
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in keys_dir.iterdir()} == {
        "audit.key": 0o600,
        "subject.key": 0o600,
        "data.key": 0o600,
    }
    before = key_bytes(keys_dir)
    with pytest.raises(KeysExistError, match="refusing to replace"):
        create_keys(keys_dir)
    assert key_bytes(keys_dir) == before
    assert load_keys(keys_dir).data_key == keys.data_key


def test_provisioning_twice_keeps_the_keys_and_a_partial_set_is_never_completed(tmp_path: Path) -> None:
    keys_dir = tmp_path / "keys"
    first = load_or_create(keys_dir)
    before = key_bytes(keys_dir)
    again = load_or_create(keys_dir)
    assert key_bytes(keys_dir) == before and again.data_key == first.data_key
    (keys_dir / "data.key").unlink()  # the outbox's key is lost: a new one would orphan every queued row
    with pytest.raises(KeysExistError, match=r"audit\.key, subject\.key"):
        load_or_create(keys_dir)
    assert not (keys_dir / "data.key").exists()
    assert key_bytes(keys_dir) == {k: v for k, v in before.items() if k != "data.key"}


def enrolled_kiosk(tmp_path: Path) -> Config:
    """A field kit that was enrolled and queued an enrolment, whose keys/ folder has since gone."""
    base = Config()
    var = tmp_path / "var"
    cfg = dataclasses.replace(
        base,
        kiosk=dataclasses.replace(base.kiosk, data_dir=var, role="field_kit"),
        store=dataclasses.replace(base.store, path=var / "kiosk.sqlite3"),
    )
    keys = load_or_create(var / "keys")
    conn = open_store(cfg.store.path)
    try:
        Outbox(conn, keys.data_key).enqueue("enrol", {"citizen_id": "x", "unit": "u", "method": "officer"}, 1.0)
    finally:
        conn.close()
    for path in (var / "keys").iterdir():
        path.unlink()
    (var / "keys").rmdir()
    return cfg


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*")}


def test_a_kiosk_started_without_its_keys_refuses_and_writes_nothing(tmp_path: Path) -> None:
    cfg = enrolled_kiosk(tmp_path)
    before = snapshot(tmp_path / "var")
    runner = Runner(tick_s=0.02)
    try:
        with pytest.raises(MissingKeysError) as refused:
            app.compose(cfg, runner, Screens())  # type: ignore[arg-type]
    finally:
        runner.close()
    message = str(refused.value)
    assert str(tmp_path / "var" / "keys") in message and "kiosk enrol-device" in message
    assert not (tmp_path / "var" / "keys").exists()  # no new key
    assert snapshot(tmp_path / "var") == before  # the store is untouched: no outbox row, no kit-key registration
