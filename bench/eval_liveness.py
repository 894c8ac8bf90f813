"""Liveness error rates as ISO/IEC 30107-3 reports them: APCER per attack type and BPCER, each with its n and the
95 % Clopper-Pearson upper bound.

Bona fide: the synthetic 3D head (tests/face/synthetic.py) performing the challenge at 30 fps with smooth turns that
reach their peak in 0.1-1.0 s, 20-40 degrees, 0.5-1.5 px landmark jitter (pure state machine, no images). Attacks:
bench/attack_kit.py renders presentations from ../shared/faces* photos and drives them through
`FaceService.liveness` with the real models (skipped, and said so, when the photos are absent).

    .venv/bin/python bench/eval_liveness.py [--bona-fide-only] [--per-attack 60] [--attacks a,b] [--seed 1]
"""

from __future__ import annotations

import argparse
import collections
import math
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.face.landmarks import Landmarks
from kiosk.face.liveness import ChallengeLimits, ChallengeState, observe, start, step
from tests.face import synthetic

TURN_S = (0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
PEAK_DEG = (20.0, 25.0, 30.0, 35.0, 40.0)
JITTER_PX = (0.5, 1.0, 1.5)


def clopper_pearson_upper(errors: int, n: int, confidence: float = 0.95) -> float:
    """One-sided upper bound of a binomial proportion (exact): the p with P(X <= errors | n, p) = 1 - confidence."""
    if n == 0:
        return 1.0
    if errors >= n:
        return 1.0
    alpha = 1.0 - confidence
    lo, hi = errors / n, 1.0
    for _ in range(60):  # bisection on the binomial CDF, which falls as p rises
        mid = (lo + hi) / 2
        cdf = sum(math.comb(n, k) * mid**k * (1 - mid) ** (n - k) for k in range(errors + 1))
        lo, hi = (mid, hi) if cdf > alpha else (lo, mid)
    return hi


def run_bona_fide(p: synthetic.Performer, seed: int, limits: ChallengeLimits) -> ChallengeState:
    state = start(0.0, random.Random(seed), limits)
    rng = np.random.default_rng(seed)
    t = 0.0
    for pts in synthetic.performance([str(a) for a in state.actions], p, rng):
        t += 1 / 30
        state = step(state, observe(Landmarks(pts, 1.0)), t)
        if state.done:
            break
    return state


def bona_fide(per_cell: int, seed: int, limits: ChallengeLimits) -> dict[str, tuple[int, int]]:
    """Rejections per turn time and per peak angle: {label: (rejected, n)}; prints the reasons."""
    rng = random.Random(seed)
    by: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    reasons: collections.Counter[str] = collections.Counter()
    for turn_s in TURN_S:
        for peak in PEAK_DEG:
            for jitter in JITTER_PX:
                for _ in range(per_cell):
                    p = synthetic.Performer(
                        turn_s=turn_s,
                        peak_deg=peak,
                        jitter_px=jitter,
                        width_px=rng.uniform(140.0, 220.0),
                        rest_yaw_deg=rng.uniform(-4.0, 4.0),
                        rest_pitch_deg=rng.uniform(-4.0, 4.0),
                        react_s=rng.uniform(0.2, 0.8),
                        blink_s=rng.uniform(0.15, 0.4),
                    )
                    state = run_bona_fide(p, rng.randrange(1 << 30), limits)
                    rejected = int(not state.passed)
                    if rejected:
                        reasons[str(state.failure or "unfinished")] += 1
                    for key in ("all", f"turn {turn_s:.1f} s", f"peak {peak:.0f} deg", f"jitter {jitter:.1f} px"):
                        by[key][0] += rejected
                        by[key][1] += 1
    print("bona fide rejections by reason:", dict(reasons) or "none")
    return {k: (v[0], v[1]) for k, v in by.items()}


def report(title: str, rows: dict[str, tuple[int, int]]) -> None:
    print(f"\n{title}")
    print(f"{'':<28} {'errors':>7} {'n':>5} {'rate':>7} {'95% upper':>10}")
    for label, (errors, n) in rows.items():
        print(f"{label:<28} {errors:>7} {n:>5} {errors / max(n, 1):>7.1%} {clopper_pearson_upper(errors, n):>10.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-cell", type=int, default=4, help="bona fide runs per (turn time, peak, jitter)")
    parser.add_argument("--per-attack", type=int, default=60, help="presentations per attack type")
    parser.add_argument("--bona-fide-only", action="store_true")
    parser.add_argument("--attacks", default="", help="comma-separated attack types (default: all)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    limits = ChallengeLimits()
    report("BPCER (synthetic head, 30 fps)", bona_fide(args.per_cell, args.seed, limits))
    if args.bona_fide_only:
        return
    from bench import attack_kit

    title = "APCER per attack type (FaceService.liveness, 30 fps, 640x480)"
    kinds = tuple(args.attacks.split(",")) if args.attacks else attack_kit.ATTACKS
    report(title, attack_kit.evaluate(args.per_attack, args.seed, kinds))


if __name__ == "__main__":
    main()
