"""The registry commands end to end: init, seed, enrol-device, outbox, sync and verify (text and image)."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from cryptography import x509

from kiosk import presence
from kiosk.cli import main
from kiosk.registry.home import RegistryHome
from kiosk.registry.server import RegistryServer
from kiosk.seal.qr import qr_image
from kiosk.store import Outbox, load_or_create, open_store

SOMCHAI = "1101700123456"


@pytest.fixture(autouse=True)
def only_these_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse with the core and registry commands only, so other areas' command modules cannot break these tests."""
    monkeypatch.setattr("kiosk.cli.COMMAND_MODULES", ("kiosk.commands.core", "kiosk.commands.registry"))


def write_config(tmp_path: Path, url: str = "https://127.0.0.1:9") -> Path:
    var = tmp_path / "var"
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(
        f"""
[kiosk]
id = "KIOSK-CLI-1"
data_dir = "{var}"
[registry]
url = "{url}"
ca_cert = "{var}/pki/ca.pem"
client_cert = "{var}/pki/kiosk.pem"
client_key = "{var}/pki/kiosk.key"
trust_list = "{var}/trust.json"
timeout_s = 3.0
[store]
path = "{var}/kiosk.sqlite3"
"""
    )
    return cfg


def test_registry_lifecycle_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "registry"
    assert main(["registry", "init", "--home", str(home), "--alg", "EdDSA"]) == 0
    assert main(["registry", "seed", "--home", str(home), "--extra", "5"]) == 0
    assert "seeded" in capsys.readouterr().out
    cfg = write_config(tmp_path)
    assert main(["--config", str(cfg), "enrol-device", "--registry-home", str(home)]) == 0
    cert = x509.load_pem_x509_certificate((tmp_path / "var/pki/kiosk.pem").read_bytes())
    ca = x509.load_pem_x509_certificate((tmp_path / "var/pki/ca.pem").read_bytes())
    cert.verify_directly_issued_by(ca)
    assert "CN=KIOSK-CLI-1" in cert.subject.rfc4514_string()

    server = RegistryServer(RegistryHome(home), RegistryHome(home).default_database).start()
    try:
        cfg = write_config(tmp_path, server.api_url)
        outbox = Outbox(open_store(tmp_path / "var/kiosk.sqlite3"), load_or_create(tmp_path / "var/keys").data_key)
        kit_key = load_or_create(tmp_path / "var/keys").audit_key  # registered by enrol-device
        proof = presence.make(kit_key, "KIOSK-CLI-1", presence.new_session(), "face", SOMCHAI, int(time.time()))
        extract = {"citizen_id": SOMCHAI, "doc_type": "TR14_1", "presence_proof": proof}
        outbox.enqueue("issue_extract", extract, now=1.0)
        outbox.enqueue("enrol", {"citizen_id": SOMCHAI, "unit": "u1", "method": "self"}, now=2.0)
        outbox.enqueue("enrol", {"citizen_id": SOMCHAI, "unit": "u1", "method": "self"}, now=3.0)
        capsys.readouterr()
        assert main(["--config", str(cfg), "outbox"]) == 0
        listing = capsys.readouterr().out
        assert "queued: 3" in listing and SOMCHAI not in listing and "1-xxxx-xxxxx-xx-6" in listing
        assert main(["--config", str(cfg), "sync"]) == 0
        out = capsys.readouterr().out
        # the kit's token key goes first (once), then the three operations
        assert "acknowledged 3, failed 1, still pending 0" in out and "already_enrolled" in out
        assert (tmp_path / "var/trust.json").exists()
        assert main(["--config", str(cfg), "outbox", "--state", "failed"]) == 0
        assert "reason=already_enrolled" in capsys.readouterr().out
    finally:
        server.stop()

    capsys.readouterr()
    assert main(["registry", "revoke", "--home", str(home), "KIOSK-CLI-1"]) == 0
    assert "revoked 1 certificate(s) of KIOSK-CLI-1" in capsys.readouterr().out
    server = RegistryServer(RegistryHome(home), RegistryHome(home).default_database).start()
    try:
        cfg = write_config(tmp_path, server.api_url)
        outbox.enqueue("enrol", {"citizen_id": SOMCHAI, "unit": "u2", "method": "self"}, now=4.0)
        assert main(["--config", str(cfg), "sync"]) == 1  # a revoked kiosk gets nothing: the handshake fails
        assert "still pending 1" in capsys.readouterr().out
    finally:
        server.stop()

    extract = outbox.list()[0].response
    assert extract is not None
    text = extract["seal"]
    assert main(["--config", str(cfg), "verify", text]) == 0
    out = capsys.readouterr().out
    assert out.startswith("valid:") and extract["doc_no"] in out and "นายสมชาย ใจดี" in out
    qr_image(text).save(tmp_path / "photo.png")
    assert main(["--config", str(cfg), "verify", str(tmp_path / "photo.png"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "valid" and result["document"]["citizen_id"] == SOMCHAI
    tampered = text[:20] + ("0" if text[20] != "0" else "1") + text[21:]
    assert main(["--config", str(cfg), "verify", tampered]) == 3
    empty = tmp_path / "empty.json"
    empty.write_text('{"version": 1, "keys": []}')
    assert main(["--config", str(cfg), "verify", text, "--trust-list", str(empty)]) == 5
    (tmp_path / "not-a-photo.png").write_bytes(b"nope")
    assert main(["--config", str(cfg), "verify", str(tmp_path / "not-a-photo.png")]) == 2


def test_audit_command_verifies_the_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.store import AuditLog

    cfg = write_config(tmp_path)
    keys = load_or_create(tmp_path / "var/keys")
    conn = open_store(tmp_path / "var/kiosk.sqlite3")
    log = AuditLog(conn, keys.audit_key, keys.subject_key)
    for n in range(3):
        log.append("extract_printed", 1_790_000_000.0 + n, citizen_id=SOMCHAI, doc_no=f"TR141-2026-{n:08d}")
    assert main(["--config", str(cfg), "audit"]) == 0
    out = capsys.readouterr().out
    assert "intact: 3 entries" in out and "TR141-2026-00000002" in out and SOMCHAI not in out
    conn.execute("UPDATE audit SET at = at + 1 WHERE seq = 2")
    assert main(["--config", str(cfg), "audit"]) == 1
    assert "BROKEN at entry 2" in capsys.readouterr().out


def test_sync_without_a_link_backs_off(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "registry"
    main(["registry", "init", "--home", str(home)])
    cfg = write_config(tmp_path)  # port 9: nothing listens
    main(["--config", str(cfg), "enrol-device", "--registry-home", str(home)])
    Outbox(open_store(tmp_path / "var/kiosk.sqlite3"), load_or_create(tmp_path / "var/keys").data_key).enqueue(
        "book", {"citizen_id": SOMCHAI, "slot_id": 1}, now=1.0
    )
    capsys.readouterr()
    assert main(["--config", str(cfg), "sync"]) == 1
    out = capsys.readouterr().out
    assert "still pending 2" in out and "next attempt at" in out  # the booking, and the kit's token key


def test_the_phone_app_redeems_a_kit_token_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.flows.adapters import LocalAdapter
    from kiosk.flows.effects import Enrolment

    home = tmp_path / "registry"
    assert main(["registry", "init", "--home", str(home)]) == 0
    assert main(["registry", "seed", "--home", str(home), "--extra", "2"]) == 0
    cfg = write_config(tmp_path)
    assert main(["--config", str(cfg), "enrol-device", "--registry-home", str(home)]) == 0
    keys = load_or_create(tmp_path / "var/keys")
    local = LocalAdapter(open_store(tmp_path / "var/kiosk.sqlite3"), keys, "unit-1014", "KIOSK-CLI-1")
    local.add_officer("officer-holder", "1101500482649", "เจ้าหน้าที่ พิทักษ์", "58203947")
    assert local.check_officer_pin("officer-holder", "58203947")
    op = Enrolment(SOMCHAI, "holder", "officer", local.clock(), officer_id="1101500482649")
    token = local.issue_activation(local.enqueue(op, bytes(range(64)) * 8), SOMCHAI).qr
    server = RegistryServer(RegistryHome(home), RegistryHome(home).default_database).start()
    try:
        cfg = write_config(tmp_path, server.api_url)
        capsys.readouterr()
        # the kit has never synced, yet enrol-device registered its key: the phone's token is accepted at once
        assert main(["--config", str(cfg), "activate", token]) == 0
        assert capsys.readouterr().out.strip() == "pending: activates when the kit syncs its enrolment"
        assert main(["--config", str(cfg), "sync"]) == 0
        assert "acknowledged 2, failed 0" in capsys.readouterr().out  # the key again (known: 200), the enrolment
        with sqlite3.connect(home / "registry.sqlite3") as db:
            assert db.execute("SELECT activated_at IS NOT NULL FROM enrolments").fetchall() == [(1,)]
        assert main(["--config", str(cfg), "activate", token]) == 3
        assert "refused: already_activated" in capsys.readouterr().out
        assert main(["--config", str(cfg), "activate", "THAID:ACT:ABCD-EFGH"]) == 2  # a code needs --citizen-id
        assert main(["--config", str(cfg), "outbox"]) == 0
        listing = capsys.readouterr().out
        assert "finger_template" not in listing and "register_kit_key" in listing  # settled: the template is gone
        # revoked: the kit key is withdrawn and the certificate refused at once, no restart
        assert main(["registry", "revoke", "--home", str(home), "KIOSK-CLI-1"]) == 0
        assert "withdrew 1 kit key(s)" in capsys.readouterr().out
        later = local.issue_activation(local.enqueue(op, bytes(range(64)) * 8), SOMCHAI).qr
        assert main(["--config", str(cfg), "activate", later]) == 3
        assert "refused: certificate_revoked" in capsys.readouterr().out  # this kiosk is refused at once
    finally:
        server.stop()


def test_sync_and_activate_build_their_client_through_the_composition_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One way to build the registry client: `kiosk.app.open_registry_client`; its refusal is a clear exit 1."""
    from kiosk.registry_client import RegistryError

    asked: list[str] = []

    def refuse(cfg: object) -> object:
        asked.append("open_registry_client")
        raise RegistryError("cannot load the kiosk's TLS credentials: test")

    monkeypatch.setattr("kiosk.app.open_registry_client", refuse)
    cfg = write_config(tmp_path)
    load_or_create(tmp_path / "var/keys")  # the device was enrolled: its keys exist
    assert main(["--config", str(cfg), "sync"]) == 1
    assert "cannot load the kiosk's TLS credentials" in capsys.readouterr().err
    assert main(["--config", str(cfg), "activate", "THAID:KIT:AAAA"]) == 1
    assert "registry unavailable: cannot load" in capsys.readouterr().out
    assert asked == ["open_registry_client"] * 2


def test_operators_provision_and_reset_officers_and_revoke_seal_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from kiosk.registry.db import open_database
    from kiosk.registry.service import Registry

    home = tmp_path / "registry"
    assert main(["registry", "init", "--home", str(home)]) == 0
    add = ["registry", "officer-add", "--home", str(home), "OFF-7", "--name", "นางสาวทดสอบ", "--unit", "unit-1014"]
    monkeypatch.setattr("sys.stdin", io.StringIO("12345\n"))
    assert main(add) == 1 and "6-12 digits" in capsys.readouterr().err  # too short a PIN
    monkeypatch.setattr("sys.stdin", io.StringIO("73914682\n"))
    assert main(add) == 0 and "OFF-7 (unit-1014) provisioned" in capsys.readouterr().out
    assert "73914682" not in (home / "registry.sqlite3").read_bytes().decode("latin-1")
    db = open_database(RegistryHome(home).default_database)
    try:
        registry = Registry(db, RegistryHome(home).signer())
        for _ in range(5):
            registry.verify_officer_pin("OFF-7", "000000")
        assert registry.verify_officer_pin("OFF-7", "73914682")[0] == 423
        assert main(["registry", "officer-reset", "--home", str(home), "OFF-7"]) == 0
        assert registry.verify_officer_pin("OFF-7", "73914682")[0] == 200
    finally:
        db.close()
    assert main(["registry", "officer-reset", "--home", str(home), "OFF-NONE"]) == 1
    kid = RegistryHome(home).trust().keys[0].kid.hex()
    assert main(["registry", "revoke-seal-key", "--home", str(home), kid]) == 0
    assert RegistryHome(home).trust().keys[0].revoked_at is not None
    assert main(["registry", "revoke-seal-key", "--home", str(home), kid]) == 1


def test_enrol_device_makes_the_kiosk_keys_once_and_enrolling_again_keeps_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import stat

    home = tmp_path / "registry"
    assert main(["registry", "init", "--home", str(home)]) == 0
    cfg = write_config(tmp_path)
    keys_dir = tmp_path / "var/keys"
    assert main(["--config", str(cfg), "enrol-device", "--registry-home", str(home)]) == 0
    assert stat.S_IMODE(keys_dir.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in keys_dir.iterdir()} == {0o600}
    first = {p.name: p.read_bytes() for p in keys_dir.iterdir()}
    assert sorted(first) == ["audit.key", "data.key", "subject.key"]
    assert main(["--config", str(cfg), "enrol-device", "--registry-home", str(home)]) == 0  # certified again
    assert {p.name: p.read_bytes() for p in keys_dir.iterdir()} == first
    (keys_dir / "data.key").unlink()  # a partial set: enrolling must not quietly complete it
    capsys.readouterr()
    assert main(["--config", str(cfg), "enrol-device", "--registry-home", str(home)]) == 1
    assert "KeysExistError" in capsys.readouterr().err and not (keys_dir / "data.key").exists()
