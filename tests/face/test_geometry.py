"""Alignment geometry, anchors, box decoding, NMS and the pixel helpers, without models."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image

from kiosk.face.alignment import ALIGNED_SIDE, TEMPLATE, align, alignment_matrix, jittered, umeyama
from kiosk.face.detection import INPUT_SIDE, anchors, decode, weighted_nms
from kiosk.face.errors import PortraitUnusable
from kiosk.face.imaging import apply_affine, decode_jpeg, degrade_like_chip, laplacian_variance, letterbox, warp_affine


def similarity(scale: float, angle_deg: float, tx: float, ty: float) -> np.ndarray:
    a = math.radians(angle_deg)
    return np.array([[scale * math.cos(a), -scale * math.sin(a), tx], [scale * math.sin(a), scale * math.cos(a), ty]])


@pytest.mark.parametrize(
    ("scale", "angle", "tx", "ty"), [(1.0, 0.0, 0.0, 0.0), (3.7, 25.0, -40.0, 12.5), (0.4, -170.0, 5, 9)]
)
def test_umeyama_recovers_an_exact_similarity(scale: float, angle: float, tx: float, ty: float) -> None:
    m = similarity(scale, angle, tx, ty)
    src = np.array([[10.0, 20.0], [50.0, 22.0], [31.0, 40.0], [15.0, 61.0], [47.0, 60.0]])
    est = umeyama(src, apply_affine(m, src))
    assert np.allclose(est, m, atol=1e-9)


def test_umeyama_never_reflects() -> None:
    mirrored = TEMPLATE * np.array([-1.0, 1.0])
    est = umeyama(mirrored, TEMPLATE)
    assert np.linalg.det(est[:, :2]) > 0  # a rotation and scale, never a flip


def test_umeyama_rejects_degenerate_points() -> None:
    with pytest.raises(ValueError):
        umeyama(np.ones((5, 2)), TEMPLATE)
    with pytest.raises(ValueError):
        umeyama(np.ones((4, 2)), TEMPLATE)


def dot_image(points: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Black image with a bright 5 x 5 square centred on each point (continuous pixel coordinates)."""
    img = np.zeros((size[1], size[0], 3), dtype=np.uint8)
    for x, y in points:
        xi, yi = int(x), int(y)
        img[yi - 2 : yi + 3, xi - 2 : xi + 3] = 255
    return img


def centroids(img: np.ndarray, near: np.ndarray, radius: int = 8) -> np.ndarray:
    g = img[..., 0].astype(np.float64)
    out = []
    for x, y in near:
        x0, y0 = max(int(x) - radius, 0), max(int(y) - radius, 0)
        win = g[y0 : int(y) + radius, x0 : int(x) + radius]
        ys, xs = np.mgrid[y0 : y0 + win.shape[0], x0 : x0 + win.shape[1]]
        out.append([(xs * win).sum() / win.sum() + 0.5, (ys * win).sum() / win.sum() + 0.5])
    return np.array(out)


def test_align_puts_the_five_points_on_the_template() -> None:
    m = similarity(4.2, 17.0, 210.0, 95.0)  # the face is 4.2x larger than the template, rolled 17 degrees
    five = apply_affine(m, TEMPLATE)
    five = np.floor(five) + 0.5  # dots are drawn on whole pixels
    aligned = align(dot_image(five, (640, 640)), five)
    assert aligned.shape == (ALIGNED_SIDE, ALIGNED_SIDE, 3)
    found = centroids(aligned, TEMPLATE)
    assert np.abs(found - TEMPLATE).max() < 0.75


def test_alignment_matrix_is_inverse_of_the_face_pose() -> None:
    m = similarity(2.0, -30.0, 100.0, 50.0)
    est = alignment_matrix(apply_affine(m, TEMPLATE))
    assert np.allclose(apply_affine(est, apply_affine(m, TEMPLATE)), TEMPLATE, atol=1e-9)


def test_warp_affine_translation_moves_pixels() -> None:
    img = np.zeros((20, 20, 3), dtype=np.uint8)
    img[5, 7] = (255, 0, 0)
    out = warp_affine(img, np.array([[1.0, 0.0, 3.0], [0.0, 1.0, 2.0]]), (20, 20))
    assert tuple(out[7, 10]) == (255, 0, 0)
    assert out[5, 7].sum() == 0


def test_letterbox_keeps_aspect_and_maps_corners() -> None:
    img = np.full((100, 200, 3), 200, dtype=np.uint8)
    square, m = letterbox(img, INPUT_SIDE)
    assert square.shape == (INPUT_SIDE, INPUT_SIDE, 3)
    corners = apply_affine(m, np.array([[0.0, 0.0], [200.0, 100.0]]))
    assert np.allclose(corners, [[0, 32], [128, 96]])
    assert square[:32].max() == 0 and square[96:].max() == 0 and square[40:90].min() == 200


def test_anchor_layout_matches_blazeface_short_range() -> None:
    a = anchors()
    assert a.shape == (896, 2)
    assert np.allclose(a[0], [0.5 / 16, 0.5 / 16]) and np.allclose(a[1], a[0])  # two anchors per 16x16 cell
    assert np.allclose(a[2], [1.5 / 16, 0.5 / 16])
    assert np.allclose(a[512], [0.5 / 8, 0.5 / 8]) and np.allclose(a[512:518], a[512])  # six per 8x8 cell
    assert np.allclose(a[-1], [7.5 / 8, 7.5 / 8])


def test_decode_applies_anchor_offsets_and_sigmoid() -> None:
    reg = np.zeros((1, 896, 16), dtype=np.float32)
    logits = np.full((1, 896, 1), -10.0, dtype=np.float32)
    i = 600
    reg[0, i, :4] = [12.8, -6.4, 32.0, 64.0]  # dx, dy (+0.1, -0.05), w 0.25, h 0.5 of the input square
    reg[0, i, 4:6] = [6.4, 0.0]
    logits[0, i, 0] = 2.0
    boxes, scores, kps = decode(reg, logits, 0.5)
    assert len(scores) == 1 and scores[0] == pytest.approx(1 / (1 + math.exp(-2.0)))
    cx, cy = anchors()[i] + [0.1, -0.05]
    assert np.allclose(boxes[0], [cx - 0.125, cy - 0.25, cx + 0.125, cy + 0.25], atol=1e-6)
    assert np.allclose(kps[0, 0], anchors()[i] + [0.05, 0.0], atol=1e-6)


def test_weighted_nms_merges_a_cluster_and_keeps_a_separate_face() -> None:
    boxes = np.array([[0.1, 0.1, 0.3, 0.3], [0.12, 0.1, 0.32, 0.3], [0.6, 0.6, 0.8, 0.8]])
    scores = np.array([0.9, 0.6, 0.8])
    kps = np.zeros((3, 6, 2))
    faces = weighted_nms(boxes, scores, kps, 0.3)
    assert len(faces) == 2
    merged, score, _ = faces[0]
    assert score == 0.9
    assert merged[0] == pytest.approx((0.1 * 0.9 + 0.12 * 0.6) / 1.5)
    assert np.allclose(faces[1][0], boxes[2])


def test_laplacian_variance_falls_with_blur() -> None:
    rng = np.random.default_rng(3)
    sharp = rng.integers(0, 255, (64, 64)).astype(np.float32)
    blurred = (sharp + np.roll(sharp, 1, 0) + np.roll(sharp, 1, 1) + np.roll(sharp, (1, 1), (0, 1))) / 4
    assert laplacian_variance(np.zeros((8, 8), np.float32)) == 0.0
    assert laplacian_variance(blurred.astype(np.float32)) < laplacian_variance(sharp) / 3


def test_decode_jpeg_in_memory_and_typed_error() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 200, 30)).save(buf, format="JPEG")
    img = decode_jpeg(buf.getvalue())
    assert img.shape == (20, 30, 3) and abs(int(img[10, 15, 1]) - 200) < 5
    with pytest.raises(PortraitUnusable):
        decode_jpeg(b"not a jpeg")


def test_degrade_like_chip_shrinks_to_the_face_size() -> None:
    img = np.full((400, 300, 3), 128, dtype=np.uint8)
    small = degrade_like_chip(img, face_width_px=200.0, target_face_px=64)
    assert small.shape == (128, 96, 3)


def test_models_can_be_shared_between_worker_threads() -> None:
    """A stale journey's worker and the next journey's may use the same models at once: results stay exact."""
    from concurrent.futures import ThreadPoolExecutor

    from kiosk.face.embedding import Embedder
    from kiosk.face.runtime import TfliteModel
    from kiosk.models import EMBEDDING, verified_path

    embedder = Embedder(TfliteModel(verified_path(EMBEDDING["int8"])))
    rng = np.random.default_rng(5)
    faces = [rng.integers(0, 255, (ALIGNED_SIDE, ALIGNED_SIDE, 3), dtype=np.uint8) for _ in range(6)]
    expected = [embedder.embed(f) for f in faces]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(embedder.embed, faces * 4))
    assert all(np.array_equal(g, expected[i % len(faces)]) for i, g in enumerate(got))


def test_jittered_alignments_place_the_face_a_pixel_off_each_way() -> None:
    five = TEMPLATE * 2.0 + 30.0  # a face twice the template's size, shifted
    base = alignment_matrix(five)
    mats = jittered(base, 5)
    assert len(mats) == 5 and np.array_equal(mats[0], base)
    moved = {tuple(np.round(apply_affine(m, five[:1])[0] - TEMPLATE[0], 6)) for m in mats}
    assert moved == {(0.0, 0.0), (1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)}
    assert len(jittered(base, 99)) == 9 and len(jittered(base, 0)) == 1
