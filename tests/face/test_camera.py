"""Camera back ends: folder frames in memory, typed errors for missing cameras, OpenCV's read deadline."""

from __future__ import annotations

import importlib.util
import sys
import threading
import types
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from PIL import Image

from kiosk.drivers.camera import CameraError, CameraGone, CameraTimeout, CameraUnavailable, open_camera


def write_images(folder: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        p = folder / f"f{i}.png"
        Image.new("RGB", (800, 600), (i * 40, 10, 200)).save(p)
        paths.append(p)
    return paths


def test_folder_camera_loops_over_files_scaled_to_the_frame(tmp_path: Path) -> None:
    write_images(tmp_path, 3)
    (tmp_path / "notes.txt").write_text("not an image")
    cam = open_camera("folder", folder=tmp_path, width=640, height=480)
    reds = [int(cam.read(timeout_s=1.0)[0, 0, 0]) for _ in range(4)]
    assert reds == [0, 40, 80, 0]
    frame = cam.read(timeout_s=1.0)
    assert frame.shape == (480, 640, 3) and frame.dtype == np.uint8
    cam.close()
    with pytest.raises(CameraError):
        cam.read(timeout_s=1.0)


def test_folder_camera_single_file_and_typed_errors(tmp_path: Path) -> None:
    (p,) = write_images(tmp_path, 1)
    assert open_camera("folder", folder=p).read(1.0).shape == (480, 640, 3)
    with pytest.raises(CameraUnavailable) as e:
        open_camera("folder", folder=tmp_path / "missing")
    assert e.value.reason == "unavailable" and e.value.device == "camera" and "not found" in str(e.value)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CameraUnavailable):
        open_camera("folder", folder=empty)
    with pytest.raises(CameraUnavailable):
        open_camera("folder", folder=Path(""))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.jpg").write_bytes(b"\xff\xd8 truncated")
    with pytest.raises(CameraError) as e2:
        open_camera("folder", folder=bad).read(1.0)
    assert e2.value.reason == "bad_frame"


def test_unknown_backend_or_rotation_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(CameraUnavailable):
        open_camera("kinect")
    write_images(tmp_path, 1)
    with pytest.raises(CameraUnavailable):
        open_camera("folder", folder=tmp_path, rotation_deg=45)


def test_mirrored_and_turned_cameras_deliver_upright_unmirrored_frames(tmp_path: Path) -> None:
    img = np.zeros((40, 60, 3), dtype=np.uint8)
    img[0, 0] = (255, 0, 0)  # red in the top-left corner of what the module delivers
    Image.fromarray(img).save(tmp_path / "f.png")
    assert tuple(open_camera("folder", folder=tmp_path, mirrored=True).read(1.0)[0, -1]) == (255, 0, 0)
    turned = open_camera("folder", folder=tmp_path, rotation_deg=90).read(1.0)
    assert turned.shape == (60, 40, 3) and tuple(turned[0, -1]) == (255, 0, 0)  # clockwise: top-left -> top-right
    upside = open_camera("folder", folder=tmp_path, rotation_deg=180).read(1.0)
    assert tuple(upside[-1, -1]) == (255, 0, 0) and upside.flags["C_CONTIGUOUS"]


@pytest.mark.skipif(importlib.util.find_spec("picamera2") is not None, reason="picamera2 importable here")
def test_missing_picamera2_is_camera_unavailable_not_import_error() -> None:
    with pytest.raises(CameraUnavailable) as e:
        open_camera("picamera2")
    assert e.value.reason == "unavailable" and "picamera2" in str(e.value)


@pytest.mark.skipif(importlib.util.find_spec("cv2") is not None, reason="OpenCV installed here")
def test_missing_opencv_is_camera_unavailable() -> None:
    with pytest.raises(CameraUnavailable) as e:
        open_camera("opencv", device="0")
    assert e.value.reason == "unavailable" and "OpenCV" in str(e.value)


class ScriptedCapture:
    """Stands in for cv2.VideoCapture: hands out scripted BGR frames, then blocks (a stalled camera) or fails."""

    script: ClassVar[list[Any]] = []
    release_event = threading.Event()

    def __init__(self, *args: Any) -> None:
        self.items = list(self.script)

    def isOpened(self) -> bool:
        return True

    settings: ClassVar[list[tuple[Any, ...]]] = []

    def set(self, *args: Any) -> bool:
        self.settings.append(args)
        return True

    def read(self) -> tuple[bool, Any]:
        if self.items:
            item = self.items.pop(0)
            return (item is not None), item
        self.release_event.wait(0.3)  # a stalled camera: V4L2 gives up on each read after a while
        return False, None

    def release(self) -> None:
        self.release_event.set()


def fake_cv2(script: list[Any]) -> types.ModuleType:
    mod = types.ModuleType("cv2")
    ScriptedCapture.script = script
    ScriptedCapture.release_event = threading.Event()
    mod.VideoCapture = ScriptedCapture  # type: ignore[attr-defined]
    mod.CAP_V4L2 = 200  # type: ignore[attr-defined]
    mod.CAP_PROP_FRAME_WIDTH = 3  # type: ignore[attr-defined]
    mod.CAP_PROP_FRAME_HEIGHT = 4  # type: ignore[attr-defined]
    mod.CAP_PROP_AUTO_EXPOSURE = 21  # type: ignore[attr-defined]
    mod.CAP_PROP_AUTO_WB = 44  # type: ignore[attr-defined]
    mod.error = RuntimeError  # type: ignore[attr-defined]
    return mod


def test_opencv_backend_converts_bgr_and_times_out_when_the_camera_stalls(monkeypatch: pytest.MonkeyPatch) -> None:
    bgr = np.zeros((4, 6, 3), dtype=np.uint8)
    bgr[..., 0] = 255  # blue in OpenCV's order
    monkeypatch.setitem(sys.modules, "cv2", fake_cv2([bgr]))
    cam = open_camera("opencv", device="0")
    try:
        frame = cam.read(timeout_s=2.0)
        assert frame.shape == (4, 6, 3) and tuple(frame[0, 0]) == (0, 0, 255)
        with pytest.raises(CameraTimeout):
            cam.read(timeout_s=0.2)  # no newer frame: a deadline, not a hang
    finally:
        cam.close()


def test_opencv_backend_reports_a_camera_that_stops_delivering(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cv2", fake_cv2([None] * 30))
    cam = open_camera("opencv", device="/dev/video9")
    try:
        with pytest.raises(CameraGone):
            cam.read(timeout_s=3.0)
    finally:
        cam.close()


class FakePicamera2:
    """The slice of picamera2 0.3.x the back end uses: configure/start, capture_array(wait=False) -> job,
    wait(job, timeout) -> array or TimeoutError (concurrent.futures' timeout is the builtin one)."""

    cameras = 1
    frames: ClassVar[list[Any]] = []

    def __init__(self, index: int = 0) -> None:
        if index >= self.cameras:
            raise IndexError("list index out of range")
        self.config: dict[str, Any] = {}
        self.controls: list[dict[str, Any]] = []
        self.started = self.closed = False

    def create_video_configuration(self, main: dict[str, Any]) -> dict[str, Any]:
        return {"main": main}

    def configure(self, config: dict[str, Any]) -> None:
        self.config = config

    def start(self) -> None:
        self.started = True

    def capture_array(self, name: str = "main", wait: Any = None) -> object:
        assert name == "main" and wait is False and self.started
        return "job"

    def wait(self, job: object, timeout: float | None = None) -> Any:
        assert timeout is not None and timeout > 0
        if not self.frames:
            raise TimeoutError
        return self.frames.pop(0)

    def set_controls(self, controls: dict[str, Any]) -> None:
        self.controls.append(controls)

    def stop(self) -> None:
        self.started = False

    def close(self) -> None:
        self.closed = True


def test_picamera2_backend_with_the_library_present(monkeypatch: pytest.MonkeyPatch) -> None:
    mod = types.ModuleType("picamera2")
    mod.Picamera2 = FakePicamera2  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "picamera2", mod)
    rgb = np.zeros((48, 64, 3), dtype=np.uint8)
    rgb[..., 0] = 200  # BGR888 arrives laid out R,G,B
    FakePicamera2.frames = [rgb]
    cam = open_camera("picamera2", width=64, height=48)
    assert cam._cam.config == {"main": {"format": "BGR888", "size": (64, 48)}}  # type: ignore[attr-defined]
    frame = cam.read(timeout_s=0.5)
    assert frame.shape == (48, 64, 3) and tuple(frame[0, 0]) == (200, 0, 0)
    with pytest.raises(CameraTimeout):
        cam.read(timeout_s=0.5)
    cam.close()
    FakePicamera2.cameras = 0
    try:
        with pytest.raises(CameraUnavailable):
            open_camera("picamera2")
    finally:
        FakePicamera2.cameras = 1


def test_held_exposure_reaches_picamera2_as_ae_and_awb_off_then_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The screen-flash challenge holds exposure and white balance, or the camera would correct its light away."""
    mod = types.ModuleType("picamera2")
    mod.Picamera2 = FakePicamera2  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "picamera2", mod)
    cam = open_camera("picamera2", width=64, height=48, mirrored=True)
    cam.hold_exposure(True)
    cam.hold_exposure(False)
    inner = cam.inner._cam  # type: ignore[attr-defined]
    assert inner.controls == [{"AeEnable": False, "AwbEnable": False}, {"AeEnable": True, "AwbEnable": True}]
    cam.close()


def test_held_exposure_reaches_a_webcam_as_manual_exposure_and_fixed_white_balance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "cv2", fake_cv2([]))
    cam = open_camera("opencv", device="0")
    try:
        ScriptedCapture.settings.clear()
        cam.hold_exposure(True)
        assert ScriptedCapture.settings == [(21, 1), (44, 0)]  # V4L2: 1 = manual exposure; white balance off
        cam.hold_exposure(False)
        assert ScriptedCapture.settings[2:] == [(21, 3), (44, 1)]  # 3 = aperture priority (auto) again
    finally:
        cam.close()
