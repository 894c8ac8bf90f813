"""Cheap per-frame image cues of a picture held up to the camera: moire (screen pixels) and straight frame edges.

Cues, not proof: they feed the liveness challenge (`Observation.screen_cues`), which fails only when most frames
show them. LIVENESS.md records how they were measured and what they miss.
"""

from __future__ import annotations

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


def _line_sides(gray: npt.NDArray[np.float32], box: tuple[int, int, int, int], limits: CueLimits) -> int:
    """Count the sides around the face box that hold a long straight edge (a photo's or a phone's border)."""
    x0, y0, x1, y1 = box
    gx = np.abs(np.diff(gray, axis=1)) > limits.edge_gradient
    gy = np.abs(np.diff(gray, axis=0)) > limits.edge_gradient
    # allow a slight tilt: an edge pixel counts for its two neighbours across the line too
    gx[:, 1:-1] |= gx[:, :-2] | gx[:, 2:]
    gy[1:-1] |= gy[:-2] | gy[2:]
    span_rows = slice(max(y0, 0), min(y1, gray.shape[0]))
    span_cols = slice(max(x0, 0), min(x1, gray.shape[1]))

    def vertical_line(cols: range) -> bool:
        return len(cols) > 0 and bool(gx[span_rows][:, list(cols)].mean(axis=0).max() >= limits.min_line_fraction)

    def horizontal_line(rows: range) -> bool:
        return len(rows) > 0 and bool(gy[list(rows)][:, span_cols].mean(axis=1).max() >= limits.min_line_fraction)

    w = x1 - x0
    h = y1 - y0
    left = range(max(x0 - w, 0), max(x0 - w // 8, 0))
    right = range(min(x1 + w // 8, gx.shape[1]), min(x1 + w, gx.shape[1]))
    top = range(max(y0 - h, 0), max(y0 - h // 8, 0))
    bottom = range(min(y1 + h // 8, gy.shape[0]), min(y1 + h, gy.shape[0]))
    return sum((vertical_line(left), vertical_line(right), horizontal_line(top), horizontal_line(bottom)))


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
