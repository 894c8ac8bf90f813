"""Active liveness challenge (blink / turn left / turn right in random order, with a deadline) as a pure state machine.

`step(state, observation, now_s) -> state`: the caller feeds one Observation per camera frame (made from the
landmarks by `observe`) and the current monotonic time; no clock, camera or model is touched here, so tests drive
it with scripted landmark sequences. See LIVENESS.md for what this does and does not stop.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from kiosk.face.landmarks import (
    CHEEK_IMAGE_LEFT,
    CHEEK_IMAGE_RIGHT,
    CHIN,
    FOREHEAD,
    MOUTH_IMAGE_LEFT,
    MOUTH_IMAGE_RIGHT,
    NOSE_TIP,
    Landmarks,
)
from kiosk.face.pose import eye_aspect_ratio, head_pose

# Points spread over the face, in depth too (nose tip, bridge, cheeks, forehead, chin, eye corners, mouth corners),
# for the planarity check: a flat photo moves them by one affine map, a turning head cannot.
RIGID_POINTS = (NOSE_TIP, 168, 6, CHEEK_IMAGE_LEFT, CHEEK_IMAGE_RIGHT, FOREHEAD, CHIN, 33, 133, 362, 263,
                MOUTH_IMAGE_LEFT, MOUTH_IMAGE_RIGHT)  # fmt: skip


class Action(StrEnum):
    BLINK = "blink"
    TURN_LEFT = "turn_left"  # the person turns to THEIR left (yaw > 0)
    TURN_RIGHT = "turn_right"


class Phase(StrEnum):
    SETTLE = "settle"  # waiting for a frontal face with open eyes before the current action
    ACT = "act"  # waiting for the action (eyes closed / head turned far enough)
    RETURN = "return"  # waiting for the eyes to re-open / the head to come back
    PASSED = "passed"
    FAILED = "failed"


class Failure(StrEnum):
    TIMEOUT = "timeout"
    FACE_LOST = "face_lost"
    MULTIPLE_FACES = "multiple_faces"
    FACE_JUMPED = "face_jumped"  # the face moved further between frames than a head can: a swapped picture
    FLAT_MOTION = "flat_motion"  # the head turn moved the landmarks like a flat picture
    SCREEN_CUES = "screen_cues"  # image cues (moire, straight frame edges) in too many frames


@dataclass(frozen=True)
class Observation:
    """What one frame showed: `faces` counts the relevant faces; the rest describes the largest one."""

    faces: int
    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    ear: float = 0.0
    centre: tuple[float, float] = (0.0, 0.0)
    face_width: float = 1.0
    rigid: npt.NDArray[np.float64] | None = None  # RIGID_POINTS in image pixels (N x 2)
    screen_cues: bool = False


def observe(landmarks: Landmarks | None, faces: int = 1, *, screen_cues: bool = False) -> Observation:
    """An Observation from the landmarks of the largest face (None when no face was found)."""
    if landmarks is None or faces == 0:
        return Observation(faces=0)
    pts = landmarks.points
    pose = head_pose(pts)
    xy = pts[:, :2]
    width = float(np.linalg.norm(xy[CHEEK_IMAGE_RIGHT] - xy[CHEEK_IMAGE_LEFT]))
    centre = xy[list(RIGID_POINTS)].mean(axis=0)
    return Observation(
        faces=faces,
        yaw_deg=pose.yaw_deg,
        pitch_deg=pose.pitch_deg,
        ear=eye_aspect_ratio(pts),
        centre=(float(centre[0]), float(centre[1])),
        face_width=max(width, 1.0),
        rigid=xy[list(RIGID_POINTS)].copy(),
        screen_cues=screen_cues,
    )


@dataclass(frozen=True)
class ChallengeLimits:
    deadline_s: float = 20.0
    turn_deg: float = 25.0  # yaw the head must reach for a turn
    neutral_deg: float = 12.0  # |yaw| and |pitch| counted as frontal
    blink_closed_ratio: float = 0.55  # eyes closed when EAR < this x the person's open-eye EAR
    blink_open_ratio: float = 0.85  # re-opened when EAR > this x the open-eye EAR
    min_open_ear: float = 0.12  # open-eye baseline below this is not trusted; open eyes on ../shared/faces: 0.21-0.31
    max_face_lost_s: float = 1.0
    max_jump_widths: float = 0.6  # largest centre move between consecutive frames, in face widths
    min_nonplanar_residual: float = 0.05  # affine-fit residual (face widths) a real head turn must exceed (LIVENESS.md)
    max_screen_cue_fraction: float = 0.5


@dataclass(frozen=True)
class ChallengeState:
    actions: tuple[Action, ...]
    deadline_s: float
    limits: ChallengeLimits
    index: int = 0
    phase: Phase = Phase.SETTLE
    failure: Failure | None = None
    open_ear: float = 0.0  # running estimate of the person's open-eye EAR
    last_face_s: float | None = None
    last_centre: tuple[float, float] | None = None
    frontal_rigid: npt.NDArray[np.float64] | None = None
    turn_residual: float = 0.0  # largest non-planarity seen at the turned pose during the current action
    min_turn_residual: float = 1.0  # the smallest of those over the turns completed so far
    frames: int = 0
    cue_frames: int = 0

    @property
    def current(self) -> Action | None:
        return self.actions[self.index] if self.phase not in (Phase.PASSED, Phase.FAILED) else None

    @property
    def done(self) -> bool:
        return self.phase in (Phase.PASSED, Phase.FAILED)

    @property
    def passed(self) -> bool:
        return self.phase is Phase.PASSED


def start(now_s: float, rng: random.Random, limits: ChallengeLimits = ChallengeLimits()) -> ChallengeState:
    """A new challenge: the three actions in random order, to finish by now + deadline."""
    actions = [Action.BLINK, Action.TURN_LEFT, Action.TURN_RIGHT]
    rng.shuffle(actions)
    return ChallengeState(tuple(actions), now_s + limits.deadline_s, limits, last_face_s=now_s)


def affine_residual(src: npt.NDArray[np.float64], dst: npt.NDArray[np.float64]) -> float:
    """RMS distance left after the best affine map src -> dst, in units of dst's face width (cheek distance)."""
    a = np.hstack([src, np.ones((len(src), 1))])
    coef, *_ = np.linalg.lstsq(a, dst, rcond=None)
    rms = float(np.sqrt(((a @ coef - dst) ** 2).sum(axis=1).mean()))
    width = float(
        np.linalg.norm(dst[RIGID_POINTS.index(CHEEK_IMAGE_RIGHT)] - dst[RIGID_POINTS.index(CHEEK_IMAGE_LEFT)])
    )
    return rms / max(width, 1e-6)


def _fail(state: ChallengeState, why: Failure) -> ChallengeState:
    return replace(state, phase=Phase.FAILED, failure=why, frontal_rigid=None)


def _frontal(obs: Observation, limits: ChallengeLimits) -> bool:
    return abs(obs.yaw_deg) <= limits.neutral_deg and abs(obs.pitch_deg) <= limits.neutral_deg


def _finish(state: ChallengeState) -> ChallengeState:
    lim = state.limits
    if state.frames and state.cue_frames / state.frames > lim.max_screen_cue_fraction:
        return _fail(state, Failure.SCREEN_CUES)
    return replace(state, phase=Phase.PASSED, frontal_rigid=None)


def step(state: ChallengeState, obs: Observation, now_s: float) -> ChallengeState:
    """Advance the challenge by one observation made at `now_s` (monotonic seconds)."""
    if state.done:
        return state
    lim = state.limits
    if now_s >= state.deadline_s:
        return _fail(state, Failure.TIMEOUT)
    if obs.faces == 0:
        if state.last_face_s is not None and now_s - state.last_face_s > lim.max_face_lost_s:
            return _fail(state, Failure.FACE_LOST)
        return state
    if obs.faces > 1:
        return _fail(state, Failure.MULTIPLE_FACES)
    if state.last_centre is not None:
        jump = math.dist(state.last_centre, obs.centre) / obs.face_width
        if jump > lim.max_jump_widths:
            return _fail(state, Failure.FACE_JUMPED)
    state = replace(
        state,
        last_face_s=now_s,
        last_centre=obs.centre,
        frames=state.frames + 1,
        cue_frames=state.cue_frames + int(obs.screen_cues),
    )
    frontal = _frontal(obs, lim)
    if frontal and obs.ear >= max(lim.min_open_ear, state.open_ear * lim.blink_open_ratio):
        # Open-eye baseline: slow to fall, quick to rise, only from frontal frames.
        open_ear = obs.ear if obs.ear > state.open_ear else 0.9 * state.open_ear + 0.1 * obs.ear
        state = replace(state, open_ear=open_ear, frontal_rigid=obs.rigid if obs.rigid is not None else None)
    action = state.actions[state.index]
    if state.phase is Phase.SETTLE:
        if frontal and state.open_ear >= lim.min_open_ear and obs.ear >= state.open_ear * lim.blink_open_ratio:
            state = replace(state, phase=Phase.ACT)
        return state
    if state.phase is Phase.ACT:
        reached = False
        if action is Action.BLINK:
            reached = frontal and obs.ear < state.open_ear * lim.blink_closed_ratio
        else:
            sign = 1.0 if action is Action.TURN_LEFT else -1.0
            reached = sign * obs.yaw_deg >= lim.turn_deg and abs(obs.pitch_deg) <= 2 * lim.neutral_deg
            if reached and obs.rigid is not None and state.frontal_rigid is not None:
                residual = affine_residual(state.frontal_rigid, obs.rigid)
                state = replace(state, turn_residual=max(state.turn_residual, residual))
        return replace(state, phase=Phase.RETURN) if reached else state
    # RETURN: back to frontal with open eyes completes the action; each turn must have moved like a head.
    if frontal and obs.ear >= state.open_ear * lim.blink_open_ratio:
        if action is not Action.BLINK:
            if state.turn_residual < lim.min_nonplanar_residual:
                return _fail(state, Failure.FLAT_MOTION)
            state = replace(state, min_turn_residual=min(state.min_turn_residual, state.turn_residual))
        if state.index + 1 == len(state.actions):
            return _finish(state)
        return replace(state, index=state.index + 1, phase=Phase.ACT, turn_residual=0.0)
    return state
