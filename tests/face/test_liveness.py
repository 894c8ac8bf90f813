"""The liveness challenge as a pure state machine, driven by scripted landmark sequences (synthetic 3D head)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

import numpy as np
import pytest

from kiosk.face.landmarks import Landmarks
from kiosk.face.liveness import (
    Action,
    ChallengeLimits,
    ChallengeState,
    Failure,
    Observation,
    Phase,
    affine_residual,
    observe,
    start,
    step,
)
from tests.face import synthetic

FPS = 10.0


def frames(kind: str, n: int = 4, *, yaw_deg: float = 0.0, ear: float = synthetic.OPEN_EAR) -> list[Observation]:
    if kind != "face":
        return []
    return [observe(Landmarks(synthetic.mesh(yaw_deg, ear=ear), 1.0)) for _ in range(n)]


def neutral(n: int = 4) -> list[Observation]:
    return frames("face", n)


def perform(action: Action) -> list[Observation]:
    """A person doing `action` and coming back to neutral, a few frames per stage."""
    if action is Action.BLINK:
        return frames("face", 2, ear=0.08) + neutral(3)
    sign = 1.0 if action is Action.TURN_LEFT else -1.0
    return (
        frames("face", 2, yaw_deg=sign * 15)
        + frames("face", 3, yaw_deg=sign * 35)
        + frames("face", 2, yaw_deg=sign * 15)
        + neutral(3)
    )


def run(state: ChallengeState, obs: Iterable[Observation], t0: float = 0.0) -> tuple[ChallengeState, float]:
    t = t0
    for o in obs:
        t += 1 / FPS
        state = step(state, o, t)
        if state.done:
            break
    return state, t


def script_for(state: ChallengeState) -> Iterator[Observation]:
    yield from neutral(5)
    for action in state.actions:
        yield from perform(action)


def test_actions_come_in_a_random_order_from_the_rng() -> None:
    orders = {start(0.0, random.Random(seed)).actions for seed in range(30)}
    assert len(orders) > 3
    assert all(sorted(o) == sorted(Action) for o in orders)
    assert start(0.0, random.Random(5)).actions == start(0.0, random.Random(5)).actions


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_live_person_following_the_prompts_passes(seed: int) -> None:
    state = start(0.0, random.Random(seed))
    state, t = run(state, script_for(state))
    assert state.phase is Phase.PASSED, state.failure
    assert state.failure is None and state.min_turn_residual > ChallengeLimits().min_nonplanar_residual
    assert t < ChallengeLimits().deadline_s


def test_progress_follows_each_prompt_in_turn() -> None:
    state = start(0.0, random.Random(9))
    state, t = run(state, neutral(5))
    assert state.phase is Phase.ACT and state.index == 0
    first = state.current
    assert first is not None
    state, t = run(state, perform(first), t)
    assert state.index == 1 and state.phase is Phase.ACT


def test_actions_in_the_wrong_order_do_not_pass_and_time_out() -> None:
    state = start(0.0, random.Random(11))
    wrong = [a for a in reversed(state.actions)]
    assert wrong != list(state.actions)
    script = neutral(5) + [o for a in wrong for o in perform(a)]
    state, t = run(state, script)
    assert not state.done or state.phase is not Phase.PASSED
    state, _ = run(state, neutral(400), t)
    assert state.phase is Phase.FAILED and state.failure is Failure.TIMEOUT


def test_turning_the_other_way_does_not_count() -> None:
    state = start(0.0, random.Random(0), ChallengeLimits())
    state, t = run(state, neutral(5))
    while state.current is not Action.TURN_LEFT:
        current = state.current
        assert current is not None
        state, t = run(state, perform(current), t)
    state, t = run(state, perform(Action.TURN_RIGHT), t)
    assert state.current is Action.TURN_LEFT and not state.done


def test_a_blink_must_reopen_the_eyes() -> None:
    state = ChallengeState((Action.BLINK, Action.TURN_LEFT, Action.TURN_RIGHT), 20.0, ChallengeLimits())
    state, t = run(state, neutral(5) + frames("face", 10, ear=0.08))
    assert state.phase is Phase.RETURN and state.index == 0
    state, t = run(state, neutral(3), t)
    assert state.index == 1


def test_deadline_is_a_deadline_not_a_frame_count() -> None:
    state = start(100.0, random.Random(1), ChallengeLimits(deadline_s=5.0))
    state = step(state, neutral(1)[0], 104.9)
    assert not state.done
    state = step(state, neutral(1)[0], 105.0)
    assert state.failure is Failure.TIMEOUT


def test_face_lost_for_too_long_fails_but_a_short_dropout_does_not() -> None:
    state = start(0.0, random.Random(1))
    state, t = run(state, neutral(3))
    state = step(state, Observation(faces=0), t + 0.5)
    assert not state.done
    state = step(state, neutral(1)[0], t + 0.6)
    state = step(state, Observation(faces=0), t + 1.0)
    state = step(state, Observation(faces=0), t + 1.7)
    assert state.failure is Failure.FACE_LOST


def test_a_second_face_fails() -> None:
    state = start(0.0, random.Random(1))
    state, t = run(state, neutral(3))
    state = step(state, observe(Landmarks(synthetic.mesh(), 1.0), faces=2), t + 0.1)
    assert state.failure is Failure.MULTIPLE_FACES


def test_a_face_that_jumps_across_the_frame_fails() -> None:
    state = start(0.0, random.Random(1))
    state, t = run(state, neutral(3))
    moved = observe(Landmarks(synthetic.mesh(centre=(520.0, 240.0)), 1.0))
    state = step(state, moved, t + 0.1)
    assert state.failure is Failure.FACE_JUMPED


def test_a_flat_photo_turned_fails_even_if_the_model_reports_yaw() -> None:
    """Turning a printed photo moves every landmark by one affine map; a head's nose moves against its cheeks."""
    frontal = synthetic.mesh()
    state = ChallengeState((Action.TURN_LEFT, Action.TURN_RIGHT, Action.BLINK), 20.0, ChallengeLimits())

    def flat(yaw: float, n: int) -> list[Observation]:
        return [observe(Landmarks(synthetic.flat_turn(frontal, yaw), 1.0)) for _ in range(n)]

    script = neutral(5) + flat(15, 2) + flat(35, 3) + neutral(3) + flat(-15, 2) + flat(-35, 3) + neutral(3)
    script += frames("face", 2, ear=0.08) + neutral(3)
    state, _ = run(state, script)
    assert state.phase is Phase.FAILED and state.failure is Failure.FLAT_MOTION and state.index == 0


def test_every_turn_must_move_like_a_head() -> None:
    """One real turn does not cover for a flat one: the check is per turn."""
    frontal = synthetic.mesh()
    state = ChallengeState((Action.TURN_LEFT, Action.TURN_RIGHT, Action.BLINK), 20.0, ChallengeLimits())
    flat_right = [observe(Landmarks(synthetic.flat_turn(frontal, -35), 1.0)) for _ in range(3)]
    state, _ = run(state, neutral(5) + perform(Action.TURN_LEFT) + flat_right + neutral(3))
    assert state.failure is Failure.FLAT_MOTION and state.index == 1


def test_affine_residual_separates_head_turn_from_flat_turn() -> None:
    from kiosk.face.liveness import RIGID_POINTS

    idx = list(RIGID_POINTS)
    frontal = synthetic.mesh()[idx, :2]
    head = synthetic.mesh(yaw_deg=30)[idx, :2]
    flat = synthetic.flat_turn(synthetic.mesh(), 30)[idx, :2]
    assert affine_residual(frontal, flat) < 1e-9
    assert affine_residual(frontal, head) > 1.5 * ChallengeLimits().min_nonplanar_residual


def test_screen_cues_in_most_frames_fail_the_challenge() -> None:
    state = start(0.0, random.Random(2))
    script = [
        Observation(o.faces, o.yaw_deg, o.pitch_deg, o.ear, o.centre, o.face_width, o.rigid, screen_cues=True)
        for o in script_for(state)
    ]
    state, _ = run(state, script)
    assert state.failure is Failure.SCREEN_CUES


def test_done_state_is_absorbing_and_observe_handles_no_face() -> None:
    state = start(0.0, random.Random(2))
    failed = step(state, neutral(1)[0], 999.0)
    assert failed.failure is Failure.TIMEOUT
    assert step(failed, neutral(1)[0], 1000.0) is failed
    assert observe(None).faces == 0


def test_observation_measures_blink_and_turn() -> None:
    open_eyes = observe(Landmarks(synthetic.mesh(), 1.0))
    closed = observe(Landmarks(synthetic.mesh(ear=0.05), 1.0))
    left = observe(Landmarks(synthetic.mesh(yaw_deg=30), 1.0))
    assert open_eyes.ear == pytest.approx(synthetic.OPEN_EAR, abs=0.01)
    assert closed.ear < 0.1
    assert left.yaw_deg == pytest.approx(30, abs=1) and abs(open_eyes.yaw_deg) < 1e-6
    assert open_eyes.rigid is not None and np.isfinite(open_eyes.rigid).all()
