"""The simulated camera: whoever the panel (or a scenario) put in front of the kiosk, as a camera delivers them.

A `kiosk.drivers.camera.Camera` over the rig's chosen photo or webcam: frames come at the camera's rate (it waits
for the next frame time, as a real camera's read blocks), RGB in memory; with nobody there it sees an empty room.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from kiosk.drivers.camera import Frame
from kiosk.drivers.camera.errors import CameraError, CameraTimeout

EMPTY_ROOM = (96, 100, 104)


class RigCamera:
    def __init__(
        self, frames: Callable[[], Frame | None], *, fps: float = 15.0, width: int = 640, height: int = 480
    ) -> None:
        self._frames = frames
        self._period_s = 1.0 / fps
        self._next_at = time.monotonic()
        self._wait = threading.Event()  # set only by close(): a pending read returns at once
        self._empty = np.empty((height, width, 3), dtype=np.uint8)
        self._empty[:] = EMPTY_ROOM
        self._closed = False

    def read(self, timeout_s: float) -> Frame:
        if self._closed:
            raise CameraError("camera closed", reason="closed")
        wait_s = self._next_at - time.monotonic()
        if wait_s > timeout_s:
            self._wait.wait(timeout_s)
            raise CameraTimeout(f"no frame within {timeout_s} s")
        if wait_s > 0:
            self._wait.wait(wait_s)
        self._next_at = max(self._next_at + self._period_s, time.monotonic())
        frame = self._frames()
        return self._empty if frame is None else frame

    def hold_exposure(self, held: bool) -> None:
        """The rig's frames are photos or an already-opened webcam's: nothing to hold here."""

    def close(self) -> None:
        self._closed = True
        self._wait.set()
