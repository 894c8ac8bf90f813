"""Attacks by a stolen (revoked) kiosk, over loopback mutual TLS on SQLite and PostgreSQL: revocation bites on the
next request without a restart, a revoked kiosk registers no kit key, and no token of a key registered under a
revoked certificate activates anything, even redeemed through another kiosk."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.registry import pki
from kiosk.registry_client import RegistryClient, new_key
from tests.registry.conftest import Running, enrol_by_pitak, presence_of
from tests.registry.test_registry_citizen_services import SOMCHAI, kit_key, rows, token


def serial_of(cert_path: Path) -> int:
    return x509.load_pem_x509_certificate(cert_path.read_bytes()).serial_number


def revoke_t1(running: Running) -> None:
    """What `kiosk registry revoke KIOSK-T1` records in the registry's database."""
    serial = serial_of(running.kiosk_dir / "kiosk.pem")
    assert running.registry.revoke_certificates([(serial, "KIOSK-T1", running.clock.now)]) == 1
    running.registry.withdraw_kit_keys("KIOSK-T1")


def other_kiosk(running: Running, tmp_path: Path, key: Ed25519PrivateKey | None = None) -> RegistryClient:
    """KIOSK-T2, certified (and its device `key`, if given, registered) as `kiosk enrol-device` does; with a key its
    client carries that kiosk's presence proofs."""
    folder = tmp_path / "kiosk-t2"
    cert = pki.enrol_kiosk(
        running.home.authority(), "KIOSK-T2", folder / "kiosk.pem", folder / "kiosk.key", folder / "ca.pem"
    )
    if key is not None:
        running.registry.enrol_kit_key("KIOSK-T2", key.public_key().public_bytes_raw(), cert.serial_number)
    return RegistryClient(
        running.server.api_url,
        ca_cert=folder / "ca.pem",
        client_cert=folder / "kiosk.pem",
        client_key=folder / "kiosk.key",
        presence=(lambda cid: presence_of(running, cid, kiosk="KIOSK-T2", key=key)) if key is not None else None,
    )


def test_a_revoked_kiosk_is_refused_on_its_next_request_without_a_restart(running: Running) -> None:
    with running.client() as c:
        assert c.request("GET", "/v1/health").status == 200  # the keep-alive connection stays open
        revoke_t1(running)
        for method, path, body in (
            ("GET", "/v1/health", None),
            ("GET", f"/v1/citizens/{SOMCHAI}", None),
            ("POST", "/v1/enrolments", {"citizen_id": SOMCHAI, "unit": "unit-1014", "method": "self"}),
        ):
            reply = c.request(method, path, body=body, key=new_key() if body else "")
            assert (reply.status, reply.error) == (403, "certificate_revoked"), path
    with running.client() as fresh:  # a new connection too
        assert fresh.request("GET", "/v1/health").error == "certificate_revoked"
    assert rows(running, "SELECT COUNT(*) FROM enrolments") == [(0,)]


def test_a_revoked_certificate_registers_no_kit_key(running: Running) -> None:
    _, public = kit_key()
    revoke_t1(running)
    serial = f"{serial_of(running.kiosk_dir / 'kiosk.pem'):x}"
    # the registry's own check, in the registration's transaction (not only the request gate)
    status, body = running.registry.register_kit_key("KIOSK-T1", new_key(), public, serial)
    assert (status, body["error"]) == (403, "certificate_revoked")
    with running.client() as c:
        reply = c.request("POST", "/v1/kit-keys", body={"public_key": base64.b64encode(public).decode()}, key=new_key())
        assert (reply.status, reply.error) == (403, "certificate_revoked")
    assert rows(running, "SELECT COUNT(*) FROM kit_keys") == [(0,)]


def test_tokens_of_a_key_registered_under_a_revoked_certificate_activate_nothing_anywhere(
    running: Running, tmp_path: Path
) -> None:
    """The old bypass: the thief registered a fresh key before the revocation reached it; after it, its tokens
    are refused when the phone app redeems them through another, honest kiosk."""
    signer, public = kit_key()
    with running.client() as c:
        c.register_kit_key(public, new_key())
        op_key = new_key()
        enrol_by_pitak(c, running, SOMCHAI, op_key)
    serial = serial_of(running.kiosk_dir / "kiosk.pem")
    # revoked in the table only (no withdrawal): the key dies with the certificate it was registered under
    running.registry.revoke_certificates([(serial, "KIOSK-T1", datetime.now(UTC))])
    with other_kiosk(running, tmp_path) as t2:
        reply = t2.request("POST", "/v1/enrolments/redeem-kit-token", body={"token": token(running, signer, op_key)})
        assert (reply.status, reply.error) == (403, "kit_revoked")
    assert rows(running, "SELECT activated_at FROM enrolments WHERE cid = ?", (SOMCHAI,)) == [(None,)]
