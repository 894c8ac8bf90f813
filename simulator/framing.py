"""Where the face is in a shared photo, and the two pictures the simulator makes from it: the chip portrait's crop and
the camera's view of the person standing at the kiosk.

The face is found once per photo with the kiosk's own detector (BlazeFace, from `kiosk/models`), so any photo in
`../shared/faces*` frames the same way without hand-kept coordinates. Everything stays in memory.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from kiosk.face.detection import FaceDetector
from kiosk.face.quality import choose_face
from kiosk.face.runtime import TfliteModel
from kiosk.models import DETECTOR, verified_path

CAMERA_SIZE = (640, 480)
# The face as the kiosk's camera sees a person at arm's length: the detector's box about 40 % of the frame height
# (the kiosk's capture gate wants at least 100 px; 85 % of the height is too close).
CAMERA_FACE_FRACTION = 0.4
# Around the face, the camera shows the person's own head and shoulders: this many face widths to each side (so a
# bystander at the photo's edge, who would not stand inside the kiosk's hood, stays out of view).
CAMERA_SIDE_WIDTHS = 1.1
# ICAO-like portrait: the face box about half the portrait's height, its centre a little above the middle.
PORTRAIT_FACE_FRACTION = 0.5
PORTRAIT_FACE_CENTRE_Y = 0.45
ROOM = (96, 100, 104)  # what the camera sees where the photo ends: the wall behind the kiosk

_lock = threading.Lock()


@dataclass(frozen=True)
class FaceBox:
    """The face's detector box in the photo, in pixels."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def width(self) -> float:
        return self.x1 - self.x0


@cache
def _detector() -> FaceDetector:
    return FaceDetector(TfliteModel(verified_path(DETECTOR)))


def load_rgb(path: Path) -> Image.Image:
    with Image.open(path) as src:
        return ImageOps.exif_transpose(src).convert("RGB")


@cache
def face_box(path: Path) -> FaceBox | None:
    """The face the photo at `path` is of, found once per photo."""
    return face_box_in(load_rgb(path))


def face_box_in(image: Image.Image) -> FaceBox | None:
    """The face the picture is of (the kiosk's own choice among several), or None when the detector finds none."""
    with _lock:  # one interpreter, shared by the card's and the camera's threads
        found = _detector().detect(np.asarray(image, dtype=np.uint8))
    chosen, _ = choose_face(found, (image.width, image.height))
    return None if chosen is None else FaceBox(*chosen.box)


def portrait_crop(image: Image.Image, box: FaceBox | None, aspect: float) -> Image.Image:
    """The chip portrait's head-and-shoulders crop (width / height = `aspect`), padded with the room where the photo
    ends; without a face, the centre of the photo biased upwards like most portraits."""
    if box is None:
        crop_h = min(image.height, image.width / aspect) * 0.8
        left, top = (image.width - crop_h * aspect) / 2, (image.height - crop_h) * 0.3
        return image.crop((round(left), round(top), round(left + crop_h * aspect), round(top + crop_h)))
    crop_h = box.height / PORTRAIT_FACE_FRACTION
    crop_w = crop_h * aspect
    cx, cy = box.centre
    left, top = cx - crop_w / 2, cy - crop_h * PORTRAIT_FACE_CENTRE_Y
    return _crop_padded(image, left, top, crop_w, crop_h)


def camera_view(image: Image.Image, box: FaceBox | None, size: tuple[int, int] = CAMERA_SIZE) -> Image.Image:
    """What the kiosk's camera sees of this person: `size`, the face centred at arm's length, the room around."""
    width, height = size
    if box is None:
        fitted = ImageOps.contain(image, size)
        view = Image.new("RGB", size, ROOM)
        view.paste(fitted, ((width - fitted.width) // 2, (height - fitted.height) // 2))
        return view
    scale = CAMERA_FACE_FRACTION * height / box.height
    cx, cy = box.centre
    half_w = min(width / scale / 2, box.width * (0.5 + CAMERA_SIDE_WIDTHS))
    person = _crop_padded(image, cx - half_w, cy - height / scale / 2, 2 * half_w, height / scale)
    person = person.resize((round(person.width * scale), height), Image.Resampling.LANCZOS)
    view = Image.new("RGB", size, ROOM)
    view.paste(person, ((width - person.width) // 2, 0))
    return view


def _crop_padded(image: Image.Image, left: float, top: float, width: float, height: float) -> Image.Image:
    """A crop that may reach past the photo's edges: beyond them, the room's colour."""
    box = (round(left), round(top), round(left + width), round(top + height))
    out = Image.new("RGB", (box[2] - box[0], box[3] - box[1]), ROOM)
    inside = (max(box[0], 0), max(box[1], 0), min(box[2], image.width), min(box[3], image.height))
    if inside[0] < inside[2] and inside[1] < inside[3]:
        out.paste(image.crop(inside), (inside[0] - box[0], inside[1] - box[1]))
    return out
