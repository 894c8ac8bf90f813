"""Attacks on the kiosk's evidence by whoever holds its disk: deleting the last audit entries (or all), rolling the
log back, or replacing `keys/audit.key` and re-signing everything. Each sync hands the registry the signed chain
head; `kiosk audit` checks the local log against that anchor and the key the registry holds."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import domains
from kiosk.cli import main
from kiosk.registry import kit_tokens
from kiosk.registry.home import RegistryHome
from kiosk.registry.server import RegistryServer
from kiosk.registry_client import new_key
from kiosk.store import AuditLog, chain_head, check_anchor, kit_public_key, load_or_create, open_store, verify_chain
from tests.registry.conftest import Running
from tests.registry.test_cli import write_config

SOMCHAI = "1101700123456"


def fill(log: AuditLog, n: int) -> None:
    for i in range(n):
        log.append("extract_printed", 1_790_000_000.0 + i, citizen_id=SOMCHAI, doc_no=f"TR141-2026-{i:08d}")


def test_the_registry_keeps_the_head_and_refuses_rollback_fork_and_foreign_keys(
    running: Running, tmp_path: Path
) -> None:
    keys = load_or_create(tmp_path / "keys")
    conn = open_store(tmp_path / "kiosk.sqlite3")
    log = AuditLog(conn, keys.audit_key, keys.subject_key)
    with running.client() as c:
        c.register_kit_key(kit_public_key(keys.audit_key), new_key())
        fill(log, 6)
        head = chain_head(conn)
        assert head is not None and c.send_audit_anchor(head.seq, head.hash, head.signature)["seq"] == 6
        assert c.audit_anchor() == {
            "kiosk_id": "KIOSK-T1",
            "seq": 6,
            "hash": head.hash,
            "key_id": kit_tokens.key_id(kit_public_key(keys.audit_key)),
        }
        older = log.entries()[2]
        reply = c.request(
            "POST",
            "/v1/audit-anchor",
            body={
                "seq": older.seq,
                "hash": older.hash,
                "signature": base64.b64encode(bytes.fromhex(older.signature)).decode(),
            },
        )
        assert (reply.status, reply.error) == (409, "audit_rollback")
        forged_hash = "0" * 64
        forged = domains.sign(keys.audit_key, domains.AUDIT, bytes.fromhex(forged_hash))
        reply = c.request(
            "POST",
            "/v1/audit-anchor",
            body={"seq": 6, "hash": forged_hash, "signature": base64.b64encode(forged).decode()},
        )
        assert (reply.status, reply.error) == (409, "audit_fork")
        stranger = domains.sign(Ed25519PrivateKey.generate(), domains.AUDIT, bytes.fromhex(head.hash))
        reply = c.request(
            "POST",
            "/v1/audit-anchor",
            body={"seq": 7, "hash": head.hash, "signature": base64.b64encode(stranger).decode()},
        )
        assert (reply.status, reply.error) == (403, "bad_signature")
        assert c.audit_anchor()["seq"] == 6  # nothing refused moved the anchor


@pytest.mark.parametrize("deleted", [1, 5, 10])
def test_deleting_the_last_entries_shows_against_the_anchor(tmp_path: Path, deleted: int) -> None:
    keys = load_or_create(tmp_path / "keys")
    conn = open_store(tmp_path / "kiosk.sqlite3")
    fill(AuditLog(conn, keys.audit_key, keys.subject_key), 10)
    head = chain_head(conn)
    assert head is not None
    key_id = kit_tokens.key_id(kit_public_key(keys.audit_key))
    anchor = {"seq": head.seq, "hash": head.hash, "key_id": key_id}
    assert check_anchor(conn, key_id, anchor) == ""
    conn.execute("DELETE FROM audit WHERE seq > ?", (10 - deleted,))
    assert verify_chain(conn, keys.audit_key.public_key()).ok  # on its own the shorter log still looks intact
    assert check_anchor(conn, key_id, anchor).startswith("truncated")


def test_a_swapped_key_that_re_signs_everything_shows_against_the_anchor(tmp_path: Path) -> None:
    keys = load_or_create(tmp_path / "keys")
    conn = open_store(tmp_path / "kiosk.sqlite3")
    fill(AuditLog(conn, keys.audit_key, keys.subject_key), 4)
    head = chain_head(conn)
    assert head is not None
    anchor = {"seq": head.seq, "hash": head.hash, "key_id": kit_tokens.key_id(kit_public_key(keys.audit_key))}
    conn.execute("DELETE FROM audit")
    thief = Ed25519PrivateKey.generate()
    fill(AuditLog(conn, thief, keys.subject_key), 4)  # a whole new log under a new key: intact on its own
    assert verify_chain(conn, thief.public_key()).ok
    assert "key swapped" in check_anchor(conn, kit_tokens.key_id(kit_public_key(thief)), anchor)


def test_kiosk_audit_reports_truncation_after_a_sync(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "registry"
    assert main(["registry", "init", "--home", str(home)]) == 0
    cfg = write_config(tmp_path)
    assert main(["--config", str(cfg), "enrol-device", "--registry-home", str(home)]) == 0
    keys = load_or_create(tmp_path / "var/keys")
    conn = open_store(tmp_path / "var/kiosk.sqlite3")
    fill(AuditLog(conn, keys.audit_key, keys.subject_key), 5)
    server = RegistryServer(RegistryHome(home), RegistryHome(home).default_database).start()
    try:
        cfg = write_config(tmp_path, server.api_url)
        assert main(["--config", str(cfg), "sync"]) == 0
        assert "head #5 anchored" in capsys.readouterr().out
        assert main(["--config", str(cfg), "audit"]) == 0
        assert "matches the registry's anchor (entry #5)" in capsys.readouterr().out
        conn.execute("DELETE FROM audit WHERE seq > 3")
        assert main(["--config", str(cfg), "audit"]) == 1
        out = capsys.readouterr().out
        assert "audit log intact: 3 entries" in out and "truncated: the registry holds entry #5" in out
        assert main(["--config", str(cfg), "sync"]) == 0
        assert "REFUSED by the registry: audit_rollback" in capsys.readouterr().out
    finally:
        server.stop()


def test_the_kiosk_app_syncer_anchors_the_head_after_each_pass(running: Running, tmp_path: Path) -> None:
    """The background sync (compose.outbox_syncer), not only `kiosk sync`, hands the registry the head."""
    from kiosk.app import outbox_syncer
    from kiosk.config import load as load_config

    keys = load_or_create(tmp_path / "keys")
    conn = open_store(tmp_path / "kiosk.sqlite3")
    fill(AuditLog(conn, keys.audit_key, keys.subject_key), 3)
    with running.client() as c:
        c.register_kit_key(kit_public_key(keys.audit_key), new_key())
        cfg = load_config(write_config(tmp_path, running.server.api_url))
        report = outbox_syncer(cfg, conn, c, keys.data_key).sync(0.0)
        assert not report.error
        assert c.audit_anchor()["seq"] == 3
