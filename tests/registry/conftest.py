"""Registry test fixtures: a private PostgreSQL (scripts/pg), a fresh database per test on each engine, a registry
home with its CA and seal key, a running server with mutual TLS, and kiosk credentials issued by its CA."""

from __future__ import annotations

import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.types import ASGIApp

from kiosk import presence
from kiosk.registry import pki
from kiosk.registry.db import open_database
from kiosk.registry.home import RegistryHome
from kiosk.registry.population import seed
from kiosk.registry.server import RegistryServer
from kiosk.registry.service import Registry
from kiosk.registry_client import RegistryClient
from tests.conftest import ROOT, missing_stack
from tests.flows.kit import rig  # noqa: F401  (the journeys' end-to-end rig, for test_e2e_citizen_services)

ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """A PostgreSQL server for the whole session, started and stopped by the project's own script."""
    folder = tempfile.mkdtemp(prefix="kiosk-pg-", dir="/tmp")  # the postgres user must reach it
    try:
        run = subprocess.run(
            [str(ROOT / "scripts" / "pg"), "start", folder, "--fast"], capture_output=True, text=True, timeout=60
        )
    except FileNotFoundError:
        missing_stack("scripts/pg")
    if run.returncode == 3:
        subprocess.run(["rm", "-rf", folder], check=False)
        missing_stack("PostgreSQL 15 server binaries (apt-get install postgresql)")
    assert run.returncode == 0, run.stderr
    try:
        yield run.stdout.strip()
    finally:
        subprocess.run([str(ROOT / "scripts" / "pg"), "stop", folder, "--remove"], check=False, timeout=60)


def fresh_database(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    if engine == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.sqlite3'}"
        return
    import psycopg

    base = request.getfixturevalue("pg_dsn")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database(request.param, tmp_path, request)


@pytest.fixture(scope="session")
def home() -> RegistryHome:
    registry_home = RegistryHome(Path(tempfile.mkdtemp(prefix="kiosk-registry-")))
    registry_home.init(valid_from=FIXED_NOW - timedelta(days=30))
    return registry_home


class Clock:
    """A settable clock for the registry (booking rules and report weeks depend on 'now')."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Running:
    server: RegistryServer
    registry: Registry
    clock: Clock
    home: RegistryHome
    today: date
    client: Callable[..., RegistryClient]
    kiosk_dir: Path
    kiosk_key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)  # KIOSK-T1's device key
    kiosk_key_held: list[bool] = field(default_factory=list)  # [True] once the registry holds it
    kiosk_key_lock: threading.Lock = field(default_factory=threading.Lock)  # concurrent kiosks register it once


def presence_of(
    r: Running,
    cid: str,
    *,
    kiosk: str = "KIOSK-T1",
    key: Ed25519PrivateKey | None = None,
    at: datetime | None = None,
    session: str = "",
    method: str = "face",
) -> str:
    """The presence proof a kiosk makes once it has verified `cid`'s holder (`kiosk.presence`): by default
    KIOSK-T1's, signed with the device key the registry holds for it (registered, as `kiosk enrol-device` does, on
    first use), at the registry's 'now', in a fresh session."""
    if key is None:
        key = r.kiosk_key
        with r.kiosk_key_lock:
            if not r.kiosk_key_held:
                serial = x509.load_pem_x509_certificate((r.kiosk_dir / "kiosk.pem").read_bytes()).serial_number
                r.registry.enrol_kit_key("KIOSK-T1", key.public_key().public_bytes_raw(), serial)
                r.kiosk_key_held.append(True)
    when = int((at or r.clock.now).timestamp())
    return presence.make(key, kiosk, session or presence.new_session(), method, cid, when)


def officer_proof_of(
    r: Running, cid: str, key: str, officer: str = "1101500482649", pin: str = "58203947", kiosk: str = "KIOSK-T1"
) -> str:
    """The proof a kiosk makes for an officer-assisted enrolment (`kiosk.officer_proof`): by default that of the
    seeded officer Pitak (the test population's PIN) at KIOSK-T1, signed at the registry's 'now'."""
    from kiosk import officer_proof

    at = int(r.clock.now.timestamp())
    return officer_proof.make(officer_proof.proof_key(officer, pin), kiosk, officer, key, cid, at)


def enrol_by_pitak(c: RegistryClient, r: Running, cid: str, key: str, **extra: Any) -> dict[str, Any]:
    """An officer-assisted enrolment at unit-1014 by the seeded officer Pitak, carrying his own proof."""
    return c.enrol(
        cid, "unit-1014", key, officer_id="1101500482649", officer_proof=officer_proof_of(r, cid, key), **extra
    )


# Sunday 22 Nov 2026, 10:00 Bangkok: seeded slots start Monday 23 Nov.
FIXED_NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def start_registry(
    home: RegistryHome,
    url: str,
    kiosk_dir: Path,
    now: datetime = FIXED_NOW,
    wrap_api: Callable[[ASGIApp], ASGIApp] | None = None,
) -> Running:
    db = open_database(url)
    seed(db, now.date(), extra=120)
    clock = Clock(now)
    registry = Registry(db, home.signer(), clock=clock, templates=home.templates())
    server = RegistryServer(home, url, registry=registry, wrap_api=wrap_api).start()
    pki.enrol_kiosk(
        home.authority(), "KIOSK-T1", kiosk_dir / "kiosk.pem", kiosk_dir / "kiosk.key", kiosk_dir / "ca.pem"
    )

    def client(timeout_s: float = 5.0, base_url: str | None = None, present: bool = True) -> RegistryClient:
        """KIOSK-T1's client; `present`: as in a journey that verified the citizen it asks about (a fresh proof
        for each call), else with no presence proof at all."""
        return RegistryClient(
            base_url or server.api_url,
            ca_cert=kiosk_dir / "ca.pem",
            client_cert=kiosk_dir / "kiosk.pem",
            client_key=kiosk_dir / "kiosk.key",
            timeout_s=timeout_s,
            presence=(lambda cid: presence_of(running, cid)) if present else None,
        )

    running = Running(server, registry, clock, home, now.date(), client, kiosk_dir)
    return running


@pytest.fixture
def running(home: RegistryHome, database_url: str, tmp_path: Path) -> Iterator[Running]:
    r = start_registry(home, database_url, tmp_path / "kiosk")
    try:
        yield r
    finally:
        r.server.stop()
