"""Attacks on the trust list a kiosk verifies seals with: an unsigned list, one signed by a stranger's key, one
altered after signing, and an older list replayed (a revoked seal key brought back) are refused, and the kiosk keeps
the list it holds. The registry signs the list with its seal key and raises its serial with every change."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.registry.home import RegistryHome
from kiosk.registry_client import RegistryClient, RegistryError, Reply
from kiosk.seal import SigningKey, TrustList, TrustListError, signed_list
from tests.registry.conftest import FIXED_NOW, Running


class Canned(RegistryClient):
    """A registry client whose server answers `/v1/trust-list` with `envelope` (a man in the middle, a rogue
    registry mirror, or a replay of an older answer)."""

    def __init__(self, envelope: Any) -> None:
        self.envelope = envelope

    def request(self, method: str, path: str, **kwargs: Any) -> Reply:
        return Reply(200, self.envelope)


def lists(signer: SigningKey) -> tuple[TrustList, TrustList]:
    """Serial 1 with the key valid; serial 2 with it revoked."""
    key = signer.trusted("DOPA test", FIXED_NOW - timedelta(days=30), FIXED_NOW + timedelta(days=365))
    first = TrustList((key,), serial=1)
    return first, first.next((replace(key, revoked_at=FIXED_NOW),))


def test_the_registry_serves_a_signed_list_and_the_kiosk_takes_a_newer_one(running: Running) -> None:
    with running.client() as c:
        first = c.trust_list()  # no list held: signed by one of its own keys, over mutual TLS
        assert first == running.home.trust() and first.serial >= 1
        assert c.trust_list(first) == first  # the same list again
    revoked = tuple(replace(k, revoked_at=FIXED_NOW) for k in first.keys)  # as `revoke-seal-key` publishes it
    newer = signed_list.sign(first.next(revoked), running.home.signer())
    accepted = Canned(newer).trust_list(first)
    assert accepted.serial == first.serial + 1 and accepted.keys[0].revoked_at is not None


def test_the_registry_raises_the_serial_with_every_change(tmp_path: Path) -> None:
    home = RegistryHome(tmp_path / "registry")
    home.init()
    first = home.trust()
    assert first.serial == 1
    assert home.revoke_seal_key(first.keys[0].kid.hex())
    assert home.trust().serial == 2 and home.trust().keys[0].revoked_at is not None


@pytest.mark.parametrize("attack", ["unsigned", "stranger", "altered", "older", "same_serial_other_list"])
def test_an_unsigned_badly_signed_or_older_list_is_refused(attack: str) -> None:
    signer = SigningKey.generate("ES256")
    first, second = lists(signer)
    held = second  # the kiosk already holds the list that revokes the key
    envelope: Any
    if attack == "unsigned":
        envelope = first.to_json()
    elif attack == "stranger":
        stranger = SigningKey.generate("ES256")
        envelope = signed_list.sign(second.next(second.keys), stranger)
    elif attack == "altered":
        envelope = signed_list.sign(second.next(second.keys), signer)
        envelope = copy.deepcopy(envelope)
        envelope["trust_list"]["keys"][0].pop("revoked_at")  # un-revoke the key after signing
    elif attack == "older":
        envelope = signed_list.sign(first, signer)  # a genuine, signed, but older list: the key not yet revoked
    else:
        envelope = signed_list.sign(TrustList(first.keys, serial=second.serial), signer)
    with pytest.raises(TrustListError):
        signed_list.accept(envelope, held)
    with pytest.raises(RegistryError, match="refused"):
        Canned(envelope).trust_list(held)


def test_a_list_signed_by_a_key_the_held_list_revoked_is_refused() -> None:
    signer = SigningKey.generate("ES256")
    _, second = lists(signer)
    later = signed_list.sign(second.next(second.keys), signer)  # the compromised key signs a "newer" list
    with pytest.raises(TrustListError, match="not signed by a key"):
        signed_list.accept(later, second)
