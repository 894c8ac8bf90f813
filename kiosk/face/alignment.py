"""5-point similarity alignment (Umeyama) onto the 112 x 112 ArcFace/SFace template."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kiosk.face.imaging import RGB, Affine, apply_affine, invert_affine, warp_affine

ALIGNED_SIDE = 112
FACE_REGION = (16, 24, 96, 112)  # x0, y0, x1, y1 of the aligned crop from brows to chin, cheek to cheek
# The usual ArcFace template (also OpenCV's FaceRecognizerSF.alignCrop): image-left eye, image-right eye, nose tip,
# mouth image-left corner, mouth image-right corner, in 112 x 112 pixel coordinates.
TEMPLATE: npt.NDArray[np.float64] = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float64,
)


def umeyama(src: npt.NDArray[np.float64], dst: npt.NDArray[np.float64]) -> Affine:
    """Least-squares similarity (rotation, uniform scale, translation; no reflection) mapping src onto dst."""
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2 or len(src) < 2:
        raise ValueError(f"need two matching N x 2 point sets, got {src.shape} and {dst.shape}")
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    cov = dst_c.T @ src_c / len(src)
    u, sigma, vt = np.linalg.svd(cov)
    d = np.ones(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        d[-1] = -1.0
    rotation = u @ np.diag(d) @ vt
    var_src = (src_c**2).sum() / len(src)
    if var_src <= 1e-12:
        raise ValueError("degenerate source points")
    scale = float((sigma * d).sum() / var_src)
    translation = dst_mean - scale * rotation @ src_mean
    out: Affine = np.hstack([scale * rotation, translation[:, None]])
    return out


def alignment_matrix(five: npt.NDArray[np.float64]) -> Affine:
    """Similarity mapping the five points (template order) of a face onto the template."""
    return umeyama(five, TEMPLATE)


# Shifts (x, y in aligned-crop pixels) of the alignments a portrait's embedding averages: the landmarks of a small
# JPEG face are uncertain by about a pixel of the crop, so the template should not rest on one exact placement.
JITTER_PX: tuple[tuple[int, int], ...] = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1), (1, -1), (-1, 1))


def jittered(matrix: Affine, count: int) -> list[Affine]:
    """`matrix` followed by copies shifted by the next `count - 1` offsets of JITTER_PX (at most 9 in all)."""
    out = []
    for dx, dy in JITTER_PX[: max(1, count)]:
        shifted = matrix.copy()
        shifted[:, 2] += (dx, dy)
        out.append(shifted)
    return out


def align(image: RGB, five: npt.NDArray[np.float64]) -> RGB:
    """The 112 x 112 RGB face crop the embedding model expects."""
    return warp_affine(image, alignment_matrix(five), (ALIGNED_SIDE, ALIGNED_SIDE))


def crop_inside_fraction(matrix: Affine, image_size: tuple[int, int], region: tuple[int, int, int, int]) -> float:
    """Share of the aligned crop's `region` (x0, y0, x1, y1 in crop pixels) whose source lies inside an image of
    `image_size` (width, height): below 1 the warp filled part of the face with black."""
    x0, y0, x1, y1 = region
    ys, xs = np.mgrid[y0:y1:2, x0:x1:2].astype(np.float64) + 0.5
    source = apply_affine(invert_affine(matrix), np.stack([xs.ravel(), ys.ravel()], axis=1))
    width, height = image_size
    inside = (source[:, 0] >= 0) & (source[:, 0] < width) & (source[:, 1] >= 0) & (source[:, 1] < height)
    return float(inside.mean())
