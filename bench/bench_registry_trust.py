"""What the trust checks cost the registry per request: the service layer in process on SQLite (no HTTP, no TLS).

Prints the median time per call over several runs of: the per-request revocation lookup (`certificate_revoked`,
with 1,000 revoked serials on file), an audited citizen read (`read_citizen`: the citizen's presence proof checked,
the record, its `citizen_reads` row) against the unaudited `citizen`, one refused for want of a proof, making a
presence proof (the kiosk's side), and an audit-anchor update (Ed25519 verify + upsert).

    .venv/bin/python bench/bench_registry_trust.py [--runs 5] [--per-run 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # noqa: E402

from kiosk import presence  # noqa: E402
from kiosk.registry.db import open_database  # noqa: E402
from kiosk.registry.population import seed  # noqa: E402
from kiosk.registry.service import Registry  # noqa: E402
from kiosk.registry_client import new_key  # noqa: E402
from kiosk.seal import SigningKey  # noqa: E402

SOMCHAI = "1101700123456"


def median_us(call: Callable[[], None], *, runs: int, per_run: int) -> float:
    medians = []
    for _ in range(runs):
        times = []
        for _ in range(per_run):
            t = time.perf_counter()
            call()
            times.append(time.perf_counter() - t)
        medians.append(statistics.median(times))
    return statistics.median(medians) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--per-run", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(f"sqlite:///{Path(folder) / 'registry.sqlite3'}")
        now = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
        seed(db, now.date(), extra=20)
        registry = Registry(db, SigningKey.generate("ES256"), clock=lambda: now, read_limit=10**9)
        registry.revoke_certificates([(serial, f"K{serial}", now) for serial in range(1, 1001)])
        kit = Ed25519PrivateKey.generate()
        public = kit.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        registry.register_kit_key("K", new_key(), public, serial="ffff")
        seq = iter(range(1, 10**9))
        proof = presence.make(kit, "K", presence.new_session(), "face", SOMCHAI, int(now.timestamp()))  # one journey

        def anchor() -> None:
            n = next(seq)
            digest = f"{n:064x}"
            registry.anchor_audit("K", n, digest, kit.sign(bytes.fromhex(digest)))

        figures = {
            "revocation lookup (1,000 revoked)": median_us(
                lambda: registry.certificate_revoked("abcdef"), **vars(args)
            ),
            "citizen read, unaudited": median_us(lambda: registry.citizen(SOMCHAI), **vars(args)),
            "presence proof, made (kiosk)": median_us(
                lambda: presence.make(kit, "K", presence.new_session(), "face", SOMCHAI, int(now.timestamp())),
                **vars(args),
            ),
            "citizen read, proof checked, audited": median_us(
                lambda: registry.read_citizen("K", SOMCHAI, proof), **vars(args)
            ),
            "citizen read refused (no proof), audited": median_us(
                lambda: registry.read_citizen("K", SOMCHAI), **vars(args)
            ),
            "audit anchor update": median_us(anchor, **vars(args)),
        }
        db.close()
    print(f"median per call over {args.runs} runs x {args.per_run} calls (SQLite, in process):")
    for name, us in figures.items():
        print(f"  {name:<36} {us:8.0f} us")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
