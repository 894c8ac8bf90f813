"""Cheap per-frame image cues of a picture held up to the camera: moire (screen pixels) and straight frame edges.

Cues, not proof: they feed the liveness challenge (`Observation.screen_cues`), which fails only when most frames
show them. LIVENESS.md records how they were measured and what they miss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kiosk.face.detection import Detection
from kiosk.face.imaging import RGB, grey


@dataclass(frozen=True)
class CueLimits:
    max_moire_peak: float = 40.0  # strongest high-frequency peak over the band's median magnitude
    edge_gradient: float = 24.0  # grey-level step that counts as an edge pixel
    min_line_fraction: float = 0.8  # share of a side's span a straight edge must cover
    min_line_sides: int = 2  # sides (left, right, top, bottom of the face) with such an edge
    max_tilt_deg: float = 20.0  # the edges are searched at every tilt up to this from the image axes
    max_gradient_skew_deg: float = 10.0  # an edge pixel's gradient must be this close to the line's normal


@dataclass(frozen=True)
class Cues:
    moire_peak: float
    line_sides: int
    suspicious: bool


def moire_peak(face_grey: npt.NDArray[np.float32]) -> float:
    """Peakiness of the spectrum's high band (0.25-0.5 cycles/pixel): screens and halftone prints make isolated
    peaks there; skin, hair and camera noise spread their energy smoothly."""
    g = face_grey - face_grey.mean()
    h, w = g.shape
    if h < 16 or w < 16:
        return 0.0
    window = np.outer(np.hanning(h), np.hanning(w))
    spec = np.abs(np.fft.fftshift(np.fft.fft2(g * window)))
    fy = np.fft.fftshift(np.fft.fftfreq(h))[:, None]
    fx = np.fft.fftshift(np.fft.fftfreq(w))[None, :]
    radius = np.sqrt(fx**2 + fy**2)
    band = spec[(radius >= 0.25) & (radius <= 0.5)]
    median = float(np.median(band))
    return float(band.max() / median) if median > 0 else 0.0


def _sobel(gray: npt.NDArray[np.float32]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Sobel gradients / 4 (a sharp step of d grey levels reads d): smoothing across the derivative keeps the
    direction of a tilted edge, which a plain difference quantises to the pixel grid."""
    p = np.pad(gray, 1, mode="edge")
    dx = p[:, 2:] - p[:, :-2]
    dy = p[2:] - p[:-2]
    gx = (dx[:-2] + 2 * dx[1:-1] + dx[2:]) / 4
    gy = (dy[:, :-2] + 2 * dy[:, 1:-1] + dy[:, 2:]) / 4
    return gx.astype(np.float32), gy.astype(np.float32)


def _line_coverage(
    along: npt.NDArray[np.int64],
    across: npt.NDArray[np.int64],
    slope: npt.NDArray[np.float64],
    span: tuple[int, int],
    limits: CueLimits,
) -> float:
    """Hough-style search for one straight line at up to `max_tilt_deg` from the `along` axis: the largest share of
    the span (positions along the line) that edge pixels on one line cover (3 px wide, two offset grids, tilts 2 deg
    apart). An edge pixel counts only for lines its gradient is perpendicular to (`slope`: gradient along / across)."""
    lo, hi = span
    keep = (along >= lo) & (along < hi)
    along, across, slope = along[keep] - lo, across[keep], slope[keep]
    length = hi - lo
    if length <= 0 or along.size < length // 2:
        return 0.0
    best = 0
    angle = np.degrees(np.arctan(slope))
    for tilt_deg in np.arange(-limits.max_tilt_deg, limits.max_tilt_deg + 0.5, 2.0):
        on = np.abs(angle + tilt_deg) <= limits.max_gradient_skew_deg
        if np.count_nonzero(on) < length * limits.min_line_fraction:
            continue
        offset = across[on] - along[on] * math.tan(math.radians(float(tilt_deg)))
        along_on = along[on]
        for shift in (0.0, 1.5):
            bins = np.floor((offset + shift) / 3.0).astype(np.int64)
            bins -= bins.min()
            cells = np.unique(bins * length + along_on)  # one count per (line, position along it)
            best = max(best, int(np.bincount(cells // length).max()))
    return best / length


def _line_sides(gray: npt.NDArray[np.float32], box: tuple[int, int, int, int], limits: CueLimits) -> int:
    """Count the sides around the face box that hold a long straight edge at any tilt up to `max_tilt_deg` (a
    photo's or a phone's border, however the picture is held)."""
    x0, y0, x1, y1 = box
    gx, gy = _sobel(gray)
    across_x = (np.abs(gx) > limits.edge_gradient) & (np.abs(gx) >= np.abs(gy))  # edges of near-vertical lines
    across_y = (np.abs(gy) > limits.edge_gradient) & (np.abs(gy) > np.abs(gx))  # of near-horizontal lines
    h_img, w_img = gray.shape
    w = x1 - x0
    h = y1 - y0

    def vertical(c0: int, c1: int) -> bool:
        c0, c1 = max(c0, 0), min(c1, w_img)
        if c1 <= c0:
            return False
        ys, xs = np.nonzero(across_x[:, c0:c1])
        slope = (gy[:, c0:c1][ys, xs] / gx[:, c0:c1][ys, xs]).astype(np.float64)
        span = (max(y0, 0), min(y1, h_img))
        return _line_coverage(ys, xs, slope, span, limits) >= limits.min_line_fraction

    def horizontal(r0: int, r1: int) -> bool:
        r0, r1 = max(r0, 0), min(r1, h_img)
        if r1 <= r0:
            return False
        ys, xs = np.nonzero(across_y[r0:r1])
        slope = (gx[r0:r1][ys, xs] / gy[r0:r1][ys, xs]).astype(np.float64)
        span = (max(x0, 0), min(x1, w_img))
        return _line_coverage(xs, ys, slope, span, limits) >= limits.min_line_fraction

    sides = (
        vertical(x0 - w, x0 - w // 8),
        vertical(x1 + w // 8, x1 + w),
        horizontal(y0 - h, y0 - h // 8),
        horizontal(y1 + h // 8, y1 + h),
    )
    return sum(sides)


def screen_cues(frame: RGB, face: Detection, limits: CueLimits | None = None) -> Cues:
    """Evaluate both cues for the face `face` in `frame` (full-resolution frame, before any resampling)."""
    lim = limits or CueLimits()
    gray = grey(frame)
    x0, y0, x1, y1 = (round(v) for v in face.box)
    fx0, fy0 = max(x0, 0), max(y0, 0)
    fx1, fy1 = min(x1, gray.shape[1]), min(y1, gray.shape[0])
    crop = gray[fy0:fy1, fx0:fx1]
    peak = moire_peak(crop) if crop.size else 0.0
    sides = _line_sides(gray, (x0, y0, x1, y1), lim)
    return Cues(peak, sides, peak > lim.max_moire_peak or sides >= lim.min_line_sides)
