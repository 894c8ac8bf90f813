"""A synthetic 468-point mesh: a small 3D head model posed by yaw/pitch/roll, for driving pose, quality and liveness
code without models or photos. Only the mesh indices the kiosk reads are placed; the rest sit at the face centre."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kiosk.face import landmarks as lm
from kiosk.face.pose import PITCH_OFFSET_DEG

EYE_WIDTH = 0.13
OPEN_EAR = 0.30


def _eye(
    cx: float, outer_sign: float, ear: float, contour: tuple[int, ...], ear_idx: tuple[int, ...]
) -> dict[int, tuple[float, float, float]]:
    """Eye points: corners at +-width/2 (outer towards the face side `outer_sign`), lids at +-(EAR*width)/2."""
    half_w = EYE_WIDTH / 2
    half_h = ear * EYE_WIDTH / 2
    pts: dict[int, tuple[float, float, float]] = {}
    n = len(contour)
    for k, idx in enumerate(contour):  # an ellipse for the lid contour (first point = outer corner)
        a = 2 * math.pi * k / n
        pts[idx] = (cx + outer_sign * half_w * math.cos(a), -0.10 - half_h * math.sin(a), 0.10)
    p1, p2, p3, p4, p5, p6 = ear_idx
    pts[p1] = (cx + outer_sign * half_w, -0.10, 0.10)
    pts[p4] = (cx - outer_sign * half_w, -0.10, 0.10)
    for upper, lower, dx in ((p2, p6, 0.35), (p3, p5, -0.35)):
        x = cx + outer_sign * dx * half_w
        pts[upper] = (x, -0.10 - half_h, 0.10)
        pts[lower] = (x, -0.10 + half_h, 0.10)
    return pts


def head_model(ear: float = OPEN_EAR) -> npt.NDArray[np.float64]:
    """468 x 3 model coordinates (x right, y down, z away from the camera), cheek-to-cheek width 1."""
    model = np.zeros((lm.POINTS, 3))
    model[:, 2] = 0.1
    placed: dict[int, tuple[float, float, float]] = {}
    placed.update(_eye(-0.2, -1.0, ear, lm.EYE_IMAGE_LEFT, lm.EAR_IMAGE_LEFT))
    placed.update(_eye(0.2, 1.0, ear, lm.EYE_IMAGE_RIGHT, lm.EAR_IMAGE_RIGHT))
    chin_depth = 1.15 * math.tan(math.radians(PITCH_OFFSET_DEG))  # so that a level model reads pitch 0
    placed.update(
        {
            lm.NOSE_TIP: (0.0, 0.15, -0.25),
            168: (0.0, -0.10, 0.02),
            6: (0.0, 0.0, -0.08),
            lm.CHEEK_IMAGE_LEFT: (-0.5, 0.05, 0.30),
            lm.CHEEK_IMAGE_RIGHT: (0.5, 0.05, 0.30),
            lm.FOREHEAD: (0.0, -0.55, 0.10),
            lm.CHIN: (0.0, 0.60, 0.10 + chin_depth),
            lm.MOUTH_IMAGE_LEFT: (-0.18, 0.38, 0.08),
            lm.MOUTH_IMAGE_RIGHT: (0.18, 0.38, 0.08),
        }
    )
    for idx, p in placed.items():
        model[idx] = p
    return model


def rotation(yaw_deg: float, pitch_deg: float, roll_deg: float) -> npt.NDArray[np.float64]:
    """yaw > 0 turns the nose towards image right (the person's left), pitch > 0 looks down, roll > 0 lowers the
    image-right eye."""
    y, p, r = (math.radians(v) for v in (yaw_deg, pitch_deg, roll_deg))
    ry = np.array([[math.cos(y), 0, -math.sin(y)], [0, 1, 0], [math.sin(y), 0, math.cos(y)]])
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    out: npt.NDArray[np.float64] = rz @ rx @ ry
    return out


def mesh(
    yaw_deg: float = 0.0,
    pitch_deg: float = 0.0,
    roll_deg: float = 0.0,
    *,
    ear: float = OPEN_EAR,
    centre: tuple[float, float] = (320.0, 240.0),
    width_px: float = 180.0,
) -> npt.NDArray[np.float64]:
    """Posed mesh in image pixels (orthographic projection; z kept, in pixels)."""
    pts = head_model(ear) @ rotation(yaw_deg, pitch_deg, roll_deg).T * width_px
    pts[:, 0] += centre[0]
    pts[:, 1] += centre[1]
    return pts


def flat_turn(frontal: npt.NDArray[np.float64], yaw_deg: float) -> npt.NDArray[np.float64]:
    """A printed photo of `frontal` turned about its vertical axis: the picture foreshortens (x scaled by cos yaw,
    an affine map), while a fooled landmark model might still report depth as if the head had turned."""
    out = frontal.copy()
    cx = frontal[:, 0].mean()
    out[:, 0] = cx + (frontal[:, 0] - cx) * math.cos(math.radians(yaw_deg))
    out[:, 2] = mesh(yaw_deg)[:, 2]  # the depth a fooled model would report
    return out


@dataclass(frozen=True)
class Performer:
    """How one synthetic person performs the challenge at the camera: the time from the start of a turn to its peak
    yaw, the peak, the landmark jitter (pixels, per point and frame), the face size, and the rest of their manner."""

    turn_s: float = 0.4
    peak_deg: float = 30.0
    jitter_px: float = 1.0
    width_px: float = 180.0
    hold_s: float = 0.15  # time spent at the peak
    react_s: float = 0.4  # time between a prompt and the start of the movement
    blink_s: float = 0.25  # eyes closing and opening again
    pivot_widths: float = 0.6  # the head turns about the neck, this far behind the face
    rest_yaw_deg: float = 0.0  # the person's "straight ahead"
    rest_pitch_deg: float = 0.0
    sway_px: float = 4.0  # slow drift of the head in the frame


def _cosine_ramp(t: float, duration: float) -> float:
    """0 -> 1 smoothly over `duration` (a head accelerates and brakes)."""
    if t <= 0:
        return 0.0
    if t >= duration:
        return 1.0
    return (1 - math.cos(math.pi * t / duration)) / 2


def _action_profile(kind: str, p: Performer, t: float) -> tuple[float, float]:
    """(yaw offset, ear) at `t` seconds into the action `kind` (blink / turn_left / turn_right)."""
    t -= p.react_s
    if kind == "blink":
        half = p.blink_s / 2
        closing = _cosine_ramp(t, half) - _cosine_ramp(t - half, half)
        return 0.0, OPEN_EAR - (OPEN_EAR - 0.04) * closing
    sign = 1.0 if kind == "turn_left" else -1.0
    out = _cosine_ramp(t, p.turn_s) - _cosine_ramp(t - p.turn_s - p.hold_s, p.turn_s)
    return sign * p.peak_deg * out, OPEN_EAR


def action_duration(kind: str, p: Performer, settle_s: float = 0.3) -> float:
    body = p.blink_s if kind == "blink" else 2 * p.turn_s + p.hold_s
    return p.react_s + body + settle_s


def performance(
    actions: Sequence[str], p: Performer, rng: np.random.Generator, *, fps: float = 30.0, settle_s: float = 0.6
) -> list[npt.NDArray[np.float64]]:
    """Posed meshes, one per camera frame at `fps`: the person looks straight for `settle_s`, then performs each
    action in turn (a smooth turn about the neck, or a blink) and comes back to rest."""
    schedule: list[tuple[str, float]] = [("rest", settle_s)] + [(a, action_duration(a, p)) for a in actions]
    total = sum(d for _, d in schedule)
    out = []
    for k in range(int(total * fps)):
        t = k / fps
        begin = 0.0
        yaw, ear = 0.0, OPEN_EAR
        for kind, duration in schedule:
            if t < begin + duration:
                if kind != "rest":
                    yaw, ear = _action_profile(kind, p, t - begin)
                break
            begin += duration
        yaw += p.rest_yaw_deg
        pitch = p.rest_pitch_deg + 2.0 * math.sin(2 * math.pi * t / 3.1)
        sway = p.sway_px * math.sin(2 * math.pi * t / 4.3)
        shift = p.pivot_widths * p.width_px * math.sin(math.radians(yaw))
        pts = mesh(yaw, pitch, 0.0, ear=ear, centre=(320.0 + sway + shift, 240.0 + sway / 2), width_px=p.width_px)
        pts += rng.normal(0.0, p.jitter_px, size=pts.shape)
        out.append(pts)
    return out
