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
