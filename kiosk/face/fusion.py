"""The multi-frame decision: rank a capture's frames by quality, keep the best N, fuse them into one score.

Pure functions of embeddings and quality measures, so tests drive them without models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from kiosk.face.quality import Quality

Vector = npt.NDArray[np.float32]


class FusionRule(StrEnum):
    """How the kept frames become one score against the template."""

    EMBEDDING = "embedding"  # cosine of the template with the normalised mean of the frames' embeddings
    MEAN_SCORE = "mean_score"  # mean of the frames' cosines
    MEDIAN_SCORE = "median_score"  # median of the frames' cosines


def frame_rank(quality: Quality) -> tuple[bool, float, float]:
    """Sort key, best first when sorted descending: every gate passed, then the most frontal pose, then sharpness."""
    pose = quality.pose
    off_axis = abs(pose.yaw_deg) + abs(pose.pitch_deg) + abs(pose.roll_deg) if pose is not None else 180.0
    return quality.ok, -off_axis, quality.sharpness


def best_frames(qualities: Sequence[Quality], count: int) -> list[int]:
    """Indices of the `count` best frames by `frame_rank` (ties keep capture order)."""
    order = sorted(range(len(qualities)), key=lambda i: frame_rank(qualities[i]), reverse=True)
    return order[: max(count, 0)]


def _unit(v: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    n = float(np.linalg.norm(v))
    out: npt.NDArray[np.float64] = v / n if n > 0 else v
    return out


def fused_score(template: Vector, vectors: Sequence[Vector], rule: FusionRule) -> float:
    """One cosine score for the probe `vectors` (at least one) against `template`."""
    if not vectors:
        raise ValueError("no frame to fuse")
    t = _unit(template.astype(np.float64))
    frames = np.stack([_unit(v.astype(np.float64)) for v in vectors])
    if rule is FusionRule.EMBEDDING:
        return float(np.dot(_unit(frames.mean(axis=0)), t))
    cosines = frames @ t
    if rule is FusionRule.MEAN_SCORE:
        return float(cosines.mean())
    return float(np.median(cosines))


@dataclass(frozen=True)
class DecisionRule:
    """The multi-frame decision's parameters ([face] frames, fusion)."""

    frames: int = 3
    fusion: FusionRule = FusionRule.EMBEDDING
