"""A camera over a function that returns what is in front of it now (the simulator's rig), paced at a frame rate.

`None` from the function means nobody is there: the camera then shows an empty grey scene, as a real one would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from kiosk.drivers.camera.errors import CameraError, CameraTimeout

Frame = npt.NDArray[np.uint8]


class SourceCamera:
    def __init__(
        self,
        source: Callable[[], Frame | None],
        *,
        fps: float = 15.0,
        width: int = 640,
        height: int = 480,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.interval_s = 1.0 / fps
        self.empty: Frame = np.full((height, width, 3), 96, dtype=np.uint8)
        self.clock = clock
        self._next_s = clock()
        self._closed = threading.Event()

    def read(self, timeout_s: float) -> Frame:
        """The scene at the next frame time; waits (on an event, interruptible by close) at most `timeout_s`."""
        now = self.clock()
        wait_s = self._next_s - now
        if wait_s > timeout_s:
            self._closed.wait(timeout_s)
            raise CameraTimeout(f"no frame within {timeout_s:.2f} s")
        if wait_s > 0 and self._closed.wait(wait_s):
            raise CameraError("camera closed", reason="closed")
        if self._closed.is_set():
            raise CameraError("camera closed", reason="closed")
        self._next_s = max(self._next_s, now) + self.interval_s
        frame = self.source()
        return self.empty if frame is None else np.ascontiguousarray(frame[:, :, :3], dtype=np.uint8)

    def close(self) -> None:
        self._closed.set()
