"""Face frames and portraits never touch disk: every file the pipeline opens while enrolling, assessing, verifying
and running the liveness loop is opened read-only (checked with a Python audit hook on the "open" event)."""

from __future__ import annotations

import io
import os
import random
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from kiosk.drivers.camera.folder import FolderCamera
from kiosk.face.liveness import ChallengeLimits
from kiosk.face.service import FaceService
from kiosk.face.verifier import FaceVerifier
from tests.face.conftest import load_frame

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class OpenRecorder:
    """Audit hooks cannot be removed: one is installed per process and records only while `active` is set."""

    instance: OpenRecorder | None = None

    def __init__(self) -> None:
        self.active = threading.Event()
        self.writes: list[str] = []
        self.reads = 0
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if event != "open" or not self.active.is_set():
            return
        path, mode, flags = [*args, None, None, None][:3]
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and bool(flags & WRITE_FLAGS)
        )
        if writing:
            self.writes.append(f"{path!r} {mode!r} {flags!r}")
        else:
            self.reads += 1

    @classmethod
    def get(cls) -> OpenRecorder:
        if cls.instance is None:
            cls.instance = OpenRecorder()
        return cls.instance


def test_the_face_pipeline_opens_nothing_for_writing(tmp_path: Path, faces_dir: Path, verifier: FaceVerifier) -> None:
    Image.fromarray(load_frame(faces_dir / "img2.jpg")).save(tmp_path / "frame.png")
    buf = io.BytesIO()
    Image.fromarray(load_frame(faces_dir / "img1.jpg", 200)).save(buf, format="JPEG", quality=40)
    portrait = buf.getvalue()
    recorder = OpenRecorder.get()
    recorder.writes.clear()
    recorder.active.set()
    try:
        clock = iter(np.arange(0.0, 100.0, 0.1))
        svc = FaceService(
            FolderCamera(tmp_path), verifier, clock=lambda: float(next(clock)), rng=random.Random(1),
            challenge=ChallengeLimits(),
        )  # fmt: skip
        capture = svc.capture(portrait, lambda _: None, timeout_s=3.0)
        svc.liveness(lambda _: None, timeout_s=1.0)
        accepted, _ = svc.match(capture, portrait)
        with verifier.enrol_portrait(portrait) as template:
            verifier.verify(capture.frames[0], template)
    finally:
        recorder.active.clear()
    assert accepted
    assert recorder.reads > 0  # the hook does see the camera's reads of its own files
    assert recorder.writes == []


def test_the_recorder_sees_a_write() -> None:
    recorder = OpenRecorder.get()
    recorder.writes.clear()
    recorder.active.set()
    try:
        with open(os.devnull, "w") as f:
            f.write("x")
    finally:
        recorder.active.clear()
    assert len(recorder.writes) == 1
