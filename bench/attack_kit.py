"""Presentation attacks rendered from ../shared/faces* photos and driven through `FaceService.liveness` exactly as
the kiosk drives it (30 fps, 640x480, seeded challenge, a fake clock that advances one frame per read).

Each attacker watches the prompts and does its best with what it holds: a print (still, moved and tilted, bent),
a phone replaying the photo (bezel, glow, moire), a turned photo of the same person swapped in aligned for each turn,
a print with painted-shut eyes swapped in for the blink, a print with cut-out eyes and a real blink behind it, and a
phone replaying a "turning video" cross-faded from two photos. Frames stay in memory; nothing is written.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from kiosk.face.liveness import observe
from kiosk.face.service import FaceService
from kiosk.face.verifier import FaceModels, FaceVerifier

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
FPS = 30.0
W, H = 640, 480
YY, XX = np.mgrid[0:H, 0:W]
MOIRE = (1 + 0.06 * np.sin(2 * math.pi * (0.37 * XX + 0.05 * YY)))[..., None].astype(np.float32)
NOISE = np.random.default_rng(0).normal(0, 2.0, (4, H, W, 3)).astype(np.float32)  # sensor noise, reused
DEADLINE_S = 5.0  # the attacker's whole scripted performance fits in ~4 s; the kiosk's own deadline is 20 s
ATTACKS = (
    "print_still",
    "print_moved",
    "print_warped",
    "phone_replay",
    "swap_turned_photo",
    "painted_eyes",
    "cutout_eyes_blink",
    "two_photo_video_replay",
)


@dataclass
class Photo:
    image: Image.Image  # RGB, face about 150-200 px wide
    yaw: float
    identity: str
    eyes: list[list[tuple[float, float]]]  # eye contours in image pixels
    height: float  # forehead to chin, pixels
    centre: tuple[float, float]  # of the rigid landmarks


def _load(verifier: FaceVerifier, limit: int | None = None) -> list[Photo]:
    """Every usable photo of ../shared/faces and ../shared/faces-asian (or of the first `limit` files) with its
    pose and eye contours."""
    from kiosk.face.landmarks import EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT

    ids: dict[str, str] = {}
    table = SHARED / "faces" / "identities.json"
    if table.exists():
        for person, names in json.loads(table.read_text())["identities"].items():
            ids.update({str(SHARED / "faces" / n): person for n in names})
    paths = sorted((SHARED / "faces").glob("*.jpg")) + sorted((SHARED / "faces-asian").rglob("*.jpg"))
    paths = paths[:limit] if limit is not None else paths
    out = []
    for path in paths:
        with Image.open(path) as src:
            im = src.convert("RGB")
        im.thumbnail((420, 420))
        analysis = verifier.analyse(np.asarray(im))
        if analysis.landmarks is None:
            continue
        o = observe(analysis.landmarks)
        if not 70 <= o.face_width <= 300 or abs(o.pitch_deg) > 15:
            continue
        pts = analysis.landmarks.points[:, :2]
        eyes = [[(float(pts[i, 0]), float(pts[i, 1])) for i in idx] for idx in (EYE_IMAGE_LEFT, EYE_IMAGE_RIGHT)]
        identity = ids.get(str(path), path.parent.name)
        out.append(Photo(im, o.yaw_deg, identity, eyes, o.face_height, o.centre))
    return out


def _painted_shut(photo: Photo, rng: random.Random) -> Image.Image:
    """The photo with both eyes painted over in skin colour with a dark lid line (or darkened / squashed)."""
    im = photo.image.copy()
    draw = ImageDraw.Draw(im)
    arr = np.asarray(photo.image)
    for contour in photo.eyes:
        xs = [p[0] for p in contour]
        ys = [p[1] for p in contour]
        cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
        skin = tuple(int(v) for v in arr[min(int(cy + 12), arr.shape[0] - 1), int(cx)])
        grown = [(cx + 1.3 * (x - cx), cy + 1.6 * (y - cy)) for x, y in contour]
        style = rng.choice(("painted", "dark", "squashed"))
        fill = skin if style != "dark" else tuple(max(0, c - 70) for c in skin)
        draw.polygon(grown, fill=fill)
        if style != "dark":
            draw.line([(min(xs), cy + 1), (max(xs), cy + 1)], fill=(40, 30, 30), width=2)
    return im


def _mirror(photo: Photo) -> Photo:
    w = photo.image.width
    eyes = [[(w - 1 - x, y) for x, y in c] for c in photo.eyes][::-1]
    flipped = photo.image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    centre = (w - 1 - photo.centre[0], photo.centre[1])
    return Photo(flipped, -photo.yaw, photo.identity, eyes, photo.height, centre)


def _homography(src: list[tuple[float, float]], dst: list[tuple[float, float]]) -> tuple[float, ...]:
    """PIL PERSPECTIVE coefficients mapping output (dst) points back to input (src) points."""
    a, b = [], []
    for (x, y), (sx, sy) in zip(dst, src, strict=True):
        a += [[x, y, 1, 0, 0, 0, -sx * x, -sx * y], [0, 0, 0, x, y, 1, -sy * x, -sy * y]]
        b += [sx, sy]
    return tuple(float(c) for c in np.linalg.solve(np.array(a), np.array(b)))


@dataclass
class Pose:
    yaw: float = 0.0  # of the sheet about its vertical axis
    roll: float = 0.0  # in-plane tilt of the sheet
    dx: float = 0.0
    dy: float = 0.0
    scale: float = 1.0
    bend: float = 0.0  # cylinder bend of the sheet: the edges' angle, degrees


def _place(sheet: Image.Image, background: Image.Image, pose: Pose) -> Image.Image:
    """The sheet (a print or a phone) seen by a pinhole camera, composited over the background. A bent sheet is
    drawn as vertical strips, each a planar patch of the cylinder."""
    out = background.copy()
    sw, sh = sheet.size
    focal = 700.0
    depth = focal * 1.0 / pose.scale
    strips = 1 if pose.bend == 0 else 12
    mask_full = Image.new("L", sheet.size, 255)
    for k in range(strips):
        u0, u1 = k / strips, (k + 1) / strips
        corners = []
        for u, v in ((u0, 0.0), (u1, 0.0), (u1, 1.0), (u0, 1.0)):
            x = (u - 0.5) * sw
            y = (v - 0.5) * sh
            z = 0.0
            if pose.bend:
                t = math.radians(pose.bend) * (2 * u - 1)
                radius = sw / 2 / max(math.radians(abs(pose.bend)), 1e-6)
                x = radius * math.sin(t)
                z = radius * (1 - math.cos(t)) * (1 if pose.bend > 0 else -1)
            c, s = math.cos(math.radians(pose.yaw)), math.sin(math.radians(pose.yaw))
            x, z = x * c - z * s, x * s + z * c
            r, q = math.cos(math.radians(pose.roll)), math.sin(math.radians(pose.roll))
            x, y = x * r - y * q, x * q + y * r
            corners.append((focal * x / (depth + z) + W / 2 + pose.dx, focal * y / (depth + z) + H / 2 + pose.dy))
        src = [(u0 * sw, 0.0), (u1 * sw, 0.0), (u1 * sw, float(sh)), (u0 * sw, float(sh))]
        coeffs = _homography(src, corners)
        patch = sheet.transform((W, H), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR)
        strip_mask = mask_full
        if strips > 1:
            strip_mask = Image.new("L", sheet.size, 0)
            ImageDraw.Draw(strip_mask).rectangle((u0 * sw - 1, 0, u1 * sw + 1, sh), fill=255)
        mask = strip_mask.transform((W, H), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR)
        out.paste(patch, (0, 0), mask)
    return out


def _as_print(face: Image.Image, rng: random.Random) -> Image.Image:
    margin = rng.randint(6, 30)
    sheet = Image.new("RGB", (face.width + 2 * margin, face.height + 2 * margin), (238, 236, 230))
    sheet.paste(face, (margin, margin))
    return sheet


def _as_phone(face: Image.Image, rng: random.Random) -> Image.Image:
    """A phone screen showing the face: bright, slightly blue, pixel grid, black bezel."""
    arr = np.asarray(face).astype(np.float32)
    arr = np.clip(arr * rng.uniform(1.05, 1.25) + rng.uniform(10, 30), 0, 255)
    arr[..., 2] = np.clip(arr[..., 2] * 1.08, 0, 255)
    yy, xx = np.mgrid[0 : arr.shape[0], 0 : arr.shape[1]]
    grid = 0.85 + 0.15 * ((xx % 3 == 0) | (yy % 3 == 0))
    screen = Image.fromarray((arr * grid[..., None]).astype(np.uint8))
    bezel = rng.randint(8, 24)
    phone = Image.new("RGB", (screen.width + 2 * bezel, screen.height + 2 * bezel), (12, 12, 14))
    phone.paste(screen, (bezel, bezel))
    return phone


def _background(rng: random.Random) -> Image.Image:
    base = np.array([rng.randint(60, 200) for _ in range(3)], dtype=np.float32)
    ramp = np.linspace(-20, 20, W, dtype=np.float32)[None, :, None]
    arr = np.clip(base + ramp + np.zeros((H, W, 3), np.float32), 0, 255)
    return Image.fromarray(arr.astype(np.uint8))


def _camera(image: Image.Image, rng: np.random.Generator, moire: bool) -> np.ndarray:
    """The camera's view: optics blur, sensor noise and, for a screen, the beat of its grid with the sensor's."""
    arr = np.asarray(image.filter(ImageFilter.BoxBlur(0.6))).astype(np.float32)
    if moire:
        arr *= MOIRE
    arr += NOISE[rng.integers(0, len(NOISE))]
    return np.clip(arr, 0, 255).astype(np.uint8)


class Attacker:
    """Renders frames for one presentation, following the prompts it is shown."""

    def __init__(self, kind: str, photos: list[Photo], pairs: list[tuple[Photo, Photo]], seed: int) -> None:
        self.kind = kind
        self.rng = random.Random(seed)
        self.noise = np.random.default_rng(seed)
        front, turned = self.rng.choice(pairs)
        if kind not in ("swap_turned_photo", "two_photo_video_replay"):
            front = self.rng.choice([p for p in photos if abs(p.yaw) < 8])
        self.front = front
        # the turned photo for turn_left (yaw > 0) and its mirror for turn_right
        self.turned = {1.0: turned if turned.yaw > 0 else _mirror(turned)}
        self.turned[-1.0] = _mirror(self.turned[1.0])
        self.shut = _painted_shut(front, self.rng)
        self.background = _background(self.rng)
        self.prompt = "look_straight"
        self.prompt_t = 0.0
        self.t = 0.0
        self.base = Pose(dx=self.rng.uniform(-40, 40), dy=self.rng.uniform(-20, 20), scale=self.rng.uniform(0.9, 1.2))
        self.base.roll = self.rng.uniform(-4, 4)
        self._sheets: dict[int, Image.Image] = {}

    def on_prompt(self, prompt: str) -> None:
        self.prompt = prompt
        self.prompt_t = self.t

    def _medium(self, face: Image.Image) -> Image.Image:
        key = id(face)
        if key not in self._sheets:
            phone = self.kind in ("phone_replay", "two_photo_video_replay")
            self._sheets[key] = _as_phone(face, self.rng) if phone else _as_print(face, self.rng)
        return self._sheets[key]

    def _aligned(self, photo: Photo) -> Image.Image:
        """`photo` scaled and shifted so that its face has the frontal photo's height and centre (a careful swap:
        same size, same place, no frame without a face)."""
        s = self.front.height / max(photo.height, 1.0)
        fx, fy = self.front.centre
        tx, ty = photo.centre
        big = photo.image.resize((round(photo.image.width * s), round(photo.image.height * s)))
        canvas = Image.new("RGB", self.front.image.size, (128, 128, 128))
        canvas.paste(big, (round(fx - tx * s), round(fy - ty * s)))
        return canvas

    def frame(self) -> np.ndarray:
        t_in = self.t - self.prompt_t - 0.25  # reaction time
        self.t += 1 / FPS
        pose = Pose(**vars(self.base))
        pose.dx += 3 * math.sin(self.t * 2.1)
        pose.dy += 2 * math.sin(self.t * 1.7)
        face = self.front.image
        progress = 0.0
        if self.prompt in ("turn_left", "turn_right") and t_in > 0:
            up = min(t_in / 0.4, 1.0)
            down = min(max(t_in - 0.6, 0) / 0.4, 1.0)
            progress = (1 - math.cos(math.pi * up)) / 2 - (1 - math.cos(math.pi * down)) / 2
        blinking = self.prompt == "blink" and 0 < t_in < 0.25
        sign = 1.0 if self.prompt == "turn_left" else -1.0
        if self.kind == "print_still":
            pose.dx, pose.dy = self.base.dx, self.base.dy
        elif self.kind in ("print_moved", "phone_replay", "cutout_eyes_blink", "painted_eyes"):
            pose.yaw = -sign * 40 * progress  # the sheet turns so that the face seems to turn the asked way
            pose.roll += 3 * math.sin(self.t * 3.0)
            pose.dx += sign * 60 * progress
        elif self.kind == "print_warped":
            pose.bend = 20 * math.sin(self.t * 4.0)
            pose.yaw = -sign * 35 * progress
        if self.kind in ("painted_eyes", "cutout_eyes_blink", "swap_turned_photo") and blinking:
            face = self.shut
        if self.kind == "swap_turned_photo" and progress > 0.5:
            face = self._aligned(self.turned[sign])
        if self.kind == "two_photo_video_replay" and progress > 0:
            turned = self._aligned(self.turned[sign])
            face = Image.blend(self.front.image, turned, min(progress * 1.5, 1.0))
            self._sheets.pop(id(face), None)
        elif self.kind == "two_photo_video_replay" and blinking:
            face = self.shut
        medium = (
            self._medium(face)
            if self.kind != "two_photo_video_replay" or face is self.front.image or face is self.shut
            else _as_phone(face, self.rng)
        )
        image = _place(medium, self.background, pose)
        return _camera(image, self.noise, moire=self.kind in ("phone_replay", "two_photo_video_replay"))


class _Camera:
    def __init__(self, attacker: Attacker) -> None:
        self.attacker = attacker

    def read(self, timeout_s: float) -> np.ndarray:
        return self.attacker.frame()

    def hold_exposure(self, held: bool) -> None:
        pass

    def close(self) -> None:
        pass


class _Clock:
    def __init__(self, attacker: Attacker) -> None:
        self.attacker = attacker

    def __call__(self) -> float:
        return 1000.0 + self.attacker.t


def pairs_of(photos: list[Photo]) -> list[tuple[Photo, Photo]]:
    """(frontal, turned >= 20 deg) photos of the same person."""
    out = []
    for turned in (p for p in photos if abs(p.yaw) >= 20):
        out += [(f, turned) for f in photos if f.identity == turned.identity and abs(f.yaw) < 8]
    return out


def present(
    kind: str, verifier: FaceVerifier, photos: list[Photo], pairs: list[tuple[Photo, Photo]], seed: int
) -> tuple[bool, str, int]:
    """One presentation: (accepted, the service's reason, how many actions were completed before it ended)."""
    attacker = Attacker(kind, photos, pairs, seed)
    service = FaceService(_Camera(attacker), verifier, clock=_Clock(attacker), rng=random.Random(seed))
    prompts: list[str] = []

    def shown(prompt: str) -> None:
        prompts.append(prompt)
        attacker.on_prompt(prompt)

    passed, reason = service.liveness(shown, DEADLINE_S)
    actions = [p for p in prompts if p != "look_straight"]
    return passed, reason, len(actions) if passed else max(len(actions) - 1, 0)


def evaluate(
    per_attack: int, seed: int, kinds: tuple[str, ...] = ATTACKS, log: Callable[[str], None] = print
) -> dict[str, tuple[int, int]]:
    """{attack type: (accepted, presented)}; prints what decided each type."""
    if not (SHARED / "faces").exists():
        log(f"no photos at {SHARED / 'faces'}: attack kit skipped")
        return {}
    verifier = FaceVerifier(FaceModels.load("int8"))
    photos = _load(verifier)
    pairs = pairs_of(photos)
    log(f"{len(photos)} usable photos, {len(pairs)} frontal/turned pairs of the same person")
    results: dict[str, tuple[int, int]] = {}
    for kind in kinds:
        reasons: Counter[str] = Counter()
        accepted = 0
        for k in range(per_attack):
            passed, reason, completed = present(kind, verifier, photos, pairs, seed * 100_000 + k)
            accepted += int(passed)
            reasons[f"{reason or 'accepted'} after {completed}/3 actions"] += 1
        log(f"{kind}: {dict(reasons)}")
        results[kind] = (accepted, per_attack)
    return results
