"""The 468-point face mesh: rotated ROI from a detection, model run, mapping back, and the named points we use."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kiosk.face.detection import Detection
from kiosk.face.imaging import RGB, Affine, warp_affine
from kiosk.face.runtime import TfliteModel

INPUT_SIDE = 192
ROI_SCALE = 1.5  # MediaPipe's face-landmark ROI: the detection box grown 1.5x, squared, rotated to level the eyes
POINTS = 468

# Indices into the 468-point mesh. "image-left" is the subject's right side in an unmirrored camera image.
EYE_IMAGE_LEFT = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
EYE_IMAGE_RIGHT = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
EYE_CORNERS_IMAGE_LEFT = (33, 133)
EYE_CORNERS_IMAGE_RIGHT = (362, 263)
NOSE_TIP = 1
MOUTH_IMAGE_LEFT = 61
MOUTH_IMAGE_RIGHT = 291
CHEEK_IMAGE_LEFT = 234
CHEEK_IMAGE_RIGHT = 454
FOREHEAD = 10
CHIN = 152
# Eye-aspect-ratio points (p1..p6: outer corner, two upper lid, inner corner, two lower lid) per eye.
EAR_IMAGE_LEFT = (33, 160, 158, 133, 153, 144)
EAR_IMAGE_RIGHT = (263, 387, 385, 362, 380, 373)


@dataclass(frozen=True)
class Landmarks:
    """468 points (x, y in image pixels; z depth in the same unit, smaller = nearer) and the model's face score."""

    points: npt.NDArray[np.float64]  # 468 x 3
    face_score: float

    def five(self) -> npt.NDArray[np.float64]:
        """Alignment points in template order: image-left eye, image-right eye, nose tip, mouth image-left, right."""
        return five_points(self.points)


def five_points(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Eye centres are the midpoints of the eye corners (steady while blinking; on ../shared/faces they separated
    genuine from impostor pairs better than the mean of the lid contour)."""
    p = points[:, :2]
    return np.stack(
        [
            (p[EYE_CORNERS_IMAGE_LEFT[0]] + p[EYE_CORNERS_IMAGE_LEFT[1]]) / 2,
            (p[EYE_CORNERS_IMAGE_RIGHT[0]] + p[EYE_CORNERS_IMAGE_RIGHT[1]]) / 2,
            p[NOSE_TIP],
            p[MOUTH_IMAGE_LEFT],
            p[MOUTH_IMAGE_RIGHT],
        ]
    )


def roi_affine(detection: Detection) -> Affine:
    """The affine map from image pixels into the 192 x 192 landmark input: centred on the box, eyes level."""
    eye_a, eye_b = detection.keypoints[0], detection.keypoints[1]
    angle = math.atan2(eye_b[1] - eye_a[1], eye_b[0] - eye_a[0])
    cx, cy = detection.centre
    side = max(detection.width, detection.height) * ROI_SCALE
    s = INPUT_SIDE / max(side, 1e-6)
    cos, sin = math.cos(-angle) * s, math.sin(-angle) * s
    half = INPUT_SIDE / 2
    return np.array(
        [[cos, -sin, half - cos * cx + sin * cy], [sin, cos, half - sin * cx - cos * cy]],
        dtype=np.float64,
    )


class LandmarkModel:
    """Runs face_landmark.tflite on the ROI of one detection and maps the mesh back into image coordinates."""

    def __init__(self, model: TfliteModel) -> None:
        if model.input_shape != (1, INPUT_SIDE, INPUT_SIDE, 3):
            raise ValueError(f"unexpected landmark input {model.input_shape}")
        self.model = model

    def crop(self, image: RGB, detection: Detection) -> tuple[RGB, Affine]:
        matrix = roi_affine(detection)
        return warp_affine(image, matrix, (INPUT_SIDE, INPUT_SIDE)), matrix

    def landmarks(self, image: RGB, detection: Detection) -> Landmarks:
        patch, matrix = self.crop(image, detection)
        outputs = self.model.run_float((patch.astype(np.float32) / 255.0)[None])
        mesh = next(o for o in outputs if o.size == POINTS * 3).reshape(POINTS, 3).astype(np.float64)
        flag = next(o for o in outputs if o.size == 1)
        score = float(1.0 / (1.0 + math.exp(-float(np.clip(flag.reshape(-1)[0], -100.0, 100.0)))))
        linear = matrix[:, :2]
        scale = math.sqrt(abs(np.linalg.det(linear)))
        inv_linear = np.linalg.inv(linear)
        xy = (mesh[:, :2] - matrix[:, 2]) @ inv_linear.T
        z = mesh[:, 2:3] / scale
        return Landmarks(np.concatenate([xy, z], axis=1), score)
