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
    FACE_JUMPED = "face_jumped"  # the face moved or changed size further between frames than a head can
    BROKEN_MOTION = "broken_motion"  # inside an action: a frame without the face, or a yaw step no head makes
    FACE_CHANGED = "face_changed"  # the turned face is not the face that started the challenge: a swapped picture
    FLAT_MOTION = "flat_motion"  # the head turn moved the landmarks like a flat picture
    SCREEN_CUES = "screen_cues"  # image cues (moire, straight frame edges) in too many frames


@dataclass(frozen=True)
class Observation:
    """What one frame showed: `faces` counts the relevant faces; the rest describes the largest one. `identity` is
    the face embedding, given only on the frames `wants_identity` asks for (the embedding is the costly step)."""

    faces: int
    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    ear: float = 0.0
    centre: tuple[float, float] = (0.0, 0.0)
    face_width: float = 1.0
    face_height: float = 1.0  # forehead to chin in the image: barely changes when the head turns
    rigid: npt.NDArray[np.float64] | None = None  # RIGID_POINTS in image pixels (N x 2)
    screen_cues: bool = False
    identity: npt.NDArray[np.float32] | None = None


def observe(landmarks: Landmarks | None, faces: int = 1, *, screen_cues: bool = False) -> Observation:
    """An Observation from the landmarks of the largest face (None when no face was found)."""
    if landmarks is None or faces == 0:
        return Observation(faces=0)
    pts = landmarks.points
    pose = head_pose(pts)
    xy = pts[:, :2]
    width = float(np.linalg.norm(xy[CHEEK_IMAGE_RIGHT] - xy[CHEEK_IMAGE_LEFT]))
    height = float(np.linalg.norm(xy[CHIN] - xy[FOREHEAD]))
    centre = xy[list(RIGID_POINTS)].mean(axis=0)
    return Observation(
        faces=faces,
        yaw_deg=pose.yaw_deg,
        pitch_deg=pose.pitch_deg,
        ear=eye_aspect_ratio(pts),
        centre=(float(centre[0]), float(centre[1])),
        face_width=max(width, 1.0),
        face_height=max(height, 1.0),
        rigid=xy[list(RIGID_POINTS)].copy(),
        screen_cues=screen_cues,
    )


@dataclass(frozen=True)
class ChallengeLimits:
    """Limits of the challenge; the motion limits were derived at 30 fps from `bench/eval_liveness.py` (LIVENESS.md)."""

    deadline_s: float = 20.0
    turn_deg: float = 17.0  # yaw a turn must add to the reference's (and half of it from straight ahead)
    neutral_deg: float = 12.0  # |yaw| and |pitch| counted as frontal
    blink_closed_ratio: float = 0.55  # eyes closed when EAR < this x the person's open-eye EAR
    blink_open_ratio: float = 0.85  # re-opened when EAR > this x the open-eye EAR
    min_open_ear: float = 0.12  # open-eye baseline below this is not trusted; open eyes on ../shared/faces: 0.21-0.31
    open_ear_frames: int = 15  # frontal open-eye frames whose median EAR is the person's baseline
    max_face_lost_s: float = 1.0  # outside an action; inside one, a single frame without the face fails
    max_jump_widths: float = 0.6  # largest centre move between consecutive frames, in face widths
    max_height_step: float = 0.12  # largest relative change of the face height between consecutive frames
    max_yaw_rate_deg_s: float = 750.0  # largest yaw speed between consecutive frames inside an action
    min_frame_s: float = 1 / 30  # the camera's frame interval: yaw steps are judged over at least this long
    reference_frames: int = 3  # frontal frames averaged into the reference frozen when an action starts
    min_nonplanar_residual: float = 0.035  # affine-fit residual (face widths) every turned frame must exceed
    min_same_face: float = 0.35  # first frontal vs turned face; ../shared/faces: genuine >= 0.43, impostor <= 0.40
    min_same_as_portrait: float = 0.25  # cosine between the chip portrait and each turned face, when given
    identity_checks_per_turn: int = 2  # turned frames per turn whose embedding is compared
    max_screen_cue_fraction: float = 0.5


@dataclass(frozen=True)
class ChallengeState:
    actions: tuple[Action, ...]
    deadline_s: float
    limits: ChallengeLimits
    index: int = 0
    phase: Phase = Phase.SETTLE
    failure: Failure | None = None
    open_ear: float = 0.0  # the person's open-eye EAR: median of `open_ears`
    open_ears: tuple[float, ...] = ()
    last_face_s: float | None = None
    last_centre: tuple[float, float] | None = None
    last_height: float | None = None
    last_yaw: float | None = None
    recent_frontal: tuple[npt.NDArray[np.float64], ...] = ()  # rigid points of the latest frontal frames
    recent_yaws: tuple[float, ...] = ()  # and their yaws
    reference_rigid: npt.NDArray[np.float64] | None = None  # frozen when the current action started
    reference_yaw: float = 0.0  # the yaw the current turn is measured from (frozen with reference_rigid)
    reference_identity: npt.NDArray[np.float32] | None = None  # embedding of the first frontal face
    portrait_identity: npt.NDArray[np.float32] | None = None  # embedding of the chip portrait, when known
    identity_checks: int = 0  # turned frames compared during the current action
    min_same_face: float = 1.0  # lowest cosine seen so far (against the first frontal face)
    turn_residual: float = 1.0  # smallest non-planarity over the turned frames of the current action
    turned_frames: int = 0  # frames of the current turn at or beyond the turn yaw
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


def start(
    now_s: float,
    rng: random.Random,
    limits: ChallengeLimits = ChallengeLimits(),
    *,
    portrait_identity: npt.NDArray[np.float32] | None = None,
) -> ChallengeState:
    """A new challenge: the three actions in random order, to finish by now + deadline. With `portrait_identity`
    (the chip portrait's embedding) every turned face is compared with it as well."""
    actions = [Action.BLINK, Action.TURN_LEFT, Action.TURN_RIGHT]
    rng.shuffle(actions)
    return ChallengeState(
        tuple(actions), now_s + limits.deadline_s, limits, last_face_s=now_s, portrait_identity=portrait_identity
    )


def affine_residual(src: npt.NDArray[np.float64], dst: npt.NDArray[np.float64]) -> float:
    """RMS distance left after the best affine map src -> dst, in units of dst's face width (cheek distance)."""
    a = np.hstack([src, np.ones((len(src), 1))])
    coef, *_ = np.linalg.lstsq(a, dst, rcond=None)
    rms = float(np.sqrt(((a @ coef - dst) ** 2).sum(axis=1).mean()))
    width = float(
        np.linalg.norm(dst[RIGID_POINTS.index(CHEEK_IMAGE_RIGHT)] - dst[RIGID_POINTS.index(CHEEK_IMAGE_LEFT)])
    )
    return rms / max(width, 1e-6)


def _cosine(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return float(np.dot(a, b) / (na * nb)) if na > 0 and nb > 0 else 0.0


def _fail(state: ChallengeState, why: Failure) -> ChallengeState:
    return replace(
        state,
        phase=Phase.FAILED,
        failure=why,
        recent_frontal=(),
        reference_rigid=None,
        reference_identity=None,
        portrait_identity=None,
    )


def _frontal(obs: Observation, limits: ChallengeLimits) -> bool:
    return abs(obs.yaw_deg) <= limits.neutral_deg and abs(obs.pitch_deg) <= limits.neutral_deg


def _turn_sign(action: Action) -> float:
    return 0.0 if action is Action.BLINK else 1.0 if action is Action.TURN_LEFT else -1.0


def _in_action(state: ChallengeState) -> bool:
    return state.phase in (Phase.ACT, Phase.RETURN)


def _turned(state: ChallengeState, obs: Observation) -> bool:
    sign = _turn_sign(state.actions[state.index])
    lim = state.limits
    turned = sign * (obs.yaw_deg - state.reference_yaw) >= lim.turn_deg and sign * obs.yaw_deg >= lim.turn_deg / 2
    return sign != 0.0 and turned and abs(obs.pitch_deg) <= 2 * lim.neutral_deg


def wants_identity(state: ChallengeState, obs: Observation) -> bool:
    """Whether the caller should add the face embedding to `obs` before stepping: the first frontal face (the
    reference) and the first few turned frames of each turn."""
    if state.done or obs.faces != 1:
        return False
    if state.reference_identity is None:
        return _frontal(obs, state.limits)
    return _in_action(state) and _turned(state, obs) and state.identity_checks < state.limits.identity_checks_per_turn


def _freeze_reference(state: ChallengeState) -> ChallengeState:
    """The action starts: its geometric reference is the mean of the latest frontal frames, fixed until it ends."""
    fresh = replace(state, turn_residual=1.0, turned_frames=0, identity_checks=0)
    if not state.recent_frontal:
        return replace(fresh, reference_rigid=None, reference_yaw=0.0)
    ref = np.mean(np.stack(state.recent_frontal), axis=0)
    return replace(fresh, reference_rigid=ref, reference_yaw=float(np.mean(state.recent_yaws)))


def _finish(state: ChallengeState) -> ChallengeState:
    lim = state.limits
    if state.frames and state.cue_frames / state.frames > lim.max_screen_cue_fraction:
        return _fail(state, Failure.SCREEN_CUES)
    return replace(
        state,
        phase=Phase.PASSED,
        recent_frontal=(),
        reference_rigid=None,
        reference_identity=None,
        portrait_identity=None,
    )


def _motion_breaks(state: ChallengeState, obs: Observation, now_s: float) -> Failure | None:
    """Frame-to-frame checks: a head neither jumps, nor changes size, nor (inside an action) snaps its yaw."""
    lim = state.limits
    if (
        state.last_centre is not None
        and math.dist(state.last_centre, obs.centre) / obs.face_width > lim.max_jump_widths
    ):
        return Failure.FACE_JUMPED
    if state.last_height is not None and abs(obs.face_height / state.last_height - 1.0) > lim.max_height_step:
        return Failure.FACE_JUMPED
    if _in_action(state) and state.last_yaw is not None and state.last_face_s is not None:
        dt = max(now_s - state.last_face_s, lim.min_frame_s)
        if abs(obs.yaw_deg - state.last_yaw) > lim.max_yaw_rate_deg_s * dt:
            return Failure.BROKEN_MOTION
    return None


def _check_identity(state: ChallengeState, obs: Observation) -> ChallengeState:
    lim = state.limits
    if obs.identity is None:
        return state
    if state.reference_identity is None:
        return replace(state, reference_identity=obs.identity.copy()) if _frontal(obs, lim) else state
    same = _cosine(obs.identity, state.reference_identity)
    if same < lim.min_same_face:
        return _fail(state, Failure.FACE_CHANGED)
    if (
        state.portrait_identity is not None
        and _cosine(obs.identity, state.portrait_identity) < lim.min_same_as_portrait
    ):
        return _fail(state, Failure.FACE_CHANGED)
    checks = state.identity_checks + int(_in_action(state) and _turned(state, obs))
    return replace(state, min_same_face=min(state.min_same_face, same), identity_checks=checks)


def step(state: ChallengeState, obs: Observation, now_s: float) -> ChallengeState:
    """Advance the challenge by one observation made at `now_s` (monotonic seconds)."""
    if state.done:
        return state
    lim = state.limits
    if now_s >= state.deadline_s:
        return _fail(state, Failure.TIMEOUT)
    if obs.faces == 0:
        if _in_action(state) and state.actions[state.index] is not Action.BLINK:
            return _fail(state, Failure.BROKEN_MOTION)  # a turn is judged whole: the face must be seen throughout
        if state.last_face_s is not None and now_s - state.last_face_s > lim.max_face_lost_s:
            return _fail(state, Failure.FACE_LOST)
        return state
    if obs.faces > 1:
        return _fail(state, Failure.MULTIPLE_FACES)
    broken = _motion_breaks(state, obs, now_s)
    if broken is not None:
        return _fail(state, broken)
    state = replace(
        state,
        last_face_s=now_s,
        last_centre=obs.centre,
        last_height=obs.face_height,
        last_yaw=obs.yaw_deg,
        frames=state.frames + 1,
        cue_frames=state.cue_frames + int(obs.screen_cues),
    )
    state = _check_identity(state, obs)
    if state.done:
        return state
    action = state.actions[state.index]
    frontal = _frontal(obs, lim)
    turning = _in_action(state) and action is not Action.BLINK
    if frontal and obs.ear >= max(lim.min_open_ear, state.open_ear * lim.blink_closed_ratio):
        # Open-eye baseline: the median of the latest frontal frames that were not closed (robust to mesh jitter).
        ears = (*state.open_ears, obs.ear)[-lim.open_ear_frames :]
        state = replace(state, open_ears=ears, open_ear=float(np.median(ears)))
    if frontal and not turning and obs.rigid is not None:
        state = replace(
            state,
            recent_frontal=(*state.recent_frontal, obs.rigid)[-lim.reference_frames :],
            recent_yaws=(*state.recent_yaws, obs.yaw_deg)[-lim.reference_frames :],
        )
    if state.phase is Phase.SETTLE:
        if frontal and state.open_ear >= lim.min_open_ear and obs.ear >= state.open_ear * lim.blink_open_ratio:
            state = _freeze_reference(replace(state, phase=Phase.ACT))
        return state
    if action is Action.BLINK:
        if state.phase is Phase.ACT:
            closed = frontal and obs.ear < state.open_ear * lim.blink_closed_ratio
            return replace(state, phase=Phase.RETURN) if closed else state
        if not (frontal and obs.ear >= state.open_ear * lim.blink_open_ratio):
            return state
        return _next_action(state)
    # A turn: every frame at or beyond the turn yaw must be non-planar against the frozen reference.
    if _turned(state, obs):
        residual = 0.0
        if obs.rigid is not None and state.reference_rigid is not None:
            residual = affine_residual(state.reference_rigid, obs.rigid)
        state = replace(
            state,
            phase=Phase.RETURN,
            turn_residual=min(state.turn_residual, residual),
            turned_frames=state.turned_frames + 1,
        )
        return state
    if state.phase is Phase.RETURN and frontal and obs.ear >= state.open_ear * lim.blink_open_ratio:
        if state.turn_residual < lim.min_nonplanar_residual:
            return _fail(state, Failure.FLAT_MOTION)
        state = replace(state, min_turn_residual=min(state.min_turn_residual, state.turn_residual))
        if obs.rigid is not None:
            state = replace(state, recent_frontal=(obs.rigid,), recent_yaws=(obs.yaw_deg,))
        return _next_action(state)
    return state


def _next_action(state: ChallengeState) -> ChallengeState:
    if state.index + 1 == len(state.actions):
        return _finish(state)
    return _freeze_reference(replace(state, index=state.index + 1, phase=Phase.ACT))
