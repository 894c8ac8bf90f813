"""Verification metrics over labelled photos: genuine/impostor pairs, FAR/FRR at a threshold, zero-FAR threshold."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
import numpy.typing as npt


def load_identities(faces_dir: Path) -> dict[str, str]:
    """photo file name -> identity, from identities.json."""
    data = json.loads((faces_dir / "identities.json").read_text(encoding="utf-8"))
    return {photo: ident for ident, photos in data["identities"].items() for photo in photos}


def load_photo_set(faces_dir: Path) -> tuple[dict[str, str], dict[str, npt.NDArray[np.uint8]]] | None:
    """(photo -> identity, photo -> RGB pixels) of a labelled set, decoded in memory; None where it is absent."""
    if not (faces_dir / "identities.json").exists():
        return None
    from PIL import Image

    identity = load_identities(faces_dir)
    return identity, {n: np.asarray(Image.open(faces_dir / n).convert("RGB")) for n in sorted(identity)}


def pairs(names: Iterable[str], identity: dict[str, str], *, ordered: bool = False) -> list[tuple[str, str, bool]]:
    """All pairs (a, b, same person); ordered pairs when the two sides differ (e.g. degraded enrolment)."""
    names = sorted(names)
    if ordered:
        return [(a, b, identity[a] == identity[b]) for a in names for b in names if a != b]
    return [(a, b, identity[a] == identity[b]) for a, b in combinations(names, 2)]


@dataclass(frozen=True)
class Rates:
    threshold: float
    genuine: int
    impostor: int
    false_accepts: int
    false_rejects: int

    @property
    def far(self) -> float:
        return self.false_accepts / self.impostor if self.impostor else 0.0

    @property
    def frr(self) -> float:
        return self.false_rejects / self.genuine if self.genuine else 0.0


def rates(genuine: npt.NDArray[np.float64], impostor: npt.NDArray[np.float64], threshold: float) -> Rates:
    """Accept when score >= threshold."""
    return Rates(
        threshold,
        len(genuine),
        len(impostor),
        int((impostor >= threshold).sum()),
        int((genuine < threshold).sum()),
    )


def zero_far_threshold(impostor: npt.NDArray[np.float64]) -> float:
    """The lowest threshold (to 1e-4) that accepts no impostor pair."""
    if len(impostor) == 0:
        return -1.0
    return float(np.floor(impostor.max() * 1e4) / 1e4 + 1e-4)


def summary(scores: npt.NDArray[np.float64]) -> str:
    if len(scores) == 0:
        return "n=0"
    q = np.percentile(scores, [0, 1, 5, 50, 95, 99, 100])
    return (
        f"n={len(scores)} min {q[0]:.3f} p1 {q[1]:.3f} p5 {q[2]:.3f} median {q[3]:.3f} "
        f"p95 {q[4]:.3f} p99 {q[5]:.3f} max {q[6]:.3f}"
    )


def histogram(scores: npt.NDArray[np.float64], lo: float = -0.3, hi: float = 1.0, bins: int = 13) -> str:
    counts, edges = np.histogram(np.clip(scores, lo, hi), bins=bins, range=(lo, hi))
    top = max(int(counts.max()), 1)
    return "\n".join(
        f"  {edges[i]:+.1f}..{edges[i + 1]:+.1f} {int(c):5d} {'#' * round(40 * int(c) / top)}"
        for i, c in enumerate(counts)
    )


@dataclass(frozen=True)
class PairScores:
    """Scores of the compared pairs with per-identity weights (each identity, and each pair of identities, counts
    once however many photos it has) and the genuine pairs lost to a failure to acquire."""

    genuine: npt.NDArray[np.float64]
    genuine_weight: npt.NDArray[np.float64]
    impostor: npt.NDArray[np.float64]
    impostor_weight: npt.NDArray[np.float64]
    genuine_total: int  # genuine pairs including those with a side that could not be used
    genuine_total_weight: float
    identities: int


def weighted_pair_scores(
    enrol: dict[str, npt.NDArray[np.float32] | None],
    probe: dict[str, npt.NDArray[np.float32] | None],
    identity: dict[str, str],
) -> PairScores:
    """Ordered pairs (enrolment a, probe b), a != b, over the photos in both dicts; None marks a failure to acquire."""
    names = sorted(set(enrol) & set(probe))
    ids = [identity[n] for n in names]
    same = np.array([[x == y for y in ids] for x in ids])
    np.fill_diagonal(same, False)
    other = ~same
    np.fill_diagonal(other, False)
    counts: dict[tuple[str, str], int] = {}
    for i, x in enumerate(ids):
        for j, y in enumerate(ids):
            if i != j:
                counts[(x, y)] = counts.get((x, y), 0) + 1
    weight = np.array([[1.0 / counts[(x, y)] if x != y or i != j else 0.0 for j, y in enumerate(ids)]
                       for i, x in enumerate(ids)])  # fmt: skip
    ok = np.array([enrol[n] is not None for n in names])
    ok_probe = np.array([probe[n] is not None for n in names])
    usable = ok[:, None] & ok_probe[None, :]
    dim = next((v.shape[0] for v in (*enrol.values(), *probe.values()) if v is not None), 1)
    zero = np.zeros(dim, np.float32)
    e = np.stack([_or(enrol[n], zero) for n in names]).astype(np.float64)
    p = np.stack([_or(probe[n], zero) for n in names]).astype(np.float64)
    e /= np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)
    p /= np.maximum(np.linalg.norm(p, axis=1, keepdims=True), 1e-12)
    cos = e @ p.T
    g, i_ = same & usable, other & usable
    return PairScores(cos[g], weight[g], cos[i_], weight[i_], int(same.sum()), float(weight[same].sum()), len(set(ids)))


def _or(v: npt.NDArray[np.float32] | None, default: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    return default if v is None else v


def weighted_rates(s: PairScores, threshold: float) -> tuple[float, float]:
    """(FAR, FRR) with per-identity weights over the compared pairs; accept when score >= threshold."""
    far = float(s.impostor_weight[s.impostor >= threshold].sum() / max(s.impostor_weight.sum(), 1e-12))
    frr = float(s.genuine_weight[s.genuine < threshold].sum() / max(s.genuine_weight.sum(), 1e-12))
    return far, frr


def threshold_for_far(s: PairScores, target: float) -> float:
    """The lowest threshold (rounded up to 1e-4) at which both the weighted and the plain FAR are <= target."""
    order = np.argsort(-s.impostor)
    scores, w = s.impostor[order], s.impostor_weight[order]
    if len(scores) == 0:
        return -1.0
    weighted = np.cumsum(w) / w.sum()
    plain = np.arange(1, len(scores) + 1) / len(scores)
    over = np.nonzero((weighted > target) | (plain > target))[0]
    if len(over) == 0:
        return -1.0
    k = int(over[0])  # accepting scores[k] would exceed the target: the threshold must lie above it
    return float(np.floor(scores[k] * 1e4) / 1e4 + 1e-4)


def equal_error_rate(s: PairScores) -> tuple[float, float]:
    """(EER, its threshold) with per-identity weights, on a 0.0005 grid."""
    grid = np.arange(-0.2, 1.0, 0.0005)
    diffs = [(abs(far - frr), (far + frr) / 2, float(t)) for t in grid for far, frr in [weighted_rates(s, float(t))]]
    _, eer, at = min(diffs)
    return eer, at


def det_points(s: PairScores, steps: int = 400) -> list[tuple[float, float]]:
    """(FAR, FRR) pairs over thresholds from the lowest to the highest score seen."""
    lo = float(min(s.genuine.min(initial=1.0), s.impostor.min(initial=1.0)))
    hi = float(max(s.genuine.max(initial=-1.0), s.impostor.max(initial=-1.0)))
    return [weighted_rates(s, float(t)) for t in np.linspace(lo, hi, steps)]


def upper_bound_95(errors: int, trials: int) -> float:
    """One-sided 95 % upper confidence bound of an error rate (exact binomial, by bisection)."""
    if trials == 0:
        return 1.0
    from math import exp, lgamma, log, log1p

    def tail(p: float) -> float:  # P(X <= errors), in log space (trials may be 10^5)
        return sum(
            exp(lgamma(trials + 1) - lgamma(k + 1) - lgamma(trials - k + 1) + k * log(p) + (trials - k) * log1p(-p))
            for k in range(errors + 1)
        )

    lo, hi = errors / trials, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if tail(mid) > 0.05 else (lo, mid)
    return hi
