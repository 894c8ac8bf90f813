"""What an enrolment's secrets cost the registry: the service layer in process on SQLite (no HTTP, no TLS), so the
figures isolate the scrypt hash of a passcode and the AES-GCM sealing of a finger template.

Prints the median time per call over several runs: enrolment without secrets, with a passcode (scrypt N=2^14),
with a 512-byte template (AES-256-GCM), with both, the template fetch (open + its audit row), and a kit-token
redemption (Ed25519 verify), with ratios to the plain enrolment.

    .venv/bin/python bench/bench_registry_secrets.py [--runs 5] [--per-run 40]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # noqa: E402

from kiosk.registry import kit_tokens  # noqa: E402
from kiosk.registry.biometric import TemplateCipher  # noqa: E402
from kiosk.registry.db import open_database  # noqa: E402
from kiosk.registry.population import generated_people, seed  # noqa: E402
from kiosk.registry.service import Registry  # noqa: E402
from kiosk.registry_client import new_key  # noqa: E402
from kiosk.seal import SigningKey  # noqa: E402

TEMPLATE = secrets.token_bytes(512)
OFFICER = "1101500482649"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--per-run", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-secrets-") as tmp:
        db = open_database(f"sqlite:///{Path(tmp) / 'r.sqlite3'}")
        total = (args.runs * args.per_run + 5) * 5 + args.per_run
        seed(db, date(2026, 11, 22), extra=total + 50, days=1)
        now = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
        registry = Registry(
            db,
            SigningKey.generate("ES256"),
            clock=lambda: now,
            templates=TemplateCipher(bytes(32)),
            template_fetch_limit=10**9,  # the clock stands still: the cost of a fetch, not the rate limit
        )
        people = iter([p.cid for p in generated_people(total + 50)])
        kit = Ed25519PrivateKey.generate()
        registry.register_kit_key(
            "KIT", new_key(), kit.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw), serial="1"
        )

        def enrol(passcode: str = "", template: bytes | None = None, client: str = "K") -> Callable[[], None]:
            def call() -> None:
                status, body = registry.enrol(
                    client, new_key(), next(people), "u", "officer", OFFICER, passcode=passcode, template=template
                )
                assert status == 201, body

            return call

        enrolled_with_template: list[str] = []

        def enrol_template_kept() -> None:
            cid = next(people)
            status, _ = registry.enrol("K", new_key(), cid, "u", "officer", OFFICER, template=TEMPLATE)
            assert status == 201
            enrolled_with_template.append(cid)

        def fetch() -> None:
            cid = enrolled_with_template[len(fetched) % len(enrolled_with_template)]
            status, _ = registry.finger_template("K", cid, new_key())  # opened, and its audit row written
            fetched.append(1)
            assert status == 200

        fetched: list[int] = []

        def redeem() -> None:
            key = new_key()
            expires = int((now + timedelta(minutes=15)).timestamp())
            registry.enrol("KIT", key, next(people), "u", "officer", OFFICER)
            status, body = registry.redeem_kit_token(kit_tokens.issue("KIT", key, expires, "0A1B2C3D", kit))
            assert status == 200, body

        for _ in range(args.per_run):
            enrol_template_kept()
        cases: list[tuple[str, Callable[[], None]]] = [
            ("enrol, no secrets", enrol()),
            ("enrol + passcode (scrypt)", enrol(passcode="48151623")),
            ("enrol + template (AES-GCM)", enrol(template=TEMPLATE)),
            ("enrol + both", enrol(passcode="48151623", template=TEMPLATE)),
            ("template fetch + audit row", fetch),
            ("kit enrol + token redeem", redeem),
        ]
        medians: dict[str, float] = {}
        for name, call in cases:
            for _ in range(5):  # warm-up: caches, the first transactions
                call()
            per_run = []
            for _ in range(args.runs):
                start = time.perf_counter()
                for _ in range(args.per_run):
                    call()
                per_run.append((time.perf_counter() - start) / args.per_run)
            medians[name] = statistics.median(per_run)
        db.close()
    base = medians["enrol, no secrets"]
    print(f"registry service in process, SQLite (synchronous=FULL), median of {args.runs} runs x {args.per_run}")
    for name, seconds in medians.items():
        print(f"  {name:<28} {seconds * 1000:8.2f} ms/call   x{seconds / base:5.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
