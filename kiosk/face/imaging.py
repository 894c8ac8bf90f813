"""Pixel operations the pipeline needs (affine warp, letterbox, grey, Laplacian), in numpy and PIL, no OpenCV."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image

from kiosk.face.errors import PortraitUnusable

RGB = npt.NDArray[np.uint8]  # H x W x 3, R,G,B
Affine = npt.NDArray[np.float64]  # 2 x 3, maps source pixel coordinates to destination pixel coordinates


def decode_jpeg(data: bytes) -> RGB:
    """Decode an image held in memory (JPEG, PNG...) to RGB; never touches disk."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()
    except (OSError, ValueError, Image.DecompressionBombError) as e:
        raise PortraitUnusable(f"portrait cannot be decoded: {e}", reason="portrait_undecodable") from e


def invert_affine(matrix: Affine) -> Affine:
    full = np.vstack([matrix, [0.0, 0.0, 1.0]])
    inv: Affine = np.linalg.inv(full)[:2]
    return inv


def apply_affine(matrix: Affine, points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Map N x 2 points through a 2 x 3 affine matrix."""
    pts = np.asarray(points, dtype=np.float64)
    out: npt.NDArray[np.float64] = pts @ matrix[:, :2].T + matrix[:, 2]
    return out


def warp_affine(image: RGB, matrix: Affine, size: tuple[int, int]) -> RGB:
    """Resample `image` so that source point p lands at matrix @ p in an output of `size` (width, height).

    Pixel centres follow the continuous convention (pixel i covers [i, i+1)); outside the image is black.
    """
    inv = invert_affine(matrix)
    # PIL samples the output pixel centre (x + 0.5, y + 0.5) at inv @ (x + 0.5, y + 0.5): same convention.
    data = (inv[0, 0], inv[0, 1], inv[0, 2], inv[1, 0], inv[1, 1], inv[1, 2])
    out = Image.fromarray(image).transform(size, Image.Transform.AFFINE, data, resample=Image.Resampling.BILINEAR)
    return np.asarray(out, dtype=np.uint8)


def letterbox(image: RGB, side: int) -> tuple[RGB, Affine]:
    """Fit `image` into a side x side square, keeping aspect ratio, padding with black; returns the square and the
    affine matrix mapping original pixel coordinates into it."""
    h, w = image.shape[:2]
    scale = side / max(h, w)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    resized = np.asarray(
        Image.fromarray(image).resize((new_w, new_h), Image.Resampling.BILINEAR, reducing_gap=2.0), dtype=np.uint8
    )
    pad_x, pad_y = (side - new_w) // 2, (side - new_h) // 2
    square = np.zeros((side, side, 3), dtype=np.uint8)
    square[pad_y : pad_y + new_h, pad_x : pad_x + new_w] = resized
    matrix: Affine = np.array([[new_w / w, 0.0, pad_x], [0.0, new_h / h, pad_y]], dtype=np.float64)
    return square, matrix


def grey(image: RGB) -> npt.NDArray[np.float32]:
    """Luma (ITU-R BT.601) as float32 0..255."""
    rgb = image.astype(np.float32)
    out: npt.NDArray[np.float32] = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
    return out


def laplacian_variance(gray: npt.NDArray[np.float32]) -> float:
    """Variance of the 4-neighbour Laplacian over the interior: the usual focus/sharpness measure."""
    g = gray.astype(np.float32)
    lap = g[1:-1, :-2] + g[1:-1, 2:] + g[:-2, 1:-1] + g[2:, 1:-1] - 4.0 * g[1:-1, 1:-1]
    return float(lap.var())


def degrade_like_chip(image: RGB, face_width_px: float, *, target_face_px: int = 64, jpeg_quality: int = 40) -> RGB:
    """Imitate a card-chip portrait: downscale so the face is ~target_face_px wide, then JPEG-compress in memory."""
    factor = min(1.0, target_face_px / max(face_width_px, 1.0))
    h, w = image.shape[:2]
    small = Image.fromarray(image).resize(
        (max(1, round(w * factor)), max(1, round(h * factor))), Image.Resampling.BILINEAR, reducing_gap=2.0
    )
    buf = io.BytesIO()
    small.save(buf, format="JPEG", quality=jpeg_quality)
    return decode_jpeg(buf.getvalue())
