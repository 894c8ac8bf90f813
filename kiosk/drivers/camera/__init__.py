"""The camera: one interface (`Camera.read(timeout_s)` -> RGB frame in memory) and back ends chosen by config.

Back ends: `picamera2` (Pi camera; the library comes from apt and is imported only when chosen), `opencv` (USB
webcams through V4L2; the optional `webcam` extra), `folder` (image files, for the simulator and tests). A missing
camera or library is a `CameraUnavailable`, never an ImportError. Frames are never written anywhere.

Use:
    camera = open_camera("folder", folder=Path("../shared/faces"), width=640, height=480)
    try:
        frame = camera.read(timeout_s=1.0)        # H x W x 3 uint8, R,G,B
    finally:
        camera.close()
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from kiosk.drivers.camera.errors import CameraError, CameraGone, CameraTimeout, CameraUnavailable

Frame = npt.NDArray[np.uint8]
BACKENDS = ("picamera2", "opencv", "folder")


class Camera(Protocol):
    def read(self, timeout_s: float) -> Frame:
        """The next frame (RGB), or CameraTimeout when none comes before the deadline."""
        ...

    def close(self) -> None: ...


def open_camera(
    backend: str, *, device: str = "0", folder: Path = Path(""), width: int = 640, height: int = 480
) -> Camera:
    """Open the back end named in the config; raises CameraUnavailable when it cannot be opened here."""
    if backend == "folder":
        from kiosk.drivers.camera.folder import FolderCamera

        return FolderCamera(folder, width=width, height=height)
    if backend == "opencv":
        from kiosk.drivers.camera.webcam import OpenCvCamera

        return OpenCvCamera(device, width=width, height=height)
    if backend == "picamera2":
        from kiosk.drivers.camera.picam import PiCamera

        return PiCamera(width=width, height=height)
    raise CameraUnavailable(
        f"unknown camera back end {backend!r} (one of {', '.join(BACKENDS)})", reason="unknown_backend"
    )


__all__ = [
    "BACKENDS",
    "Camera",
    "CameraError",
    "CameraGone",
    "CameraTimeout",
    "CameraUnavailable",
    "Frame",
    "open_camera",
]
