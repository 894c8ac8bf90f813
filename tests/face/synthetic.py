"""A synthetic 468-point mesh: a small 3D head model posed by yaw/pitch/roll, for driving pose, quality and liveness
code without models or photos. Only the mesh indices the kiosk reads are placed; the rest sit at the face centre."""

from __future__ import annotations

import math

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
