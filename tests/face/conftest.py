"""Face test fixtures: the committed int8 models (loaded once) and the photos of ../shared/faces as frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kiosk.face.verifier import FaceModels, FaceVerifier


@pytest.fixture(scope="session")
def int8_models() -> FaceModels:
    return FaceModels.load("int8")


@pytest.fixture
def verifier(int8_models: FaceModels) -> FaceVerifier:
    return FaceVerifier(int8_models)


def load_frame(path: Path, max_side: int = 640) -> np.ndarray:
    """A photo scaled like a camera frame (longest side `max_side`), as RGB uint8."""
    with Image.open(path) as src:
        im = src.convert("RGB")
    im.thumbnail((max_side, max_side))
    return np.asarray(im, dtype=np.uint8).copy()
