"""The camera: one interface (`Camera.read(timeout_s)` -> RGB frame in memory) and back ends chosen by config.

Back ends: `picamera2` (Pi camera; the library comes from apt and is imported only when chosen), `opencv` (USB
webcams through V4L2; the optional `webcam` extra), `folder` (image files, for the simulator and tests). A missing
camera or library is a `CameraUnavailable` (reason "unavailable"), never an ImportError; a late frame is a
`CameraTimeout`, a camera that stops delivering a `CameraGone`. `mirrored` and `rotation_deg` (device quirks in the
config) are undone here, so everything downstream sees upright, unmirrored frames. Frames are never written anywhere.

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

    def hold_exposure(self, held: bool) -> None:
        """Freeze (True) or release (False) automatic exposure and white balance, so that a change of light on the
        face (the screen-flash challenge) reaches the frames instead of being corrected away."""
        ...

    def close(self) -> None: ...


class Oriented:
    """Turns and un-mirrors another camera's frames so that everything downstream sees an upright, unmirrored
    view (the liveness challenge's left and right depend on it)."""

    def __init__(self, inner: Camera, *, mirrored: bool = False, rotation_deg: int = 0) -> None:
        if rotation_deg not in (0, 90, 180, 270):
            raise CameraUnavailable(f"camera rotation must be 0, 90, 180 or 270, not {rotation_deg}")
        self.inner = inner
        self.mirrored = mirrored
        self.rotation_deg = rotation_deg

    def read(self, timeout_s: float) -> Frame:
        frame = self.inner.read(timeout_s)
        if self.mirrored:
            frame = frame[:, ::-1]
        if self.rotation_deg:
            frame = np.rot90(frame, k=-self.rotation_deg // 90)
        return np.ascontiguousarray(frame)

    def hold_exposure(self, held: bool) -> None:
        self.inner.hold_exposure(held)

    def close(self) -> None:
        self.inner.close()


def open_camera(
    backend: str,
    *,
    device: str = "0",
    folder: Path = Path(""),
    width: int = 640,
    height: int = 480,
    mirrored: bool = False,
    rotation_deg: int = 0,
) -> Camera:
    """Open the back end named in the config; raises CameraUnavailable when it cannot be opened here."""
    if rotation_deg not in (0, 90, 180, 270):
        raise CameraUnavailable(f"camera rotation must be 0, 90, 180 or 270, not {rotation_deg}")
    camera: Camera
    if backend == "folder":
        from kiosk.drivers.camera.folder import FolderCamera

        camera = FolderCamera(folder, width=width, height=height)
    elif backend == "opencv":
        from kiosk.drivers.camera.webcam import OpenCvCamera

        camera = OpenCvCamera(device, width=width, height=height)
    elif backend == "picamera2":
        from kiosk.drivers.camera.picam import PiCamera

        camera = PiCamera(width=width, height=height)
    else:
        raise CameraUnavailable(f"unknown camera back end {backend!r} (one of {', '.join(BACKENDS)})")
    if mirrored or rotation_deg:
        return Oriented(camera, mirrored=mirrored, rotation_deg=rotation_deg)
    return camera


__all__ = [
    "BACKENDS",
    "Camera",
    "CameraError",
    "CameraGone",
    "CameraTimeout",
    "CameraUnavailable",
    "Frame",
    "Oriented",
    "open_camera",
]
