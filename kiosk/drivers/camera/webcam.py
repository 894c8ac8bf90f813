"""USB webcams through OpenCV's V4L2 capture (the optional `webcam` extra), imported only when this back end is used.

OpenCV's `read()` blocks without a deadline, so a grabber thread keeps only the latest frame and `read(timeout_s)`
waits on a condition with a deadline for a frame newer than the last one returned.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
import time
from typing import Any

import numpy as np
import numpy.typing as npt

from kiosk.drivers.camera.errors import CameraError, CameraGone, CameraTimeout, CameraUnavailable

FAILED_READS_BEFORE_GONE = 25


class OpenCvCamera:
    def __init__(self, device: str = "0", *, width: int = 640, height: int = 480) -> None:
        try:
            self._cv2: Any = importlib.import_module("cv2")
        except ImportError as e:
            raise CameraUnavailable("OpenCV is not installed (the 'webcam' extra)") from e
        source: int | str = int(device) if device.isdigit() else device
        cap = self._cv2.VideoCapture(source, self._cv2.CAP_V4L2) if isinstance(source, int) else None
        if cap is None or not cap.isOpened():
            cap = self._cv2.VideoCapture(source)
        if not cap.isOpened():
            raise CameraUnavailable(f"cannot open camera {device!r}")
        cap.set(self._cv2.CAP_PROP_FRAME_WIDTH, width)
        cap.set(self._cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._cap = cap
        self._cond = threading.Condition()
        self._frame: npt.NDArray[np.uint8] | None = None
        self._seq = 0
        self._returned = 0
        self._failure: CameraError | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._grab, name="camera-grab", daemon=True)
        self._thread.start()

    def _grab(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                ok, bgr = self._cap.read()
            except self._cv2.error as e:
                ok, bgr = False, None
                self._fail(CameraGone(f"camera read failed: {e}"))
                return
            if not ok or bgr is None:
                failures += 1
                if failures >= FAILED_READS_BEFORE_GONE:
                    self._fail(CameraGone("the camera stopped delivering frames"))
                    return
                self._stop.wait(0.02)  # a paced retry of a failed read, not a busy loop
                continue
            failures = 0
            rgb = np.ascontiguousarray(bgr[:, :, ::-1])
            with self._cond:
                self._frame = rgb
                self._seq += 1
                self._cond.notify_all()

    def _fail(self, error: CameraError) -> None:
        with self._cond:
            self._failure = error
            self._cond.notify_all()

    def read(self, timeout_s: float) -> npt.NDArray[np.uint8]:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while self._seq == self._returned:
                if self._failure is not None:
                    raise self._failure
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stop.is_set():
                    raise CameraTimeout(f"no frame within {timeout_s:.1f} s")
                self._cond.wait(remaining)
            assert self._frame is not None
            self._returned = self._seq
            return self._frame

    def hold_exposure(self, held: bool) -> None:
        """V4L2 through OpenCV: auto exposure 1 = manual (kept at its last value), 3 = aperture priority (auto).
        A webcam that lacks either control just keeps adjusting (set() returns False; nothing to raise)."""
        cv2 = self._cv2
        self._cap.set(cv2.CAP_PROP_AUTO_EXPOSURE, 1 if held else 3)
        self._cap.set(cv2.CAP_PROP_AUTO_WB, 0 if held else 1)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        with contextlib.suppress(self._cv2.error):
            self._cap.release()
