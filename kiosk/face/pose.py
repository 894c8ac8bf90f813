"""Head pose (yaw, pitch, roll in degrees) and eye openness (eye aspect ratio) from the 468-point mesh.

Conventions, for an unmirrored camera image: yaw > 0 when the person turns to THEIR left (nose towards image right),
pitch > 0 when they look down, roll > 0 when their head tilts so the image-right eye is lower.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kiosk.face.landmarks import (
    CHEEK_IMAGE_LEFT,
    CHEEK_IMAGE_RIGHT,
    CHIN,
    EAR_IMAGE_LEFT,
    EAR_IMAGE_RIGHT,
    EYE_IMAGE_LEFT,
    EYE_IMAGE_RIGHT,
    FOREHEAD,
)

# On level heads the mesh puts the chin point behind the forehead point: median pitch of ../shared/faces (61 photos).
PITCH_OFFSET_DEG = 8.0


@dataclass(frozen=True)
class Pose:
    yaw_deg: float
    pitch_deg: float
    roll_deg: float


def _angle(a: float, b: float) -> float:
    return math.degrees(math.atan2(a, b))


def head_pose(points: npt.NDArray[np.float64]) -> Pose:
    """Pose from the 3D mesh: the cheek-to-cheek and forehead-to-chin vectors after removing roll."""
    eye_l = points[list(EYE_IMAGE_LEFT), :2].mean(axis=0)
    eye_r = points[list(EYE_IMAGE_RIGHT), :2].mean(axis=0)
    roll = math.atan2(eye_r[1] - eye_l[1], eye_r[0] - eye_l[0])
    c, s = math.cos(-roll), math.sin(-roll)
    level = points.copy()
    level[:, 0] = points[:, 0] * c - points[:, 1] * s
    level[:, 1] = points[:, 0] * s + points[:, 1] * c
    across = level[CHEEK_IMAGE_RIGHT] - level[CHEEK_IMAGE_LEFT]
    down = level[CHIN] - level[FOREHEAD]
    yaw = _angle(across[2], across[0])
    pitch = _angle(down[2], down[1]) - PITCH_OFFSET_DEG
    return Pose(yaw_deg=yaw, pitch_deg=pitch, roll_deg=math.degrees(roll))


def eye_aspect_ratio(points: npt.NDArray[np.float64]) -> float:
    """Mean eye aspect ratio of both eyes (lid gaps over eye width): about 0.25-0.35 open, below ~0.15 closed."""
    ratios = []
    for p1, p2, p3, p4, p5, p6 in (EAR_IMAGE_LEFT, EAR_IMAGE_RIGHT):
        pts = points[:, :2]
        width = float(np.linalg.norm(pts[p1] - pts[p4]))
        gaps = float(np.linalg.norm(pts[p2] - pts[p6]) + np.linalg.norm(pts[p3] - pts[p5]))
        ratios.append(gaps / (2.0 * max(width, 1e-6)))
    return float(np.mean(ratios))
