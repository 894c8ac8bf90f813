"""The kiosk's side of the citizen-presence proof (`kiosk.presence`): made when a journey verifies the card's holder,
before anything reads their data, signed by the device key, held in memory for that citizen only, gone when the
journey ends; and a refusal of it reads as words a citizen understands."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk import presence
from kiosk.flows.adapters import LocalAdapter, RegistryFailed, registry_errors
from kiosk.flows.events import Record
from kiosk.flows.screens import error_reason
from kiosk.registry_client import RegistryRejected
from kiosk.store import create_keys, open_store
from kiosk.ui.i18n import translator
from kiosk.ui.screens.common import ERRORS
from tests.flows.fakes import IDENTITY, FakeLocal, FakeRegistry, fake_ports
from tests.flows.kit import Kiosk


@dataclass
class WatchingRegistry(FakeRegistry):
    """Notes, at each read of a citizen's record, which presence proofs the kiosk held then."""

    local: FakeLocal = field(default_factory=FakeLocal)
    held_at_read: list[list[tuple[str, str]]] = field(default_factory=list)

    def record(self, form: str, citizen_id: str) -> Record | None:
        self.held_at_read.append(list(self.local.presence))
        return super().record(form, citizen_id)


def test_a_journey_proves_the_holder_present_before_reading_and_drops_it_at_the_end() -> None:
    local = FakeLocal()
    registry = WatchingRegistry(local=local)
    k = Kiosk(fake_ports(local=local, registry=registry))
    try:
        k.tap("start").tap("language", "th").tap("service", "own_data").on("consent").tap("accept")
        k.insert_card().on("own_data")
        assert registry.held_at_read == [[(IDENTITY.cid, "face")]]  # made on the face match, before the read
        assert not any("presence" in event or "proof" in str(f) for event, f, _ in local.audits)  # never logged
        k.tap("done").on("remove_card").remove_card().until(lambda: not local.presence)
    finally:
        k.close()


def test_the_kiosks_proof_is_signed_by_its_device_key_for_that_citizen_only_and_kept_off_disk(tmp_path: Path) -> None:
    keys = create_keys(tmp_path / "keys")
    conn = open_store(tmp_path / "kiosk.sqlite3")
    local = LocalAdapter(conn, keys, "unit-1014", "KIOSK-T1")
    local.audit("verified", {"factor": "face"}, local.clock())
    local.prove_presence(IDENTITY.cid, "face")
    proof = local.presence.for_citizen(IDENTITY.cid)
    claim = presence.parse(proof)
    assert claim is not None and claim.kiosk_id == "KIOSK-T1" and claim.method == "face"
    assert claim.names(IDENTITY.cid) and not claim.names("1101700123456")
    assert claim.signed_by(keys.audit_key.public_key()) and IDENTITY.cid not in proof
    assert local.presence.for_citizen("1101700123456") == ""  # no proof for anyone else
    conn.commit()
    on_disk = b"".join(p.read_bytes() for p in tmp_path.glob("kiosk.sqlite3*"))
    assert proof.split(".")[0].encode() not in on_disk and claim.session.encode() not in on_disk
    local.forget_presence()
    assert local.presence.for_citizen(IDENTITY.cid) == ""
    conn.close()


@pytest.mark.parametrize("code", ["presence_missing", "presence_stale", "presence_other_citizen"])
def test_a_refused_proof_reads_as_words_a_citizen_understands(code: str) -> None:
    with pytest.raises(RegistryFailed) as e, registry_errors():
        raise RegistryRejected(403, code, "refused", {"error": code})
    assert e.value.reason == "presence_refused"
    reason, _ = error_reason("device_error", f"registry:{e.value.reason}")
    assert reason == "presence_refused"
    title, advice = ERRORS[reason]
    th = translator("th")
    assert th(title) != title and th(advice) != advice  # in Thai too
    assert "ยืนยัน" in th(title) and "start again" in advice
