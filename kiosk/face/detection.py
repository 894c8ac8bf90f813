"""BlazeFace short-range detection: anchors, box/keypoint decoding and weighted NMS, our own numpy code."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from kiosk.face.imaging import RGB, apply_affine, invert_affine, letterbox
from kiosk.face.runtime import TfliteModel

INPUT_SIDE = 128
# MediaPipe face_detection_short_range: 4 SSD layers, strides 8,16,16,16; two anchors per cell per layer
# (aspect ratio 1 plus the interpolated scale), fixed unit anchor size: 16*16*2 + 8*8*6 = 896 anchors.
STRIDES = (8, 16, 16, 16)
RAW_SCORE_CLIP = 100.0
KEYPOINTS = 6  # right eye, left eye, nose tip, mouth centre, right ear tragion, left ear tragion (subject's sides)


@lru_cache(maxsize=1)
def anchors() -> npt.NDArray[np.float32]:
    """Anchor centres (x, y) in normalized input coordinates, in the model's output order."""
    rows: list[npt.NDArray[np.float32]] = []
    layer = 0
    while layer < len(STRIDES):
        stride = STRIDES[layer]
        same = 0
        while layer + same < len(STRIDES) and STRIDES[layer + same] == stride:
            same += 1
        per_cell = 2 * same
        cells = INPUT_SIDE // stride
        ys, xs = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
        centres = np.stack([(xs.ravel() + 0.5) / cells, (ys.ravel() + 0.5) / cells], axis=1).astype(np.float32)
        rows.append(np.repeat(centres, per_cell, axis=0))
        layer += same
    return np.concatenate(rows, axis=0)


@dataclass(frozen=True)
class Detection:
    """One face in image pixel coordinates: box (x0, y0, x1, y1), score 0..1, six keypoints (x, y)."""

    box: tuple[float, float, float, float]
    score: float
    keypoints: npt.NDArray[np.float64]  # 6 x 2

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def centre(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2


def decode(
    regressors: npt.NDArray[np.float32], logits: npt.NDArray[np.float32], min_score: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Raw outputs -> (boxes N x 4 as x0,y0,x1,y1, scores N, keypoints N x 6 x 2), normalized to the input square."""
    reg = regressors.reshape(-1, 4 + 2 * KEYPOINTS).astype(np.float64)
    raw = np.clip(logits.reshape(-1).astype(np.float64), -RAW_SCORE_CLIP, RAW_SCORE_CLIP)
    scores = 1.0 / (1.0 + np.exp(-raw))
    keep = scores >= min_score
    reg, scores = reg[keep], scores[keep]
    anc = anchors()[keep].astype(np.float64)
    centre = reg[:, 0:2] / INPUT_SIDE + anc
    half = reg[:, 2:4] / INPUT_SIDE / 2.0
    boxes = np.concatenate([centre - half, centre + half], axis=1)
    kps = reg[:, 4:].reshape(-1, KEYPOINTS, 2) / INPUT_SIDE + anc[:, None, :]
    return boxes, scores, kps


def iou(box: npt.NDArray[np.float64], others: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    out: npt.NDArray[np.float64] = inter / np.maximum(area + areas - inter, 1e-12)
    return out


def weighted_nms(
    boxes: npt.NDArray[np.float64],
    scores: npt.NDArray[np.float64],
    keypoints: npt.NDArray[np.float64],
    iou_threshold: float = 0.3,
) -> list[tuple[npt.NDArray[np.float64], float, npt.NDArray[np.float64]]]:
    """MediaPipe's WEIGHTED suppression: each cluster (IoU > threshold with its best box) is replaced by the
    score-weighted mean of its boxes and keypoints; the cluster keeps its best score."""
    order = np.argsort(-scores)
    boxes, scores, keypoints = boxes[order], scores[order], keypoints[order]
    remaining = np.ones(len(scores), dtype=bool)
    out = []
    for i in range(len(scores)):
        if not remaining[i]:
            continue
        overlap = iou(boxes[i], boxes) > iou_threshold
        members = overlap & remaining
        members[i] = True
        w = scores[members]
        box = (boxes[members] * w[:, None]).sum(axis=0) / w.sum()
        kps = (keypoints[members] * w[:, None, None]).sum(axis=0) / w.sum()
        out.append((box, float(scores[i]), kps))
        remaining &= ~members
    return out


class FaceDetector:
    """BlazeFace short-range over a letterboxed 128 x 128 copy of the frame; faces sorted by score."""

    def __init__(self, model: TfliteModel, *, min_score: float = 0.75, iou_threshold: float = 0.3) -> None:
        if model.input_shape != (1, INPUT_SIDE, INPUT_SIDE, 3):
            raise ValueError(f"unexpected detector input {model.input_shape}")
        self.model = model
        self.min_score = min_score
        self.iou_threshold = iou_threshold

    def preprocess(self, image: RGB) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float64]]:
        square, to_square = letterbox(image, INPUT_SIDE)
        tensor = (square.astype(np.float32) / 127.5 - 1.0)[None]
        return tensor, to_square

    def detect(self, image: RGB, *, min_score: float | None = None) -> list[Detection]:
        tensor, to_square = self.preprocess(image)
        regressors, logits = self.model.run_float(tensor)[:2]
        if regressors.shape[-1] != 4 + 2 * KEYPOINTS:  # output order is by name in some converters
            regressors, logits = logits, regressors
        boxes, scores, kps = decode(regressors, logits, self.min_score if min_score is None else min_score)
        back = invert_affine(to_square)
        faces = []
        for box, score, points in weighted_nms(boxes, scores, kps, self.iou_threshold):
            corners = apply_affine(back, box.reshape(2, 2) * INPUT_SIDE)
            pts = apply_affine(back, points * INPUT_SIDE)
            faces.append(Detection((corners[0, 0], corners[0, 1], corners[1, 0], corners[1, 1]), score, pts))
        faces.sort(key=lambda d: -d.score)
        return faces
