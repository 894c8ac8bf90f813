"""SFace embedding of an aligned 112 x 112 face: RGB pixels 0..255 in, unit-length 128-d vector out.

SFace was trained on RGB: OpenCV's `FaceRecognizerSF::feature` swaps its BGR input to RGB (`blobFromImage(...,
swapRB=true)`), so the network's input is R, G, B; tests/face/test_embedding.py pins this against the ONNX source."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kiosk.face.alignment import ALIGNED_SIDE
from kiosk.face.imaging import RGB
from kiosk.face.runtime import TfliteModel

EMBEDDING_DIM = 128


class Embedder:
    """Wraps the SFace TFLite model (full int8 or float); int8 input: raw RGB pixels (scale 1, zero point -128)."""

    def __init__(self, model: TfliteModel) -> None:
        if model.input_shape != (1, ALIGNED_SIDE, ALIGNED_SIDE, 3):
            raise ValueError(f"unexpected embedding input {model.input_shape}")
        self.model = model

    def embed(self, aligned_rgb: RGB, *, with_mirror: bool = False) -> npt.NDArray[np.float32]:
        """Unit embedding of the crop; `with_mirror` adds the mirrored crop's (flip test-time augmentation)."""
        vector = self._unit(aligned_rgb)
        if with_mirror:
            vector = _normalised(vector + self._unit(aligned_rgb[:, ::-1]))
        return vector

    def _unit(self, aligned_rgb: RGB) -> npt.NDArray[np.float32]:
        raw = self.model.run_float(aligned_rgb.astype(np.float32)[None])[0].reshape(-1)
        if raw.size != EMBEDDING_DIM:
            raise ValueError(f"unexpected embedding size {raw.size}")
        return _normalised(raw)


def _normalised(v: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    out: npt.NDArray[np.float32] = (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)
    return out


def cosine(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    """Cosine similarity of two embeddings (unit length or not)."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0.0 or nb == 0.0:
        return 0.0
    return float(np.dot(a, b) / (na * nb))
