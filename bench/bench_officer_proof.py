"""What the officer's proof and the signed trust list cost: the kiosk's key derivation at PIN sign-in
(`officer_proof.proof_key`, scrypt N=2**14), making a proof per enrolment, the registry's check of one, and a
kiosk's check of a signed trust list (`signed_list.accept`, ES256). Pure functions, in process.

    .venv/bin/python bench/bench_officer_proof.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk import officer_proof  # noqa: E402
from kiosk.seal import SigningKey, TrustList, signed_list  # noqa: E402


def median_us(call: Callable[[], object], *, runs: int, per_run: int) -> float:
    medians = []
    for _ in range(runs):
        times = []
        for _ in range(per_run):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times))
    return statistics.median(medians) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    key = officer_proof.proof_key("1101500482649", "58203947")
    proof = officer_proof.make(key, "KIOSK-T1", "1101500482649", "k" * 32, "1101700123456", 1_796_000_000)
    signer = SigningKey.generate("ES256")
    now = datetime.now(UTC)
    trust = TrustList((signer.trusted("DOPA", now - timedelta(days=1), now + timedelta(days=365)),), serial=3)
    envelope = signed_list.sign(trust, signer)
    figures = [
        ("proof key at sign-in (scrypt)", lambda: officer_proof.proof_key("1101500482649", "58203947"), 10),
        ("make a proof", lambda: officer_proof.make(key, "KIOSK-T1", "1101500482649", "k" * 32, "1", 1), 2000),
        (
            "registry checks a proof",
            lambda: officer_proof.check(key, proof, "KIOSK-T1", "1101500482649", "k" * 32, "1101700123456"),
            2000,
        ),
        ("kiosk accepts a signed trust list", lambda: signed_list.accept(envelope, trust), 200),
    ]
    print(f"median of {args.runs} runs (each the median of its calls)")
    for name, call, per_run in figures:
        print(f"  {name:<36} {median_us(call, runs=args.runs, per_run=per_run):10.1f} us  (n={per_run} per run)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
