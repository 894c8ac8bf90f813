"""The journeys' adapters (`kiosk.flows.adapters`) over the real registry (loopback mutual TLS, SQLite and
PostgreSQL), the kiosk's real store and the real fingerprint driver against the simulated sensor on a pty: a
citizen's own bookings, the passcode sent with a self-service enrolment, an officer's offline enrolment carrying the
finger template through the encrypted outbox and redeemed with the kit's signed token, the fingerprint as a second
way in, and parents' names on a ท.ร.14/1."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.flows.adapters import FingerAdapter, LocalAdapter, PrinterAdapter, RegistryAdapter, RegistryFailed
from kiosk.flows.effects import Booking, CancelBooking, Document, Enrolment
from kiosk.registry.service import hash_pin
from kiosk.registry_client import RegistryRejected, new_key
from kiosk.store import Outbox, Syncer, client_sender, load_or_create, open_store
from tests.registry.conftest import Running

SOMCHAI = "1101700123456"
SOMSAK = "1102600246816"
PITAK_OFFICER = "1101500482649"


def consent_at(r: Running) -> datetime:
    return r.clock.now


def test_my_bookings_lists_what_was_booked_and_cancel_removes_it(running: Running) -> None:
    with running.client() as c:
        adapter = RegistryAdapter(c, "unit-1014", clock=running.clock)
        slots = [s for s in c.slots("1014", running.today, running.today + timedelta(days=20)) if s["bookable"] == "ok"]
        slot = slots[0]
        assert adapter.bookings(SOMCHAI) == ()
        day = datetime.fromisoformat(slot["day"]).date()
        ticket = adapter.book(Booking(SOMCHAI, "1014", slot["service"], day, str(slot["slot_id"])))
        (listed,) = adapter.bookings(SOMCHAI)
        assert listed == ticket  # the same ticket the citizen was given when booking
        adapter.cancel(CancelBooking(SOMCHAI, ticket.booking_id))
        assert adapter.bookings(SOMCHAI) == ()
    with running.client(timeout_s=1.0, base_url="https://127.0.0.1:9") as gone:  # nothing listens there
        with pytest.raises(RegistryFailed) as e:  # a device failure the journey can show, never a crash
            RegistryAdapter(gone, "unit-1014", clock=running.clock).bookings(SOMCHAI)
        assert e.value.reason == "unreachable"


def test_self_service_enrolment_sends_the_passcode_which_the_registry_keeps_as_scrypt(running: Running) -> None:
    with running.client() as c:
        adapter = RegistryAdapter(c, "unit-1014", clock=running.clock)
        activation = adapter.enrol(Enrolment(SOMCHAI, "holder", "self", consent_at(running), passcode="48151623"))
    assert activation.qr.startswith("THAID:ACT:")
    with running.registry.db.transaction() as tx:
        row = tx.one("SELECT passcode_salt, passcode_hash FROM enrolments WHERE cid = ?", (SOMCHAI,))
    assert row is not None and row[1] == hash_pin("48151623", bytes.fromhex(row[0]))


@pytest.fixture
def sensor() -> Iterator[tuple[Any, Any]]:
    from kiosk.drivers.finger import FingerSettings
    from kiosk.drivers.finger.uart import FingerUart, open_port
    from simulator.finger import SimulatedSensor

    sim = SimulatedSensor(seed=7)
    sim.start()
    port = open_port(sim.path, 57600)
    driver = FingerUart(port, FingerSettings(capture_timeout_s=1.0, reply_timeout_s=0.3, poll_interval_s=0.01))
    driver.handshake()
    try:
        yield sim, driver
    finally:
        port.close()
        sim.stop()


def test_offline_officer_enrolment_carries_the_template_and_the_kits_token_redeems(
    running: Running, tmp_path: Path, sensor: tuple[Any, Any]
) -> None:
    sim, driver = sensor
    keys = load_or_create(tmp_path / "keys")
    conn = open_store(tmp_path / "store.sqlite3")
    local = LocalAdapter(conn, keys, "unit-1014", "KIOSK-T1", clock=running.clock)
    hints: list[str] = []
    with running.client() as c:
        finger = FingerAdapter(driver, lambda page: None, templates=c.finger_template, fetched=local.template_fetch)
        sim.present("somsak-right-index", times=2)
        template, quality = finger.enrol(hints.append, 5.0)
        assert len(template) == 512 and quality > 0
        local.add_officer("officer-holder", PITAK_OFFICER, "เจ้าหน้าที่ พิทักษ์", "58203947")
        assert local.check_officer_pin("officer-holder", "58203947")  # card + PIN: the proof key, in memory
        op = Enrolment(SOMSAK, "holder", "officer", consent_at(running), officer_id=PITAK_OFFICER, finger_handle="f1")
        key = local.enqueue(op, template)
        activation = local.issue_activation(key, SOMSAK)
        outbox = Outbox(conn, keys.data_key)
        kinds = [(o.kind, o.state) for o in outbox.list()]
        assert kinds == [("register_kit_key", "queued"), ("enrol", "queued")]  # the kit's key goes first
        stored = " ".join(r[0] for r in conn.execute("SELECT payload FROM outbox"))
        assert SOMSAK not in stored and base64.b64encode(template).decode()[:40] not in stored  # encrypted at rest
        assert outbox.get(key).payload["finger_template"] == base64.b64encode(template).decode()  # type: ignore[union-attr]
        local.enqueue(Enrolment(SOMCHAI, "h2", "officer", consent_at(running), officer_id=PITAK_OFFICER), None)
        assert [o.kind for o in outbox.list()].count("register_kit_key") == 1  # queued once

        report = Syncer(outbox, client_sender(c)).sync(running.clock.now.timestamp())
        assert [o.kind for o in report.acknowledged] == ["register_kit_key", "enrol", "enrol"], report
        settled = outbox.get(key)
        assert settled is not None and "finger_template" not in settled.payload  # dropped once the registry has it
        assert c.redeem_kit_token(activation.qr) == {"activated": True, "pending": False}

        # the certified extract's second way in: 1:1 on the sensor against the registry's template
        sim.present("somsak-right-index")
        assert finger.verify(SOMSAK, hints.append, 5.0) == (True, "")
        sim.present("ruethai-right-index")
        assert finger.verify(SOMSAK, hints.append, 5.0) == (False, "")
        assert finger.verify(SOMCHAI, hints.append, 5.0) == (False, "not_enrolled")  # enrolled without a template
        assert finger.verify("3100500678905", hints.append, 5.0) == (False, "not_enrolled")  # not enrolled
    # every fetch of a biometric is in both logs under one session key, the citizen only as a keyed hash
    kiosk_lines = [
        (json.loads(detail)["session_key"], subject)
        for detail, subject in conn.execute("SELECT detail, subject FROM audit WHERE kind = 'finger_template_fetch'")
    ]
    with running.registry.db.transaction() as tx:
        registry_keys = [r[0] for r in tx.all("SELECT session_key FROM template_fetches ORDER BY id")]
    assert [k for k, _ in kiosk_lines] == registry_keys and len(set(registry_keys)) == 4
    assert all(subject and SOMSAK not in subject for _, subject in kiosk_lines)
    conn.close()


def test_extract_for_printing_carries_the_parents_names(running: Running) -> None:
    from kiosk.documents import model as m
    from kiosk.documents.blocks import Field, Flow
    from kiosk.documents.layout import layout

    with running.client() as c:
        printer = PrinterAdapter(issuer=None, registry=c, kiosk_id="KIOSK-T1", clock=lambda: datetime.now(UTC))
        document = Document("extract", "ท.ร.14/1", (), sealed=True, form="tr14_1", citizen_id=SOMCHAI)
        entry = printer._extract(document, datetime.now(UTC))
        parents = c.citizen(SOMCHAI)["parents"]
    assert isinstance(entry, m.HouseRegisterEntry)
    assert (entry.father_name, entry.mother_name) == (parents["father_th"], parents["mother_th"])
    assert entry.father_name.startswith("นาย") and entry.mother_name.startswith("นาง")
    blocks = layout(entry)
    fields = [b for b in blocks if isinstance(b, Field)] + [f for b in blocks if isinstance(b, Flow) for f in b.fields]
    printed = {f.label: f.value for f in fields}
    assert printed["บิดา"].startswith(entry.father_name) and printed["มารดา"].startswith(entry.mother_name)


def test_template_lookup_for_someone_the_registry_does_not_know_is_refused(
    running: Running, sensor: tuple[Any, Any]
) -> None:
    _, driver = sensor
    with running.client() as c:
        finger = FingerAdapter(driver, lambda page: None, templates=c.finger_template)
        with pytest.raises(RegistryFailed) as e:
            finger.verify("1000000000009", lambda h: None, 1.0)
        assert e.value.reason == "refused"
    assert FingerAdapter(driver, lambda page: None).verify(SOMCHAI, lambda h: None, 1.0) == (False, "not_enrolled")


def test_registry_refusal_of_a_bookings_list_is_a_refusal(running: Running) -> None:
    with running.client() as c:
        adapter = RegistryAdapter(c, "unit-1014", clock=running.clock)
        with pytest.raises(RegistryFailed) as e:
            adapter.bookings("1101700123457")  # a check digit the registry refuses
        assert e.value.reason == "refused" and isinstance(e.value.__context__, RegistryRejected)


def test_no_session_key_can_pass_for_a_citizen_id_in_the_audit_log() -> None:
    """A uuid4 hex holds a run of exactly 13 digits about once in 50: the fingerprint fallback's audit line then
    refused its session key as a citizen ID and the journey failed. Keys carry no digits at all now."""
    from kiosk.registry.validate import KEY_RE
    from kiosk.store.audit import _DIGITS13

    keys = [new_key() for _ in range(5000)]
    assert len(set(keys)) == len(keys)
    assert all(KEY_RE.fullmatch(k) and not any(ch.isdigit() for ch in k) for k in keys)
    assert not any(_DIGITS13.search(k) for k in keys)
