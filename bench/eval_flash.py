"""The screen-flash colour challenge on rendered presentations: BPCER on a bona fide proxy and APCER per attack type,
each with n and the 95 % Clopper-Pearson upper bound (ISO/IEC 30107-3's metrics).

Every presentation is driven through `FaceService.flash_check` exactly as the kiosk drives it after the actions
(30 fps, 640x480, a fake clock that advances one frame per read, the real detector and mesh); the kit lights the
scene with the colour the service asked for, a display lag of 50-200 ms later. Light model (linear light): a
surface's brightness is albedo x (ambient + screen x cos(angle to the screen)); the screen's light over the ambient
at a surface facing it, `ratio`, is drawn from 0.05-0.25 per presentation (white at full brightness lifting the face
by 5-25 %; the kiosk's hood keeps the ambient down).

- bona_fide_proxy: a frontal photo relit through an ellipsoid head fitted to its own landmarks (cheek to cheek,
  forehead to chin): the front faces the screen, the sides turn away. A stand-in for a person, not one.
- print_flat: the photo printed, held turned 0-30 deg: one normal for the whole sheet.
- print_bent: the print bent as a cylinder, edges at 15-25 deg (the liveness attack kit's bend).
- print_curved: bent hard, edges at 45-60 deg, to imitate a head's shading.
- phone_replay: a phone or tablet showing the photo: it makes its own light; its glass sends back ~5 % diffusely.

    .venv/bin/python bench/eval_flash.py [--per-kind 60] [--seed 1]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.attack_kit import FPS, SHARED, Photo, Pose, _as_phone, _as_print, _background, _camera, _load, _place
from bench.eval_liveness import clopper_pearson_upper
from kiosk.face import flash
from kiosk.face.landmarks import CHEEK_IMAGE_LEFT, CHEEK_IMAGE_RIGHT, CHIN, FOREHEAD
from kiosk.face.service import FaceService
from kiosk.face.verifier import FaceModels, FaceVerifier

KINDS = ("bona_fide_proxy", "print_flat", "print_bent", "print_curved", "phone_replay")
LIGHT = np.array([0.0, 0.25, 1.0]) / math.hypot(0.25, 1.0)  # towards the screen: in front, a little below the eyes
BACKGROUND_SHARE = 0.15  # the wall behind is further from the screen than the face
PHONE_GLASS = 0.05
EXPOSURE = 0.6  # the camera exposes for the face (its exposure then held): the photos' clipped highlights get headroom


def srgb_to_linear(a: np.ndarray) -> np.ndarray:
    return (a / 255.0) ** 2.2


def linear_to_srgb(a: np.ndarray) -> np.ndarray:
    return np.clip(255.0 * np.clip(a, 0, None) ** (1 / 2.2), 0, 255)


def head_shading(photo: Photo, verifier: FaceVerifier) -> np.ndarray:
    """cos(angle to the screen) per pixel of the photo for an ellipsoid head fitted to its landmarks; the
    background's share elsewhere."""
    marks = verifier.analyse(np.asarray(photo.image)).landmarks
    assert marks is not None
    p = marks.points[:, :2]
    cx = (p[CHEEK_IMAGE_LEFT, 0] + p[CHEEK_IMAGE_RIGHT, 0]) / 2
    cy = (p[FOREHEAD, 1] + p[CHIN, 1]) / 2
    a = 0.55 * float(np.linalg.norm(p[CHEEK_IMAGE_LEFT] - p[CHEEK_IMAGE_RIGHT]))
    b = 0.55 * float(np.linalg.norm(p[FOREHEAD] - p[CHIN]))
    h, w = photo.image.height, photo.image.width
    yy, xx = np.mgrid[0:h, 0:w]
    u, v = (xx - cx) / a, (yy - cy) / b
    inside = u**2 + v**2 < 1
    z = np.sqrt(np.clip(1 - u**2 - v**2, 0, None))
    normal = np.stack([u, v, z], axis=-1)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True) + 1e-9
    cos = np.clip(normal @ LIGHT, 0, None)
    return np.where(inside, cos, BACKGROUND_SHARE)


@dataclass
class Scene:
    """One presentation: what is held in front of the camera, how it is lit, and what the screen shows when."""

    kind: str
    base: np.ndarray  # the medium (face, print or phone) as linear light, before the screen's light
    shading: np.ndarray  # cos(angle to the screen) per pixel of the medium (0 where it makes its own light)
    emissive: bool
    background: Image.Image
    pose: Pose
    ratio: float
    lag_s: float
    noise: np.random.Generator
    t: float = 0.0
    asked: tuple[tuple[float, str], ...] = ()

    def on_prompt(self, prompt: str) -> None:
        if prompt.startswith(flash.PROMPT_PREFIX):
            self.asked += ((self.t, prompt.removeprefix(flash.PROMPT_PREFIX)),)

    def shown(self) -> np.ndarray:
        colour = "off"
        for at, name in self.asked:
            if at + self.lag_s <= self.t:
                colour = name
        return np.array(flash.COLOURS[colour])

    def frame(self) -> np.ndarray:
        self.t += 1 / FPS
        light = self.shown()
        lit = self.base * (1 + self.ratio * self.shading[..., None] * light)
        if self.emissive:
            lit = self.base + self.ratio * PHONE_GLASS * 0.25 * light
        medium = Image.fromarray(linear_to_srgb(lit).astype(np.uint8))
        bg = EXPOSURE * srgb_to_linear(np.asarray(self.background).astype(np.float32))
        bg = bg * (1 + self.ratio * BACKGROUND_SHARE * light)
        pose = Pose(**vars(self.pose))
        pose.dx += 1.5 * math.sin(self.t * 2.1)
        pose.dy += 1.0 * math.sin(self.t * 1.7)
        image = _place(medium, Image.fromarray(linear_to_srgb(bg).astype(np.uint8)), pose)
        return _camera(image, self.noise, moire=False)


def sheet_shading(sheet: Image.Image, yaw: float, bend: float) -> np.ndarray:
    """cos(angle to the screen) per column of a sheet turned `yaw` and bent as a cylinder with edges at `bend`."""
    u = np.linspace(0, 1, sheet.width)
    angle = np.radians(yaw + bend * (2 * u - 1))
    cos = np.clip(np.cos(angle), 0, None)
    return np.broadcast_to(cos[None, :], (sheet.height, sheet.width)).copy()


def scene(kind: str, photo: Photo, shading: np.ndarray, rng: random.Random, seed: int) -> Scene:
    # at the kiosk's distance: forehead to chin 150-210 px in the 640x480 frame (the capture's quality gate)
    scale = rng.uniform(150, 210) / max(photo.height, 1.0)
    pose = Pose(dx=rng.uniform(-30, 30), dy=rng.uniform(-15, 15), scale=scale, roll=rng.uniform(-4, 4))
    ratio = rng.uniform(0.05, 0.25)
    lag = rng.uniform(0.05, 0.2)
    noise = np.random.default_rng(seed)
    background = _background(rng)
    if kind == "bona_fide_proxy":
        base = EXPOSURE * srgb_to_linear(np.asarray(photo.image).astype(np.float32))
        return Scene(kind, base, shading, False, background, pose, ratio, lag, noise)
    if kind == "phone_replay":
        sheet = _as_phone(photo.image, rng)
        base = EXPOSURE * srgb_to_linear(np.asarray(sheet).astype(np.float32))
        return Scene(kind, base, np.zeros(base.shape[:2]), True, background, pose, ratio, lag, noise)
    sheet = _as_print(photo.image, rng)
    yaw = rng.uniform(-30, 30) if kind == "print_flat" else rng.uniform(-10, 10)
    bend = {"print_flat": 0.0, "print_bent": rng.uniform(15, 25), "print_curved": rng.uniform(45, 60)}[kind]
    pose.yaw, pose.bend = yaw, bend
    base = EXPOSURE * srgb_to_linear(np.asarray(sheet).astype(np.float32))
    return Scene(kind, base, sheet_shading(sheet, yaw, bend), False, background, pose, ratio, lag, noise)


class _Camera:
    def __init__(self, s: Scene) -> None:
        self.s = s

    def read(self, timeout_s: float) -> np.ndarray:
        return self.s.frame()

    def hold_exposure(self, held: bool) -> None:
        pass

    def close(self) -> None:
        pass


def present(kind: str, photo: Photo, shading: np.ndarray, verifier: FaceVerifier, seed: int) -> flash.FlashResult:
    rng = random.Random(seed)
    s = scene(kind, photo, shading, rng, seed)
    service = FaceService(_Camera(s), verifier, clock=lambda: 1000.0 + s.t, rng=random.Random(seed))
    return service.flash_check(s.on_prompt, flash.FlashLimits())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-kind", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", default=",".join(KINDS))
    args = ap.parse_args()
    if not (SHARED / "faces").exists():
        print(f"no photos at {SHARED / 'faces'}: flash evaluation skipped")
        return
    verifier = FaceVerifier(FaceModels.load("int8"))
    frontal = [p for p in _load(verifier) if abs(p.yaw) < 8]
    print(f"{len(frontal)} usable frontal photos; {args.per_kind} presentations per kind, each of another photo")
    shadings: dict[int, np.ndarray] = {}
    rows = []
    for kind in args.kinds.split(","):
        failures: Counter[str] = Counter()
        figures: list[tuple[float, float, float]] = []
        for k in range(args.per_kind):
            seed = args.seed * 100_000 + k
            i = random.Random(seed).randrange(len(frontal))
            if i not in shadings:
                shadings[i] = head_shading(frontal[i], verifier)
            result = present(kind, frontal[i], shadings[i], verifier, seed)
            failures[result.failure.value if result.failure else "accepted"] += 1
            figures.append((result.response, result.fit, result.shading))
        arr = np.array(figures)
        med = np.median(arr, axis=0)
        print(f"{kind}: {dict(failures)}; median response {med[0]:.3f}, fit {med[1]:.2f}, shading {med[2]:.2f}")
        print(f"  shading 5/50/95 %: {np.percentile(arr[:, 2], [5, 50, 95]).round(2).tolist()}")
        rows.append((kind, failures, args.per_kind))
    print("\nscreen-flash challenge alone (FaceService.flash_check, 30 fps, 640x480)")
    print(f"{'':28}{'errors':>8}{'n':>6}{'rate':>8}{'95% upper':>11}")
    for kind, failures, n in rows:
        errors = n - failures["accepted"] if kind == "bona_fide_proxy" else failures["accepted"]
        label = "BPCER " + kind if kind == "bona_fide_proxy" else "APCER " + kind
        upper = clopper_pearson_upper(errors, n)
        print(f"{label:28}{errors:>8}{n:>6}{errors / n:>8.1%}{upper:>11.1%}")


if __name__ == "__main__":
    main()
