"""What the composition root takes from the config: the journeys' limits (lockout, attempts) and the kiosk's role."""

from __future__ import annotations

from pathlib import Path

from kiosk import config
from kiosk.app import device_status, limits_of
from kiosk.flows.context import capabilities
from kiosk.flows.ports import Ports
from tests.flows.fakes import fake_ports

ROOT = Path(__file__).resolve().parents[2]


def load(tmp_path: Path, text: str) -> config.Config:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return config.load(path)


def test_lockout_and_attempts_come_from_the_config(tmp_path: Path) -> None:
    cfg = load(tmp_path, "[security]\nlockout_s = 600.0\n[finger]\nmax_attempts = 5\n[face]\nmax_attempts = 2\n")
    limits = limits_of(cfg)
    assert (limits.lockout_s, limits.finger_max_attempts, limits.face_max_attempts) == (600.0, 5, 2)
    defaults = limits_of(config.Config())
    assert (defaults.lockout_s, defaults.finger_max_attempts) == (900.0, 3)  # 15 minutes, three tries


def test_the_role_not_the_sensor_makes_a_field_kit(tmp_path: Path) -> None:
    ports = fake_ports()  # a kiosk with every device, a fingerprint sensor included
    unattended = device_status(config.Config(), ports, registry=True)
    assert not unattended.field_kit and "thaid_officer" not in capabilities(unattended)
    kit = device_status(load(tmp_path, '[kiosk]\nrole = "field_kit"\n'), ports, registry=False)
    assert kit.field_kit and "thaid_officer" in capabilities(kit)  # offline too
    no_sensor = Ports(local=ports.local, registry=ports.registry, card=ports.card, face=ports.face)
    assert "thaid_officer" not in capabilities(device_status(kit_cfg(tmp_path), no_sensor, registry=True))


def kit_cfg(tmp_path: Path) -> config.Config:
    return load(tmp_path, '[kiosk]\nrole = "field_kit"\n')


def test_the_shipped_configs_say_their_role() -> None:
    assert config.load(ROOT / "config" / "kiosk.pi.toml").kiosk.role == "unattended"
    assert config.load(ROOT / "config" / "kiosk.sim.toml").kiosk.role == "field_kit"


def test_the_outbox_sync_backs_off_to_the_configured_ceiling_and_reads_encrypted_rows(tmp_path: Path) -> None:
    from kiosk.app import outbox_syncer
    from kiosk.store import Outbox, load_or_create, open_store

    cfg = load(tmp_path, "[store]\nmax_backoff_s = 42.0\n")
    key = load_or_create(tmp_path / "keys").data_key
    conn = open_store(tmp_path / "kiosk.sqlite3")
    try:
        Outbox(conn, key).enqueue("enrol", {"citizen_id": "1101700203450", "unit": "u", "method": "officer"}, 0.0)
        syncer = outbox_syncer(cfg, conn, object(), key)
        assert syncer.backoff.max_s == 42.0
        pending = syncer.outbox.next_pending()
        assert pending is not None and pending.payload["citizen_id"] == "1101700203450"
    finally:
        conn.close()
