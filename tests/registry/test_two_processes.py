"""Scale-out: two `kiosk registry serve` processes over one PostgreSQL behave as one registry. Idempotency (one key
sent to both at once), slot capacity (bookings for one slot through both) and the template-fetch rate limit (fetches
through both) hold, because each rule lives in the database, not in a process's memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import presence
from kiosk.registry import pki
from kiosk.registry.db import open_database
from kiosk.registry.home import RegistryHome
from kiosk.registry.population import generated_people, seed
from kiosk.registry.service import Registry
from kiosk.registry_client import RegistryClient, new_key
from tests.conftest import ROOT
from tests.registry.conftest import fresh_database

LIMIT = 6  # template fetches per kiosk and window, for this test


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve(home: RegistryHome, url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [sys.executable, "-m", "kiosk.cli", "registry", "serve", "--home", str(home.root), "--database", url]
    cmd += ["--port", str(port), "--verify-port", str(free_port()), "--template-fetch-limit", str(LIMIT)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    pause = threading.Event()
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, f"https://127.0.0.1:{port}"
        except OSError:
            assert proc.poll() is None, "the registry process exited"
            pause.wait(0.1)
    proc.kill()
    raise AssertionError("the registry process did not listen")


@pytest.fixture
def two_servers(
    home: RegistryHome, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[list[RegistryClient], str]]:
    database = fresh_database("postgresql", tmp_path, request)
    url = next(database)
    db = open_database(url)
    seed(db, datetime.now(UTC).date(), extra=60, days=10)
    certs = tmp_path / "kiosk"
    cert = pki.enrol_kiosk(home.authority(), "KIOSK-T2", certs / "kiosk.pem", certs / "kiosk.key", certs / "ca.pem")
    device = Ed25519PrivateKey.generate()  # its presence proofs' key, registered as enrol-device does
    Registry(db, home.signer()).enrol_kit_key("KIOSK-T2", device.public_key().public_bytes_raw(), cert.serial_number)
    db.close()

    def proof(cid: str) -> str:  # each call as from a journey that has just verified `cid`
        return presence.make(device, "KIOSK-T2", presence.new_session(), "face", cid, int(time.time()))

    procs = []
    clients = []
    try:
        for _ in range(2):
            proc, api = serve(home, url)
            procs.append(proc)
            clients.append(
                RegistryClient(
                    api,
                    ca_cert=certs / "ca.pem",
                    client_cert=certs / "kiosk.pem",
                    client_key=certs / "kiosk.key",
                    timeout_s=30,
                    presence=proof,
                )
            )
        yield clients, url
    finally:
        for c in clients:
            c.close()
        for proc in procs:
            proc.terminate()
            proc.wait(30)
        next(database, None)


def test_one_key_sent_to_both_processes_at_once_is_applied_once(
    two_servers: tuple[list[RegistryClient], str],
) -> None:
    clients, url = two_servers
    people = [p.cid for p in generated_people(12)]
    with ThreadPoolExecutor(8) as pool:
        jobs = []
        for cid in people:
            key = new_key()
            payload = {"citizen_id": cid, "unit": "u1", "method": "self"}
            jobs += [pool.submit(c.submit, "enrol", payload, key) for c in clients for _ in range(2)]
        replies = [j.result() for j in jobs]
    assert all(r.status == 201 for r in replies)
    for i in range(len(people)):  # the four answers for one key: applied once, three of them replayed
        four = replies[4 * i : 4 * i + 4]
        assert sum(not r.body.get("replayed") for r in four) == 1
    db = open_database(url)
    try:
        with db.transaction() as tx:
            assert tx.one("SELECT COUNT(*), COUNT(DISTINCT cid) FROM enrolments") == (12, 12)
    finally:
        db.close()


def test_bookings_through_both_processes_fill_a_slot_exactly(two_servers: tuple[list[RegistryClient], str]) -> None:
    clients, _ = two_servers
    today = datetime.now(UTC).date()
    days = clients[0].slots("1014", today, today + timedelta(days=10))
    slot = next(s for s in days if s["bookable"] == "ok" and s["free"] < 30)
    people = [p.cid for p in generated_people(30)]
    with ThreadPoolExecutor(8) as pool:
        jobs = [
            pool.submit(
                clients[i % 2].submit,
                "book",
                {"citizen_id": cid, "slot_id": slot["slot_id"], "presence_proof": clients[i % 2].proof_for(cid)},
                new_key(),
            )
            for i, cid in enumerate(people)
        ]
        replies = [j.result() for j in jobs]
    assert sum(r.status == 201 for r in replies) == slot["free"]
    assert {r.body.get("error") for r in replies if r.status != 201} == {"slot_full"}
    assert clients[1].slots("1014", today, today + timedelta(days=10))[days.index(slot)]["free"] == 0


def test_the_template_rate_limit_counts_fetches_through_both_processes(
    two_servers: tuple[list[RegistryClient], str],
) -> None:
    clients, _ = two_servers
    cid = generated_people(1)[0].cid
    clients[0].enrol(cid, "u1", new_key(), finger_template=bytes(range(64)))
    with ThreadPoolExecutor(6) as pool:
        jobs = [
            pool.submit(
                lambda c: c.request("GET", f"/v1/citizens/{cid}/finger-template", session_key=new_key()), clients[i % 2]
            )
            for i in range(3 * LIMIT)
        ]
        statuses = sorted(j.result().status for j in jobs)
    assert statuses == [200] * LIMIT + [429] * (2 * LIMIT)
