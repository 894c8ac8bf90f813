"""Attacks on seals and kit tokens by anyone holding a printed extract or a leaked kit key: a malleated ECDSA
signature (s -> n - s), a seal with a ten-year lifetime, times out of range, and a kit token expiring in year 33658."""

from __future__ import annotations

import json
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cbor2
import pytest

from kiosk import seal
from kiosk.registry import kit_tokens
from kiosk.registry_client import new_key
from kiosk.seal import SigningKey, TrustList, base45, cose
from kiosk.seal.seal import CLAIM_DOC, CLAIM_EXP, CLAIM_IAT, CLAIM_ISS, parse
from tests.registry.conftest import Running
from tests.registry.test_registry_citizen_services import kit_key

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def signer() -> SigningKey:
    return SigningKey.generate("ES256")


def trust_of(signer: SigningKey) -> TrustList:
    return TrustList((signer.trusted("DOPA test", NOW - timedelta(days=3650), NOW + timedelta(days=3650)),))


def document(lifetime: timedelta = timedelta(days=90)) -> seal.SealDocument:
    return seal.SealDocument("TR14_1", "TR141-2026-00000001", "1101700123456", "DOPA", NOW, NOW + lifetime, {})


def text_of(sign1: cose.Sign1) -> str:
    return seal.PREFIX + base45.encode(zlib.compress(sign1.to_bytes(), 9))


def test_a_malleated_ecdsa_signature_is_not_a_second_valid_seal(signer: SigningKey) -> None:
    trust = trust_of(signer)
    for _ in range(20):  # about half of raw ECDSA signatures are high-S: the signer normalises every one
        text = seal.issue(document(), signer)
        sign1 = parse(text)
        r, s = sign1.signature[:32], int.from_bytes(sign1.signature[32:], "big")
        assert s <= cose.P256_ORDER // 2
        twin = replace(sign1, signature=r + (cose.P256_ORDER - s).to_bytes(32, "big"))
        assert seal.verify(text, trust, NOW).status == "valid"
        assert seal.verify(text_of(twin), trust, NOW).status == "invalid"


def test_a_seal_valid_for_ten_years_is_invalid(signer: SigningKey) -> None:
    text = seal.issue(document(timedelta(days=3650)), signer)
    check = seal.verify(text, trust_of(signer), NOW)
    assert check.status == "invalid" and "at most" in check.reason


@pytest.mark.parametrize(("iat", "exp"), [(0, 2**40), (-5, 100), (2**62, 2**62 + 1), (1_790_000_000, 1_700_000_000)])
def test_out_of_range_times_are_invalid_not_a_crash(signer: SigningKey, iat: int, exp: int) -> None:
    payload = cbor2.dumps(
        {
            CLAIM_ISS: "DOPA",
            CLAIM_EXP: exp,
            CLAIM_IAT: iat,
            CLAIM_DOC: {"v": 1, "t": "TR14_1", "n": "N", "id": "1101700123456", "f": {}},
        },
        canonical=True,
    )
    text = text_of(cose.sign(payload, signer.private_key))
    assert seal.verify(text, trust_of(signer), NOW).status == "invalid"


def test_a_kit_token_valid_for_millennia_is_refused(running: Running) -> None:
    signer, public = kit_key()
    running.registry.enrol_kit_key("KIOSK-T1", public)
    forever = 10**12 - 1  # the largest expiry the token format holds: year 33658
    token = kit_tokens.issue("KIOSK-T1", new_key(), forever, "0A1B2C3D", signer)
    with running.client() as c:
        reply = c.request("POST", "/v1/enrolments/redeem-kit-token", body={"token": token})
        assert (reply.status, reply.error) == (422, "token_lifetime")


def test_a_revoked_seal_key_verifies_nothing_even_backdated(signer: SigningKey, tmp_path: Path) -> None:
    from kiosk.registry.home import RegistryHome

    home = RegistryHome(tmp_path / "registry")
    trust_of(signer).save(home.trust_list)
    backdated = seal.issue(replace(document(), issued_at=NOW - timedelta(days=30)), signer)
    assert seal.verify(backdated, home.trust(), NOW).status == "valid"
    assert home.revoke_seal_key(signer.kid.hex(), NOW)
    assert not home.revoke_seal_key(signer.kid.hex(), NOW)  # already revoked
    reloaded = TrustList.from_json(json.loads(home.trust_list.read_text()))  # what kiosks fetch and cache
    check = seal.verify(backdated, reloaded, NOW)
    assert check.status == "invalid" and "revoked" in check.reason
