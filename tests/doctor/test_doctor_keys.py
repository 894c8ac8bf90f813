"""`kiosk doctor` on a kiosk whose keys are gone: the store check fails, its hint names `kiosk enrol-device` (the only
command that makes keys), and the doctor itself creates nothing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from kiosk import doctor
from kiosk.config import Config
from kiosk.store import AuditLog, load_or_create, open_store


def kiosk_without_keys(tmp_path: Path) -> Config:
    base = Config()
    cfg = dataclasses.replace(
        base,
        store=dataclasses.replace(base.store, path=tmp_path / "kiosk.sqlite3"),
        kiosk=dataclasses.replace(base.kiosk, data_dir=tmp_path),
    )
    keys = load_or_create(tmp_path / "keys")
    conn = open_store(cfg.store.path)
    AuditLog(conn, keys.audit_key, keys.subject_key).append("started", 1_790_000_000.0)
    conn.close()
    for name in ("audit.key", "subject.key", "data.key"):
        (tmp_path / "keys" / name).unlink()
    return cfg


def test_missing_keys_are_a_failure_whose_hint_names_enrol_device(tmp_path: Path) -> None:
    cfg = kiosk_without_keys(tmp_path)
    [store] = [c for c in doctor.checks(cfg, simulator=True) if c.name == "store"]
    [verdict] = doctor.run_checks([store])
    assert verdict.status == "fail" and "audit.key" in verdict.detail
    assert "kiosk enrol-device" in verdict.hint
    assert "kiosk enrol-device" in doctor.as_text([verdict])
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == []  # the doctor made no key
