"""One Ed25519 key per kiosk signs its audit-log heads and its offline activation tokens: each message carries its
own domain tag (`kiosk.domains`), so a signature got for one purpose is refused for the other."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import domains
from kiosk.registry import kit_tokens
from kiosk.registry_client import new_key
from kiosk.store import AuditLog, chain_head, kit_public_key, load_or_create, open_store, verify_chain
from tests.registry.conftest import Running


def test_an_audit_signature_is_not_a_kit_token_signature_and_back() -> None:
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    message = b"KIOSK-T1|" + b"a" * 23  # 32 bytes: the shape of an audit entry's hash
    audit = domains.sign(key, domains.AUDIT, message)
    token = domains.sign(key, domains.KIT_TOKEN, message)
    assert domains.verify(public, domains.AUDIT, audit, message)
    assert domains.verify(public, domains.KIT_TOKEN, token, message)
    assert not domains.verify(public, domains.KIT_TOKEN, audit, message)
    assert not domains.verify(public, domains.AUDIT, token, message)
    assert not domains.verify(public, domains.AUDIT, key.sign(message), message)  # untagged: no domain at all


def test_a_kit_token_signed_as_anything_else_is_refused(running: Running) -> None:
    key = Ed25519PrivateKey.generate()
    op_key = new_key()
    expires = int(running.clock.now.timestamp()) + 600
    body = f"KIOSK-T1|{op_key}|{expires}|0A1B2C3D".encode()
    with running.client() as c:
        c.register_kit_key(kit_public_key(key), new_key())
        for signature in (key.sign(body), domains.sign(key, domains.AUDIT, body)):
            forged = kit_tokens.PREFIX + base64.urlsafe_b64encode(body + b"|" + signature).decode().rstrip("=")
            reply = c.request("POST", "/v1/enrolments/redeem-kit-token", body={"token": forged})
            assert (reply.status, reply.error) == (403, "bad_signature")
        honest = kit_tokens.issue("KIOSK-T1", op_key, expires, "0A1B2C3D", key)
        assert c.redeem_kit_token(honest) == {"activated": False, "pending": True}


def test_an_audit_head_signed_as_a_kit_token_anchors_nothing(running: Running, tmp_path: Path) -> None:
    keys = load_or_create(tmp_path / "keys")
    conn = open_store(tmp_path / "kiosk.sqlite3")
    AuditLog(conn, keys.audit_key, keys.subject_key).append("started", 1_790_000_000.0)
    head = chain_head(conn)
    assert head is not None
    wrong = domains.sign(keys.audit_key, domains.KIT_TOKEN, bytes.fromhex(head.hash))
    with running.client() as c:
        c.register_kit_key(kit_public_key(keys.audit_key), new_key())
        reply = c.request(
            "POST",
            "/v1/audit-anchor",
            body={"seq": 1, "hash": head.hash, "signature": base64.b64encode(wrong).decode()},
        )
        assert (reply.status, reply.error) == (403, "bad_signature")
        assert c.send_audit_anchor(head.seq, head.hash, head.signature)["seq"] == 1  # the audit-domain one anchors


def test_the_local_chain_check_refuses_an_entry_signed_outside_the_audit_domain(tmp_path: Path) -> None:
    keys = load_or_create(tmp_path / "keys")
    conn = open_store(tmp_path / "kiosk.sqlite3")
    AuditLog(conn, keys.audit_key, keys.subject_key).append("started", 1_790_000_000.0)
    assert verify_chain(conn, keys.audit_key.public_key()).ok
    (digest,) = conn.execute("SELECT hash FROM audit WHERE seq = 1").fetchone()
    for signature in (
        keys.audit_key.sign(bytes.fromhex(digest)),
        domains.sign(keys.audit_key, domains.KIT_TOKEN, bytes.fromhex(digest)),
    ):
        with conn:
            conn.execute("UPDATE audit SET signature = ? WHERE seq = 1", (signature.hex(),))
        check = verify_chain(conn, keys.audit_key.public_key())
        assert not check.ok and check.reason == "the signature does not verify"
