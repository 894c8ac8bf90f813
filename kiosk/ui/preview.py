"""What the camera screens show: the frames the kiosk's own camera delivered to the face service, teed in memory.

The face service reads the camera on a worker thread; the tee keeps only the newest frame, for at most a second,
so the preview is exactly what is being judged and nothing older lingers in memory.
"""

from __future__ import annotations

import threading
import time

from kiosk.drivers.camera import Camera, Frame

STALE_S = 1.0


class Preview:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: Frame | None = None
        self._at = 0.0

    def tee(self, camera: Camera) -> Camera:
        return _Teed(camera, self)

    def put(self, frame: Frame) -> None:
        with self._lock:
            self._frame, self._at = frame, time.monotonic()

    def latest(self) -> Frame | None:
        """The newest frame, or None when the camera has not been read for a second (no capture running)."""
        with self._lock:
            if self._frame is not None and time.monotonic() - self._at > STALE_S:
                self._frame = None
            return self._frame


class _Teed:
    def __init__(self, inner: Camera, preview: Preview) -> None:
        self.inner = inner
        self.preview = preview

    def read(self, timeout_s: float) -> Frame:
        frame = self.inner.read(timeout_s)
        self.preview.put(frame)
        return frame

    def hold_exposure(self, held: bool) -> None:
        self.inner.hold_exposure(held)

    def close(self) -> None:
        self.inner.close()
