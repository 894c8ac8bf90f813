"""Set-up time on a fresh clone: cold (new .venv, empty pip cache, every package from the registry) and warm
(a re-run with nothing to do), median of several runs each. Clones the committed HEAD into a temporary folder.

    .venv/bin/python bench/bench_setup.py [--cold 2] [--warm 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed_setup(clone: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    run = subprocess.run(["bash", "scripts/setup"], cwd=clone, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if run.returncode != 0:
        sys.exit(f"scripts/setup failed:\n{run.stdout}{run.stderr}")
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cold", type=int, default=2, help="cold runs (each a new clone and an empty pip cache)")
    ap.add_argument("--warm", type=int, default=5, help="warm re-runs on the last clone")
    args = ap.parse_args()
    cold: list[float] = []
    warm: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-setup-") as tmp:
        clone = Path(tmp)
        for i in range(args.cold):
            clone = Path(tmp) / f"clone{i}"
            subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
            env = dict(os.environ, PIP_CACHE_DIR=str(Path(tmp) / f"pip-cache{i}"))
            cold.append(timed_setup(clone, env))
            print(f"cold run {i + 1}: {cold[-1]:.1f} s", flush=True)
        env = dict(os.environ)
        for _ in range(args.warm):
            warm.append(timed_setup(clone, env))
    print(f"cold set-up (fresh clone, empty pip cache): median {statistics.median(cold):.1f} s over {len(cold)} runs")
    print(f"warm set-up (nothing to do):                median {statistics.median(warm):.2f} s over {len(warm)} runs")
    print(f"cold / warm: {statistics.median(cold) / statistics.median(warm):.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
