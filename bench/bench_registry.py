"""Registry throughput and outbox sync time, on SQLite and on PostgreSQL (a private server via scripts/pg).

Prints requests/s for extract issuance (with seal signing) and for booking, with 1, 4 and 8 concurrent simulated
kiosks (separate processes, each with its own mutual-TLS connection), the median of several runs; and the time to
queue (durably) and then sync 10,000 operations from one kiosk's outbox (batched: POST /v1/sync/batch), beside
the kiosk's own SQLite limit measured in the same run (INSERT + COMMIT, WAL, synchronous=FULL) and their ratio.
The registry runs as its own process (`kiosk registry serve`), as in production. PostgreSQL runs with fsync on
(durable), like SQLite's synchronous=FULL. `--only sync` skips the request throughput part.

    .venv/bin/python bench/bench_registry.py [--runs 3] [--requests 240] [--sync-ops 10000]
                                             [--engines sqlite,postgresql] [--only sync]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from kiosk import presence  # noqa: E402
from kiosk.registry import pki  # noqa: E402
from kiosk.registry.db import open_database  # noqa: E402
from kiosk.registry.home import RegistryHome  # noqa: E402
from kiosk.registry.population import generated_people, seed  # noqa: E402
from kiosk.registry.service import Registry  # noqa: E402
from kiosk.registry_client import RegistryClient, new_key  # noqa: E402
from kiosk.store import Outbox, Syncer, client_sender, load_or_create, open_store  # noqa: E402

KIOSKS = (1, 4, 8)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_listening(port: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    pause = threading.Event()
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            pause.wait(0.05)
    raise RuntimeError(f"registry did not listen on {port}")


def client(url: str, certs: Path) -> RegistryClient:
    return RegistryClient(
        url, ca_cert=certs / "ca.pem", client_cert=certs / "kiosk.pem", client_key=certs / "kiosk.key", timeout_s=30
    )


DEVICE_KEY = "device.key"  # beside the kiosk's certificate: the bench kiosk's Ed25519 device key (raw)


def device_key(certs: Path) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes((certs / DEVICE_KEY).read_bytes())


def worker(job: tuple[str, Path, str, list[Any]]) -> tuple[float, float, int]:
    """One kiosk: its requests back to back over one connection, each for a citizen it has just verified (a fresh
    presence proof, signed here as the kiosk would); returns (start, end, failures)."""
    url, certs, kind, items = job
    failures = 0
    key = device_key(certs)
    with client(url, certs) as c:
        c.health()  # the TLS handshake is not part of the measured work
        start = time.time()
        for item in items:
            cid = item if kind == "extract" else item[0]
            proof = presence.make(key, "KIOSK-BENCH", presence.new_session(), "face", cid, int(time.time()))
            if kind == "extract":
                reply = c.submit(
                    "issue_extract", {"citizen_id": cid, "doc_type": "TR14_1", "presence_proof": proof}, new_key()
                )
            else:
                reply = c.submit("book", {"citizen_id": cid, "slot_id": item[1], "presence_proof": proof}, new_key())
            failures += not reply.ok
        return start, time.time(), failures


def throughput(pool: ProcessPoolExecutor, url: str, certs: Path, kind: str, items: list[Any], kiosks: int) -> float:
    shares = [items[i::kiosks] for i in range(kiosks)]
    results = list(pool.map(worker, [(url, certs, kind, share) for share in shares]))
    failures = sum(r[2] for r in results)
    if failures:
        raise RuntimeError(f"{failures} {kind} requests failed")
    return len(items) / (max(r[1] for r in results) - min(r[0] for r in results))


def start_pg(folder: Path) -> str:
    run = subprocess.run([str(ROOT / "scripts/pg"), "start", str(folder)], capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"scripts/pg failed: {run.stderr.strip()}")
    return run.stdout.strip()


def fresh_database(engine: str, work: Path, pg_dsn: str, n: int) -> str:
    if engine == "sqlite":
        return f"sqlite:///{work / f'bench-{n}.sqlite3'}"
    import psycopg

    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE bench_{n}")
    return pg_dsn.rsplit("/", 1)[0] + f"/bench_{n}"


def serve(home: RegistryHome, url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [sys.executable, "-m", "kiosk.cli", "registry", "serve", "--home", str(home.root), "--database", url]
    cmd += ["--port", str(port), "--verify-port", str(free_port())]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
    wait_listening(port)
    return proc, f"https://127.0.0.1:{port}"


def bench_engine(
    engine: str, work: Path, home: RegistryHome, certs: Path, pg_dsn: str, args: argparse.Namespace
) -> None:
    counter = iter(range(10**6))
    today = datetime.now(UTC).date()
    people = [p.cid for p in generated_people(max(args.requests, args.sync_ops) + 50)]

    def prepared(population: int) -> str:
        url = fresh_database(engine, work, pg_dsn, next(counter) + (0 if engine == "sqlite" else 1000))
        db = open_database(url)
        seed(db, today, extra=population + 50, days=16)  # generated people are the same prefix whatever the count
        serial = x509.load_pem_x509_certificate((certs / "kiosk.pem").read_bytes()).serial_number
        public = device_key(certs).public_key().public_bytes_raw()
        Registry(db, home.signer()).enrol_kit_key("KIOSK-BENCH", public, serial)  # as kiosk enrol-device does
        db.close()
        return url

    print(f"\n== {engine}")
    with ProcessPoolExecutor(max(KIOSKS)) as pool:
        for kind in ("extract", "booking") if args.only != "sync" else ():
            for kiosks in KIOSKS:
                rates = []
                for _ in range(args.runs):
                    url = prepared(args.requests)
                    proc, api = serve(home, url)
                    try:
                        items: list[Any]
                        if kind == "extract":
                            items = people[: args.requests]
                        else:
                            with client(api, certs) as c:
                                slots = [
                                    s["slot_id"]
                                    for office in ("1014", "1004", "1006", "1002", "1102", "5001", "4001")
                                    for s in c.slots(office, today, today + timedelta(days=16))
                                    if s["bookable"] == "ok"
                                ]
                            # one booking per citizen, three per slot: every request succeeds
                            items = [(people[i], slots[i // 3]) for i in range(min(args.requests, 3 * len(slots)))]
                        rates.append(throughput(pool, api, certs, kind, items, kiosks))
                    finally:
                        proc.terminate()
                        proc.wait(30)
                print(
                    f"{kind:<8} {kiosks} kiosk(s): {statistics.median(rates):7.1f} req/s "
                    f"(median of {args.runs}, {len(items)} requests each; runs {', '.join(f'{r:.0f}' for r in rates)})"
                )
    rates, limits = [], []
    for run in range(args.runs):
        limits.append(kiosk_commit_rate(work / f"limit-{engine}-{run}.sqlite3", args.sync_ops))
        rates.append(sync_rate(prepared(args.sync_ops), home, certs, work / f"outbox-{engine}-{run}", people, args))
    rate, limit = statistics.median(rates), statistics.median(limits)
    print(
        f"outbox sync: {rate:.0f} ops/s (median of {args.runs} runs of {args.sync_ops} enrolments; runs "
        f"{', '.join(f'{r:.0f}' for r in rates)}); kiosk SQLite INSERT+COMMIT {limit:.0f}/s (median of {args.runs}, "
        f"{args.sync_ops} commits each); ratio {rate / limit:.2f}"
    )


def kiosk_commit_rate(path: Path, n: int) -> float:
    """The kiosk store's own limit: one small INSERT per durable COMMIT, on the same open_store settings."""
    conn = open_store(path)
    conn.execute("CREATE TABLE limit_probe (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    body = "x" * 200
    t0 = time.perf_counter()
    for _ in range(n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO limit_probe (body) VALUES (?)", (body,))
        conn.execute("COMMIT")
    rate = n / (time.perf_counter() - t0)
    conn.close()
    return rate


def sync_rate(url: str, home: RegistryHome, certs: Path, folder: Path, people: list[str], args: Any) -> float:
    """Queue `sync_ops` enrolments durably (encrypted, as on a kiosk), then sync them all; returns ops/s."""
    proc, api = serve(home, url)
    try:
        outbox = Outbox(open_store(folder / "kiosk.sqlite3"), load_or_create(folder / "keys").data_key)
        t0 = time.perf_counter()
        for cid in people[: args.sync_ops]:
            outbox.enqueue("enrol", {"citizen_id": cid, "unit": "unit-bench", "method": "self"}, time.time())
        queued_s = time.perf_counter() - t0
        with client(api, certs) as c:
            c.health()  # the TLS handshake is not part of the measured work
            t0 = time.perf_counter()
            report = Syncer(outbox, client_sender(c)).sync(time.time(), clock=time.time)
            sync_s = time.perf_counter() - t0
        ok = len(report.acknowledged)
        if ok != args.sync_ops or report.remaining:
            raise RuntimeError(f"sync incomplete: {ok} acknowledged, {len(report.failed)} failed: {report.error}")
        print(
            f"  outbox: {args.sync_ops} enrolments queued durably in {queued_s:.1f} s "
            f"({queued_s / args.sync_ops * 1000:.2f} ms each); "
            f"synced in {sync_s:.2f} s ({args.sync_ops / sync_s:.0f} ops/s)"
        )
        return args.sync_ops / sync_s
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=240)
    parser.add_argument("--sync-ops", type=int, default=10_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--only", choices=("sync",), default=None, help="measure only the outbox sync")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    home = RegistryHome(work / "registry")
    home.init()
    certs = work / "kiosk"
    pki.enrol_kiosk(home.authority(), "KIOSK-BENCH", certs / "kiosk.pem", certs / "kiosk.key", certs / "ca.pem")
    (certs / DEVICE_KEY).write_bytes(Ed25519PrivateKey.generate().private_bytes_raw())
    print(f"registry bench on {os.cpu_count()} cores; server and kiosks share this machine")
    pg_folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-pg-", dir="/tmp"))
    pg_dsn = ""
    try:
        for engine in args.engines.split(","):
            if engine == "postgresql" and not pg_dsn:
                try:
                    pg_dsn = start_pg(pg_folder)
                except RuntimeError as e:
                    print(f"\n== postgresql: skipped ({e})")
                    continue
            bench_engine(engine, work, home, certs, pg_dsn, args)
    finally:
        if pg_dsn:
            subprocess.run([str(ROOT / "scripts/pg"), "stop", str(pg_folder), "--remove"], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
