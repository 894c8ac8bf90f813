"""The Raspberry Pi camera through picamera2 (from apt, in a venv with --system-site-packages), imported lazily.

Frames are requested as BGR888, which libcamera lays out R,G,B in memory: they arrive as RGB arrays.
"""

from __future__ import annotations

import contextlib
import importlib
from typing import Any

import numpy as np
import numpy.typing as npt

from kiosk.drivers.camera.errors import CameraGone, CameraTimeout, CameraUnavailable


class PiCamera:
    def __init__(self, *, width: int = 640, height: int = 480, index: int = 0) -> None:
        try:
            module: Any = importlib.import_module("picamera2")
        except ImportError as e:  # on PyPI x86 wheels it installs but cannot import (no libcamera bindings)
            raise CameraUnavailable(f"picamera2 is not usable here: {e}") from e
        try:
            cam = module.Picamera2(index)
            config = cam.create_video_configuration(main={"format": "BGR888", "size": (width, height)})
            cam.configure(config)
            cam.start()
        except (RuntimeError, IndexError, OSError) as e:
            raise CameraUnavailable(f"no Pi camera: {e}") from e
        self._cam = cam

    def read(self, timeout_s: float) -> npt.NDArray[np.uint8]:
        try:
            job = self._cam.capture_array("main", wait=False)
            frame = self._cam.wait(job, timeout=timeout_s)
        except TimeoutError as e:
            raise CameraTimeout(f"no frame within {timeout_s:.1f} s") from e
        except (RuntimeError, OSError) as e:
            raise CameraGone(f"camera failed: {e}") from e
        rgb: npt.NDArray[np.uint8] = np.ascontiguousarray(frame[:, :, :3], dtype=np.uint8)
        return rgb

    def hold_exposure(self, held: bool) -> None:
        """libcamera keeps the last exposure, gain and colour gains while its AE and AWB are disabled."""
        try:
            self._cam.set_controls({"AeEnable": not held, "AwbEnable": not held})
        except (RuntimeError, OSError) as e:
            raise CameraGone(f"camera failed: {e}") from e

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):
            self._cam.stop()
            self._cam.close()
