"""Kit keys registered when the CA certifies a kiosk and withdrawn when it is revoked, and the registry's audit and
rate limit of finger-template fetches, over loopback mutual TLS on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest

from kiosk.registry import kit_tokens
from kiosk.registry_client import RegistryRejected, new_key
from tests.registry.conftest import Running, enrol_by_pitak
from tests.registry.test_registry_citizen_services import (
    RUETHAI,
    SOMCHAI,
    TEMPLATE,
    kit_key,
    rows,
    token,
)


def test_a_kit_enrolled_with_the_ca_is_trusted_before_it_ever_syncs(running: Running) -> None:
    signer, public = kit_key()
    running.registry.enrol_kit_key("KIOSK-T1", public)  # what `kiosk enrol-device` does beside the certificate
    op_key = new_key()
    with running.client() as c:
        assert c.redeem_kit_token(token(running, signer, op_key)) == {"activated": False, "pending": True}
        enrol_by_pitak(c, running, SOMCHAI, op_key)  # the kit's first sync, later
        assert c.register_kit_key(public, new_key())["key_id"] == kit_tokens.key_id(public)  # the outbox path: 200
    assert rows(running, "SELECT activated_at IS NOT NULL FROM enrolments WHERE cid = ?", (SOMCHAI,)) == [(True,)]
    assert rows(running, "SELECT COUNT(*) FROM kit_keys") == [(1,)]


def test_revoking_a_kiosk_withdraws_its_kit_keys(running: Running) -> None:
    signer, public = kit_key()
    running.registry.enrol_kit_key("KIOSK-T1", public)
    signed_before = token(running, signer, new_key())
    assert running.registry.withdraw_kit_keys("KIOSK-T1") == 1
    assert running.registry.withdraw_kit_keys("KIOSK-T1") == 0  # already withdrawn
    with running.client() as c:
        for qr in (signed_before, token(running, signer, new_key())):  # signed before and after the revocation
            reply = c.request("POST", "/v1/enrolments/redeem-kit-token", body={"token": qr})
            assert (reply.status, reply.error) == (403, "kit_revoked")
        reply = c.request("POST", "/v1/kit-keys", body={"public_key": base64.b64encode(public).decode()}, key=new_key())
        assert (reply.status, reply.error) == (403, "kit_key_withdrawn")  # a queued registration cannot revive it
    running.registry.enrol_kit_key("KIOSK-T1", public)  # the operator certifies the kiosk again
    with running.client() as c:
        assert c.redeem_kit_token(signed_before)["pending"] is True


def test_every_template_fetch_is_recorded_without_the_citizen_id(running: Running) -> None:
    session = new_key()
    with running.client() as c:
        enrol_by_pitak(c, running, SOMCHAI, new_key(), finger_template=TEMPLATE)
        assert c.finger_template(SOMCHAI, session_key=session) == TEMPLATE
        assert c.finger_template(RUETHAI) is None
        reply = c.request("GET", f"/v1/citizens/{SOMCHAI}/finger-template")  # no session key: refused, not recorded
        assert (reply.status, reply.error) == (400, "session_key_required")
    fetches = rows(running, "SELECT kiosk_id, fetched_at, subject_hash, session_key, outcome FROM template_fetches")
    assert [(f[0], f[3] == session, f[4]) for f in fetches] == [
        ("KIOSK-T1", True, "released"),
        ("KIOSK-T1", False, "not_enrolled"),
    ]
    assert fetches[0][1] == int(running.clock.now.timestamp())
    templates = running.registry.templates
    assert templates is not None
    assert fetches[0][2] == templates.subject_hash(SOMCHAI) != templates.subject_hash(RUETHAI) == fetches[1][2]
    stored = repr(rows(running, "SELECT * FROM template_fetches"))
    assert SOMCHAI not in stored and RUETHAI not in stored
    assert templates.subject_hash(SOMCHAI) != hashlib.sha256(SOMCHAI.encode()).hexdigest()


def test_template_fetches_past_the_kiosks_limit_get_429(running: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(running.registry, "template_fetch_limit", 3)
    monkeypatch.setattr(running.registry, "template_fetch_window_s", 60)
    with running.client() as c:
        enrol_by_pitak(c, running, SOMCHAI, new_key(), finger_template=TEMPLATE)
        for _ in range(3):
            assert c.finger_template(SOMCHAI) == TEMPLATE
        reply = c.request("GET", f"/v1/citizens/{SOMCHAI}/finger-template", session_key=new_key())
        assert (reply.status, reply.error, reply.body["retry_after_s"]) == (429, "rate_limited", 60)
        assert "template" not in reply.body
        with pytest.raises(RegistryRejected) as e:
            c.finger_template(SOMCHAI)
        assert (e.value.status, e.value.code) == (429, "rate_limited")
        running.clock.now += timedelta(seconds=61)  # the window has passed
        assert c.finger_template(SOMCHAI) == TEMPLATE
    outcomes = [r[0] for r in rows(running, "SELECT outcome FROM template_fetches ORDER BY id")]
    assert outcomes == ["released"] * 3 + ["rate_limited"] * 2 + ["released"]
