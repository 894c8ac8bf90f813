"""The screen-flash colour challenge: the kiosk's display lights the face with a random colour sequence; a 3D face
reflects it, shaded by its own geometry; a print reflects it flatly; a phone or tablet screen, which makes its own
light, hardly reflects it at all.

Pure: `plan(rng)` picks the sequence, `sample(frame, landmarks)` measures one frame, `judge(plan, samples)` decides.
The caller (FaceService) shows each colour, holds the camera's exposure and white balance meanwhile, and feeds one
Sample per frame. LIVENESS.md records how the limits were chosen and what this does not stop.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from kiosk.face.imaging import RGB
from kiosk.face.landmarks import CHEEK_IMAGE_LEFT, CHEEK_IMAGE_RIGHT, Landmarks

# What the display shows, as linear light per channel (0..1); "off" is the baseline (the screen dark).
COLOURS: dict[str, tuple[float, float, float]] = {
    "off": (0.0, 0.0, 0.0),
    "red": (1.0, 0.0, 0.0),
    "green": (0.0, 1.0, 0.0),
    "blue": (0.0, 0.0, 1.0),
    "white": (1.0, 1.0, 1.0),
}
# The colours as the screen draws them (sRGB), for the UI.
SCREEN_RGB: dict[str, tuple[int, int, int]] = {
    "off": (0, 0, 0),
    "red": (255, 0, 0),
    "green": (0, 255, 0),
    "blue": (0, 0, 255),
    "white": (255, 255, 255),
}
PROMPT_PREFIX = "flash_"  # the prompt the face service sends for each colour: "flash_red", "flash_off", ...
GAMMA = 2.2  # camera frames are gamma-encoded; light adds up only after undoing it
MIN_LEVEL = 0.004  # a channel this dark (linear; about 20 of 255 encoded) says nothing about reflected light

# Mesh points whose surface faces the screen (nose bridge and tip, mid-forehead, the cheeks beside the nose) and
# points on the sides of the face, turned away from it (outer cheekbones, the cheeks above the jaw line).
FRONT_POINTS = (6, 1, 151, 205, 425)
SIDE_POINTS = (116, 345, 123, 352, 147, 376)


class FlashFailure(StrEnum):
    NO_REFLECTION = "no_reflection"  # the face did not brighten with the colours shown: a screen showing a face
    WRONG_COLOUR = "wrong_colour"  # it brightened, but its changes follow the colours too loosely (R²)
    FLAT_REFLECTION = "flat_reflection"  # the sides of the face brightened like its front: a flat picture
    FACE_LOST = "face_lost"  # too few frames with a face to judge


@dataclass(frozen=True)
class FlashLimits:
    step_s: float = 0.3  # each colour stays this long
    steps: int = 5  # colours after the dark baseline
    baseline_s: float = 0.4  # the screen dark before the first colour
    max_lag_s: float = 0.5  # from the service's prompt to the colour in the camera's frames (UI + display + sensor)
    min_frames: float = 0.7  # share of the frames that must have a face
    min_response: float = 0.02  # the front of the face must brighten by 2 % (linear light) per unit of screen light
    min_fit: float = 0.5  # share of the front's brightness changes the shown colours explain (R²)
    min_shading: float = 1.2  # front response over side response: a head turns its sides away from the screen
    patch: float = 0.035  # each measured patch's radius, in face widths

    @property
    def duration_s(self) -> float:
        """Until the last colour has been shown its time and the slowest display has caught up."""
        return self.baseline_s + self.steps * self.step_s + self.max_lag_s


@dataclass(frozen=True)
class FlashPlan:
    colours: tuple[str, ...]  # the baseline "off" first, then `steps` colours
    limits: FlashLimits

    def shown_at(self, t: float) -> str:
        """The colour the service asks for `t` seconds after it started the sequence."""
        if t < self.limits.baseline_s:
            return "off"
        i = int((t - self.limits.baseline_s) // self.limits.step_s) + 1
        return self.colours[min(i, len(self.colours) - 1)]

    @property
    def duration_s(self) -> float:
        return self.limits.duration_s


@dataclass(frozen=True)
class Sample:
    """One frame: seconds since the sequence started, and the mean linear light (0..1 per channel) of the front and
    the side patches (None when the frame had no face)."""

    t: float
    front: npt.NDArray[np.float64] | None
    side: npt.NDArray[np.float64] | None


@dataclass(frozen=True)
class FlashResult:
    passed: bool
    failure: FlashFailure | None
    response: float  # relative brightening of the front per unit of screen light (all channels together)
    fit: float  # R² of the front's changes against the shown colours at the best lag
    shading: float  # front response / side response
    lag_s: float


def plan(rng: random.Random, limits: FlashLimits | None = None) -> FlashPlan:
    """A random sequence: no colour twice in a row, at least two different chromatic colours, never all white."""
    lim = limits or FlashLimits()
    chromatic = ("red", "green", "blue")
    while True:
        seq: list[str] = []
        for _ in range(lim.steps):
            seq.append(rng.choice([c for c in (*chromatic, "white") if not seq or c != seq[-1]]))
        if len({c for c in seq if c in chromatic}) >= 2:
            return FlashPlan(("off", *seq), lim)


def _patch_means(
    frame: RGB, points: npt.NDArray[np.float64], indices: tuple[int, ...], r: int
) -> npt.NDArray[np.float64]:
    h, w = frame.shape[:2]
    means = []
    for i in indices:
        x, y = int(points[i, 0] + 0.5), int(points[i, 1] + 0.5)
        box = frame[max(0, y - r) : min(h, y + r + 1), max(0, x - r) : min(w, x + r + 1)]
        if box.size:
            # the median pixel: a few clipped highlights or a stray hair do not move it
            means.append(np.median((box.reshape(-1, 3).astype(np.float64) / 255.0) ** GAMMA, axis=0))
    return np.mean(means, axis=0) if means else np.zeros(3)


def sample(t: float, frame: RGB | None, landmarks: Landmarks | None, limits: FlashLimits | None = None) -> Sample:
    """Measure one frame: the mean colour of small patches on the front and on the sides of the face."""
    if frame is None or landmarks is None:
        return Sample(t, None, None)
    lim = limits or FlashLimits()
    p = landmarks.points
    width = float(np.linalg.norm(p[CHEEK_IMAGE_LEFT, :2] - p[CHEEK_IMAGE_RIGHT, :2]))
    r = max(1, round(lim.patch * width))
    return Sample(t, _patch_means(frame, p, FRONT_POINTS, r), _patch_means(frame, p, SIDE_POINTS, r))


def _fit(shown: npt.NDArray[np.float64], seen: npt.NDArray[np.float64]) -> tuple[float, float]:
    """Per channel, seen = a + g * shown by least squares; returns the relative gain g / a of all channels together
    (each weighted by how precisely it was measured: a brighter channel and a wider swing of its light weigh more)
    and the overall R²."""
    num = den = res = tot = 0.0
    for j in range(3):
        x, y = shown[:, j], seen[:, j]
        design = np.stack([np.ones_like(x), x], axis=1)
        (a, g), *_ = np.linalg.lstsq(design, y, rcond=None)
        res += float(((y - (a + g * x)) ** 2).sum())
        tot += float(((y - y.mean()) ** 2).sum())
        if a > MIN_LEVEL:
            weight = a**2 * float(((x - x.mean()) ** 2).sum())
            num += weight * g / a
            den += weight
    return (num / den if den > 0 else 0.0), (1.0 - res / tot) if tot > 0 else 0.0


def judge(p: FlashPlan, samples: list[Sample]) -> FlashResult:
    """Find the display's lag, then: did the front follow the colours, strongly enough, and shaded like a head?"""
    lim = p.limits
    seen = [s for s in samples if s.front is not None and s.side is not None]
    if not samples or len(seen) < lim.min_frames * len(samples) or len(seen) < 8:
        return FlashResult(False, FlashFailure.FACE_LOST, 0.0, 0.0, 0.0, 0.0)
    front = np.array([s.front for s in seen])
    side = np.array([s.side for s in seen])
    best: tuple[float, float, float, npt.NDArray[np.float64]] | None = None
    for lag in np.arange(0.0, lim.max_lag_s + 1e-9, 1 / 60):
        shown = np.array([COLOURS[p.shown_at(s.t - lag)] for s in seen])
        if np.ptp(shown, axis=0).min() == 0:
            continue  # a lag that leaves a channel constant says nothing about it
        gain, r2 = _fit(shown, front)
        if best is None or r2 > best[1]:
            best = (float(lag), r2, gain, shown)
    if best is None:
        return FlashResult(False, FlashFailure.FACE_LOST, 0.0, 0.0, 0.0, 0.0)
    lag, r2, response, shown = best
    side_response, _ = _fit(shown, side)
    shading = response / side_response if side_response > 1e-6 else float("inf")
    failure = None
    if response < lim.min_response:
        failure = FlashFailure.NO_REFLECTION
    elif r2 < lim.min_fit:
        failure = FlashFailure.WRONG_COLOUR
    elif shading < lim.min_shading:
        failure = FlashFailure.FLAT_REFLECTION
    return FlashResult(failure is None, failure, response, r2, shading, lag)
