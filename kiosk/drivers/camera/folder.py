"""Frames from image files (one file or a folder, in name order, looping): the simulator's and the tests' camera."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from kiosk.drivers.camera.errors import CameraError, CameraUnavailable

SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


class FolderCamera:
    """Each read decodes the next file (in memory), scaled to fit width x height like a camera's output."""

    def __init__(self, source: Path, *, width: int = 640, height: int = 480) -> None:
        if source.is_file():
            files = [source]
        elif source.is_dir() and str(source) not in ("", "."):
            files = sorted(p for p in source.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
        else:
            raise CameraUnavailable(f"camera folder not found: {source}")
        if not files:
            raise CameraUnavailable(f"no image files in {source}")
        self.files = files
        self.size = (width, height)
        self._next = 0
        self._closed = False

    def read(self, timeout_s: float) -> npt.NDArray[np.uint8]:
        """Decoding a file is bounded work; the deadline does not come into play."""
        if self._closed:
            raise CameraError("camera closed", reason="closed")
        path = self.files[self._next]
        self._next = (self._next + 1) % len(self.files)
        try:
            with Image.open(path) as im:
                rgb = im.convert("RGB")
        except (OSError, UnidentifiedImageError) as e:
            raise CameraError(f"{path.name}: not a usable image ({e})", reason="bad_frame") from e
        rgb.thumbnail(self.size, Image.Resampling.BILINEAR)
        return np.asarray(rgb, dtype=np.uint8).copy()

    def hold_exposure(self, held: bool) -> None:
        """Files have no exposure to hold."""

    def close(self) -> None:
        self._closed = True
