"""Weighted verification metrics: per-identity weights, the threshold for a target FAR, EER, the FAR bound."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.face.evaluation import (
    equal_error_rate,
    threshold_for_far,
    upper_bound_95,
    weighted_pair_scores,
    weighted_rates,
)


def unit(angle_deg: float) -> np.ndarray:
    a = np.radians(angle_deg)
    return np.array([np.cos(a), np.sin(a)], dtype=np.float32)


# identity "a" has four photos, "b" and "c" two each; within an identity photos are 10-30 degrees apart
PHOTOS = {"a1": unit(0), "a2": unit(10), "a3": unit(20), "a4": unit(30), "b1": unit(90), "b2": unit(100),
          "c1": unit(180), "c2": unit(200)}  # fmt: skip
IDENTITY = {n: n[0] for n in PHOTOS}


def test_every_identity_weighs_the_same_however_many_photos_it_has() -> None:
    s = weighted_pair_scores(dict(PHOTOS), dict(PHOTOS), IDENTITY)
    assert len(s.genuine) == 12 + 2 + 2 and len(s.impostor) == 8 * 7 - 16
    assert s.identities == 3
    # at cos 25 deg only a1-a4 and a4-a1 (30 deg) fail: 2 of a's 12 pairs, so a sixth of one identity in three
    # (plain counting would say 2 of 16)
    _, frr = weighted_rates(s, float(np.cos(np.radians(25))))
    assert frr == pytest.approx(1 / 18)


def test_a_failure_to_acquire_drops_its_pairs_and_is_counted() -> None:
    enrol = dict(PHOTOS) | {"b1": None}
    s = weighted_pair_scores(enrol, dict(PHOTOS), IDENTITY)
    assert s.genuine_total == 16 and len(s.genuine) == 15


def test_threshold_for_far_keeps_weighted_and_plain_far_under_the_target() -> None:
    s = weighted_pair_scores(dict(PHOTOS), dict(PHOTOS), IDENTITY)
    t = threshold_for_far(s, 0.0)
    assert weighted_rates(s, t)[0] == 0.0 and (s.impostor >= t).sum() == 0
    assert t <= float(s.impostor.max()) + 2e-4


def test_equal_error_rate_of_separable_scores_is_zero() -> None:
    s = weighted_pair_scores(dict(PHOTOS), dict(PHOTOS), IDENTITY)
    eer, at = equal_error_rate(s)
    assert eer == 0.0 and s.impostor.max() < at <= s.genuine.min()


def test_upper_bound_of_zero_errors_follows_the_rule_of_three() -> None:
    assert upper_bound_95(0, 30_000) == pytest.approx(3 / 30_000, rel=0.01)
    assert upper_bound_95(9, 90_000) > 9 / 90_000
