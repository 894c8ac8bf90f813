"""The multi-frame decision's pure part: which frames are kept, and how their embeddings become one score."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.face.fusion import FusionRule, best_frames, fused_score
from kiosk.face.pose import Pose
from kiosk.face.quality import Hint, Quality


def unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


def noisy(person: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    return unit(person + noise * rng.standard_normal(person.shape))


def quality(ok: bool, yaw: float, sharpness: float) -> Quality:
    hints = () if ok else (Hint.HOLD_STILL,)
    return Quality(ok, hints, pose=Pose(yaw, 0.0, 0.0), sharpness=sharpness)


def test_the_frontal_frame_that_passes_every_gate_is_kept_first() -> None:
    frames = [quality(False, 0.0, 300.0), quality(True, 18.0, 200.0), quality(True, 2.0, 90.0)]
    assert best_frames(frames, 2) == [2, 1]
    assert best_frames(frames, 5) == [2, 1, 0]


def test_among_equally_frontal_frames_the_sharper_is_kept() -> None:
    frames = [quality(True, 5.0, 80.0), quality(True, 5.0, 240.0)]
    assert best_frames(frames, 1) == [1]


def test_a_frame_without_a_pose_ranks_below_one_with_a_pose() -> None:
    frames = [Quality(True, (), sharpness=500.0), quality(True, 30.0, 70.0)]
    assert best_frames(frames, 1) == [1]


def test_fusing_frames_of_the_person_scores_nearer_the_person_than_the_frames_do() -> None:
    """Independent noise in the frames averages out in the mean embedding: the fused score beats the mean cosine."""
    rng = np.random.default_rng(21)
    person = unit(rng.standard_normal(128))
    wins = 0
    for _ in range(50):
        frames = [noisy(person, rng, 0.12) for _ in range(3)]
        single = [fused_score(person, [f], FusionRule.EMBEDDING) for f in frames]
        fused = fused_score(person, frames, FusionRule.EMBEDDING)
        assert fused >= min(single)
        wins += fused > max(single)
    assert wins >= 40


def test_one_stray_frame_moves_the_median_score_less_than_the_mean() -> None:
    rng = np.random.default_rng(5)
    person, stranger = unit(rng.standard_normal(128)), unit(rng.standard_normal(128))
    frames = [noisy(person, rng, 0.02), noisy(person, rng, 0.02), stranger]
    median = fused_score(person, frames, FusionRule.MEDIAN_SCORE)
    mean = fused_score(person, frames, FusionRule.MEAN_SCORE)
    assert median > 0.9 > mean


def test_one_frame_scores_its_cosine_under_every_rule() -> None:
    rng = np.random.default_rng(1)
    a, b = unit(rng.standard_normal(128)), unit(rng.standard_normal(128))
    expected = float(np.dot(a, b))
    for rule in FusionRule:
        assert fused_score(a, [b], rule) == pytest.approx(expected, abs=1e-6)


def test_nothing_to_fuse_is_an_error() -> None:
    with pytest.raises(ValueError):
        fused_score(np.ones(128, np.float32), [], FusionRule.EMBEDDING)
