"""Quality gates before matching, each failure a guidance code the screens translate (Thai and English).

A pure function of what the detector and landmark model found: tests drive it with synthetic detections.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from kiosk.face.detection import Detection
from kiosk.face.imaging import RGB, grey, laplacian_variance
from kiosk.face.landmarks import Landmarks
from kiosk.face.pose import Pose, head_pose


class Hint(StrEnum):
    """Stable guidance codes, in the order a person should fix them."""

    NO_FACE = "no_face"
    MULTIPLE_FACES = "multiple_faces"
    FACE_UNCLEAR = "face_unclear"
    MOVE_CLOSER = "move_closer"
    MOVE_BACK = "move_back"
    CENTRE_FACE = "center"  # the code the screens already use
    LOOK_STRAIGHT = "look_straight"
    LEVEL_HEAD = "level_head"
    HOLD_STILL = "hold_still"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"


@dataclass(frozen=True)
class QualityLimits:
    """Thresholds of the gates; defaults measured on ../shared/faces and synthetic blur (see bench/eval_face.py)."""

    min_face_px: float = 100.0  # detection box width; BlazeFace short-range finds faces down to ~70 px in 640 x 480
    max_face_fraction: float = 0.85  # box height over frame height
    max_centre_offset: float = 0.25  # face centre from frame centre, as a fraction of frame width/height
    max_yaw_deg: float = 20.0
    max_pitch_deg: float = 20.0
    max_roll_deg: float = 15.0
    min_sharpness: float = 60.0  # Laplacian variance of the aligned grey face; Gaussian blur sigma 2 at 150 px: 20-54
    min_brightness: float = 60.0  # mean luma of the aligned face's central region, 0..255
    max_brightness: float = 205.0
    max_clipped_fraction: float = 0.2  # share of the central region at >= 250
    min_landmark_score: float = 0.5
    other_face_ratio: float = 0.5  # another face counts if its box is at least this fraction of the largest's width
    # one detection score for probes and portraits alike (the landmark score gates unclear faces after it)
    min_detection_score: float = 0.5
    comparable_face_ratio: float = 0.8  # two faces whose choice keys are this close: which one is meant is unclear
    min_crop_inside: float = 0.85  # share of the aligned crop's face region (eyes to chin) that must lie in the image


@dataclass(frozen=True)
class Quality:
    ok: bool
    hints: tuple[Hint, ...]
    detection: Detection | None = None
    landmarks: Landmarks | None = None
    pose: Pose | None = None
    sharpness: float = 0.0
    brightness: float = 0.0
    centre_offset: tuple[float, float] = (0.0, 0.0)  # (x, y) of the face centre from the frame centre, fraction


def central_region(aligned: RGB) -> npt.NDArray[np.float32]:
    """The aligned face's inner part (eyes to mouth), where background and hair do not count."""
    g = grey(aligned)
    return g[28:104, 24:88]


def relevant_faces(detections: list[Detection], ratio: float) -> list[Detection]:
    if not detections:
        return []
    largest = max(d.width for d in detections)
    return [d for d in detections if d.width >= ratio * largest]


def choice_key(face: Detection, frame_size: tuple[int, int]) -> float:
    """Width discounted by the distance from the frame centre (1 at the centre, 0 at a corner): the citizen stands
    in front of the camera, a bystander behind is smaller or off to the side."""
    width, height = frame_size
    cx, cy = face.centre
    distance = float(np.hypot(cx - width / 2, cy - height / 2) / max(np.hypot(width / 2, height / 2), 1e-9))
    return face.width * max(0.0, 1.0 - distance)


def choose_face(
    detections: list[Detection], frame_size: tuple[int, int], limits: QualityLimits = QualityLimits()
) -> tuple[Detection | None, bool]:
    """(the face meant, ambiguous): the relevant face with the best `choice_key`; ambiguous when another relevant
    face comes within `comparable_face_ratio` of it, so that neither can be chosen with confidence."""
    faces = relevant_faces(detections, limits.other_face_ratio)
    if not faces:
        return None, False
    keyed = sorted(((choice_key(f, frame_size), i) for i, f in enumerate(faces)), reverse=True)
    best_key, best = keyed[0]
    ambiguous = len(keyed) > 1 and keyed[1][0] >= limits.comparable_face_ratio * best_key
    return faces[best], ambiguous


def assess_quality(
    frame_size: tuple[int, int],
    detections: list[Detection],
    landmarks: Landmarks | None,
    aligned: RGB | None,
    limits: QualityLimits = QualityLimits(),
) -> Quality:
    """Gate one frame; `frame_size` is (width, height); `landmarks` and `aligned` belong to the face `choose_face`
    picks."""
    faces = relevant_faces(detections, limits.other_face_ratio)
    primary, _ = choose_face(detections, frame_size, limits)
    if primary is None:
        return Quality(False, (Hint.NO_FACE,))
    hints: list[Hint] = []
    if len(faces) > 1:
        hints.append(Hint.MULTIPLE_FACES)
    if landmarks is None or aligned is None or landmarks.face_score < limits.min_landmark_score:
        hints.append(Hint.FACE_UNCLEAR)
        return Quality(False, tuple(hints), primary, landmarks)
    width, height = frame_size
    if primary.width < limits.min_face_px:
        hints.append(Hint.MOVE_CLOSER)
    elif primary.height > limits.max_face_fraction * height:
        hints.append(Hint.MOVE_BACK)
    cx, cy = primary.centre
    offset = (cx / width - 0.5, cy / height - 0.5)
    if max(abs(offset[0]), abs(offset[1])) > limits.max_centre_offset:
        hints.append(Hint.CENTRE_FACE)
    pose = head_pose(landmarks.points)
    if abs(pose.yaw_deg) > limits.max_yaw_deg or abs(pose.pitch_deg) > limits.max_pitch_deg:
        hints.append(Hint.LOOK_STRAIGHT)
    if abs(pose.roll_deg) > limits.max_roll_deg:
        hints.append(Hint.LEVEL_HEAD)
    sharpness = laplacian_variance(grey(aligned))
    if sharpness < limits.min_sharpness:
        hints.append(Hint.HOLD_STILL)
    centre = central_region(aligned)
    brightness = float(centre.mean())
    clipped = float((centre >= 250).mean())
    if brightness < limits.min_brightness:
        hints.append(Hint.TOO_DARK)
    elif brightness > limits.max_brightness or clipped > limits.max_clipped_fraction:
        hints.append(Hint.TOO_BRIGHT)
    return Quality(not hints, tuple(hints), primary, landmarks, pose, sharpness, brightness, offset)
