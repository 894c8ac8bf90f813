"""FaceService over a real (folder) camera and the int8 models, with a clock that advances per camera read."""

from __future__ import annotations

import io
import random
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kiosk.drivers.camera import Camera
from kiosk.drivers.camera.folder import FolderCamera
from kiosk.face.fusion import DecisionRule, FusionRule
from kiosk.face.imaging import degrade_like_chip
from kiosk.face.landmarks import Landmarks
from kiosk.face.liveness import ChallengeLimits
from kiosk.face.quality import Hint
from kiosk.face.service import Capture, FaceCancelled, FaceCaptureTimeout, FaceService
from kiosk.face.verifier import Analysis, FaceVerifier
from tests.face import synthetic
from tests.face.conftest import load_frame


class StepClock:
    """Monotonic time that moves 0.1 s per camera frame (a 10 fps camera), so deadlines are reached without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TimedCamera:
    def __init__(self, inner: Camera, clock: StepClock) -> None:
        self.inner, self.clock = inner, clock
        self.reads = 0

    def read(self, timeout_s: float) -> np.ndarray:
        assert 0 < timeout_s <= 1.0
        self.clock.now += 0.1
        self.reads += 1
        return self.inner.read(timeout_s)

    def hold_exposure(self, held: bool) -> None:
        pass

    def close(self) -> None:
        self.inner.close()


def save(folder: Path, name: str, image: np.ndarray) -> None:
    Image.fromarray(image).save(folder / name)


def service(folder: Path, verifier: FaceVerifier) -> tuple[FaceService, TimedCamera]:
    clock = StepClock()
    cam = TimedCamera(FolderCamera(folder), clock)
    return FaceService(cam, verifier, clock=clock, rng=random.Random(4)), cam


def test_capture_guides_until_a_good_frame(tmp_path: Path, faces_dir: Path, verifier: FaceVerifier) -> None:
    good = load_frame(faces_dir / "img2.jpg")
    save(tmp_path, "a_empty.png", np.full((480, 640, 3), 100, np.uint8))
    save(tmp_path, "b_dark.png", (good * 0.25).astype(np.uint8))
    save(tmp_path, "c_good.png", good)
    svc, cam = service(tmp_path, FaceVerifier(verifier.models, decision=DecisionRule(frames=3)))
    hints: list[str] = []
    capture = svc.capture(None, hints.append, timeout_s=5.0)
    assert hints == ["no_face", "too_dark", "ok"]  # no guidance once a good frame is had
    # after the first good frame (3rd read) it gathers good frames for frames_window_s (10 reads at 10 fps)
    assert 12 <= cam.reads <= 14 and len(capture.frames) in (3, 4)
    assert all(np.array_equal(frame, good) for frame in capture.frames)


def test_capture_stops_once_it_has_twice_the_frames_the_decision_keeps(
    tmp_path: Path, faces_dir: Path, verifier: FaceVerifier
) -> None:
    save(tmp_path, "good.png", load_frame(faces_dir / "img2.jpg"))
    svc, cam = service(tmp_path, FaceVerifier(verifier.models, decision=DecisionRule(frames=2)))
    capture = svc.capture(None, lambda _: None, timeout_s=5.0)
    assert len(capture.frames) == 4 and cam.reads == 4


def test_capture_gives_up_at_its_deadline(tmp_path: Path, verifier: FaceVerifier) -> None:
    save(tmp_path, "empty.png", np.full((480, 640, 3), 100, np.uint8))
    svc, cam = service(tmp_path, verifier)
    hints: list[str] = []
    with pytest.raises(FaceCaptureTimeout) as e:
        svc.capture(None, hints.append, timeout_s=2.0)
    assert e.value.reason == "timeout" and hints == ["no_face"]
    assert 19 <= cam.reads <= 21  # 10 frames a second for 2 s


def test_a_still_photo_fails_the_liveness_challenge(tmp_path: Path, faces_dir: Path, verifier: FaceVerifier) -> None:
    save(tmp_path, "photo.png", load_frame(faces_dir / "img2.jpg"))
    svc, _ = service(tmp_path, verifier)
    prompts: list[str] = []
    passed, reason = svc.liveness(prompts.append, timeout_s=3.0)
    assert not passed and reason == "timeout"
    assert prompts[0] == "look_straight" and prompts[1] in ("blink", "turn_left", "turn_right")


def test_liveness_embeds_only_the_frames_the_challenge_asks_for(
    tmp_path: Path, faces_dir: Path, verifier: FaceVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same-face check: the first frontal face is embedded once as the reference (a still photo never turns, so
    nothing else is embedded); the embedding stays out of every other frame, since it is the costly step."""
    save(tmp_path, "photo.png", load_frame(faces_dir / "img2.jpg"))
    svc, cam = service(tmp_path, verifier)
    embedded: list[int] = []
    real = verifier.models.embedder.embed
    monkeypatch.setattr(verifier.models.embedder, "embed", lambda crop: embedded.append(1) or real(crop))
    assert svc.liveness(lambda _: None, timeout_s=2.0) == (False, "timeout")
    assert len(embedded) == 1 and cam.reads > 10


def test_liveness_fails_when_the_face_leaves(tmp_path: Path, verifier: FaceVerifier) -> None:
    save(tmp_path, "empty.png", np.full((480, 640, 3), 100, np.uint8))
    svc, _ = service(tmp_path, verifier)
    svc.challenge = ChallengeLimits(max_face_lost_s=0.5)
    assert svc.liveness(lambda _: None, timeout_s=10.0) == (False, "face_lost")


def test_match_against_the_chip_portrait(tmp_path: Path, faces_dir: Path, verifier: FaceVerifier) -> None:
    portrait = degrade_like_chip(load_frame(faces_dir / "img1.jpg"), 180.0)
    buf = io.BytesIO()
    Image.fromarray(portrait).save(buf, format="JPEG", quality=40)
    save(tmp_path, "x.png", np.zeros((8, 8, 3), np.uint8))
    svc, _ = service(tmp_path, verifier)
    accepted, score = svc.match(load_frame(faces_dir / "img7.jpg"), buf.getvalue())
    assert accepted and score >= verifier.threshold
    accepted, score = svc.match(load_frame(faces_dir / "img19.jpg"), buf.getvalue())
    assert not accepted and score < verifier.threshold


def chip_jpeg(image: np.ndarray, face_px: float) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(degrade_like_chip(image, face_px)).save(buf, format="JPEG", quality=40)
    return buf.getvalue()


def test_a_capture_is_decided_once_on_its_usable_frames(
    tmp_path: Path, faces_dir: Path, verifier: FaceVerifier
) -> None:
    """Frames without a face are passed over; the holder's frames are fused and accepted, a stranger's refused."""
    portrait = chip_jpeg(load_frame(faces_dir / "img1.jpg"), 180.0)
    save(tmp_path, "x.png", np.zeros((8, 8, 3), np.uint8))
    svc, _ = service(tmp_path, FaceVerifier(verifier.models, decision=DecisionRule(3, FusionRule.EMBEDDING)))
    nobody = np.full((480, 640, 3), 100, np.uint8)
    holder = Capture((nobody, load_frame(faces_dir / "img7.jpg"), load_frame(faces_dir / "img1.jpg")))
    accepted, score = svc.match(holder, portrait)
    assert accepted and score >= verifier.threshold
    stranger = Capture((load_frame(faces_dir / "img19.jpg"), nobody))
    accepted, score = svc.match(stranger, portrait)
    assert not accepted and score < verifier.threshold
    assert svc.match(Capture((nobody, nobody)), portrait) == (False, -1.0)


def test_verify_frames_reports_how_many_frames_it_fused(faces_dir: Path, verifier: FaceVerifier) -> None:
    nobody = np.full((480, 640, 3), 100, np.uint8)
    frames = [load_frame(faces_dir / name) for name in ("img7.jpg", "img1.jpg")] + [nobody]
    with verifier.enrol_image(degrade_like_chip(load_frame(faces_dir / "img1.jpg"), 180.0)) as template:
        two = FaceVerifier(verifier.models, decision=DecisionRule(2)).verify_frames(frames, template)
        one = FaceVerifier(verifier.models, decision=DecisionRule(1)).verify_frames(frames, template)
        none = verifier.verify_frames([nobody], template)
    assert (two.frames, one.frames, none.frames) == (2, 1, 0)
    assert none.score == -1.0 and not none.accepted and Hint.NO_FACE in none.quality.hints


def test_open_face_service_from_config_values(tmp_path: Path, faces_dir: Path) -> None:
    from kiosk.config import CameraSection, FaceSection
    from kiosk.drivers.camera import CameraUnavailable
    from kiosk.face.service import open_face_service

    save(tmp_path, "a.png", load_frame(faces_dir / "img2.jpg"))
    cam, face = CameraSection(backend="folder", folder=tmp_path), FaceSection()
    svc = open_face_service(
        backend=cam.backend, folder=cam.folder, width=cam.width, height=cam.height, model=face.model,
        threshold=face.match_threshold,
    )  # fmt: skip
    assert svc.verifier.threshold == face.match_threshold
    assert svc.capture(None, lambda _: None, timeout_s=2.0).frames[0].shape == (480, 640, 3)
    svc.camera.close()
    with pytest.raises(CameraUnavailable):
        open_face_service(backend="folder", folder=tmp_path / "nothing")


class SignallingCamera:
    """Sets `reading` once the loop under test has taken its turn and reads frames."""

    def __init__(self, inner: Camera) -> None:
        self.inner = inner
        self.reading = threading.Event()

    def read(self, timeout_s: float) -> np.ndarray:
        self.reading.set()
        return self.inner.read(timeout_s)

    def hold_exposure(self, held: bool) -> None:
        pass

    def close(self) -> None:
        self.inner.close()


def test_cancel_and_newer_requests_end_a_running_loop(tmp_path: Path, faces_dir: Path, verifier: FaceVerifier) -> None:
    save(tmp_path, "photo.png", load_frame(faces_dir / "img2.jpg"))
    cam = SignallingCamera(FolderCamera(tmp_path))
    svc = FaceService(cam, verifier, rng=random.Random(1))  # real clock: 60 s deadlines
    results: list[object] = []
    worker = threading.Thread(target=lambda: results.append(svc.liveness(lambda _: None, timeout_s=60.0)))
    worker.start()
    assert cam.reading.wait(10.0)
    svc.cancel()
    worker.join(timeout=10.0)
    assert not worker.is_alive() and results == [(False, "cancelled")]

    save(tmp_path, "photo.png", np.full((480, 640, 3), 100, np.uint8))  # nobody: capture would run to its deadline
    errors: list[FaceCancelled] = []

    def capture() -> None:
        try:
            svc.capture(None, lambda _: None, timeout_s=60.0)
        except FaceCancelled as e:
            errors.append(e)

    cam.reading.clear()
    stale = threading.Thread(target=capture)
    stale.start()
    assert cam.reading.wait(10.0)
    svc.liveness(lambda _: None, timeout_s=0.5)  # the next journey's request supersedes the stale capture
    stale.join(timeout=10.0)
    assert not stale.is_alive() and len(errors) == 1 and errors[0].reason == "cancelled"


class FrameClock:
    """Monotonic time that moves one 30 fps frame per camera read (the rate the motion limits were set at)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ThirtyFps:
    def __init__(self, inner: Camera, clock: FrameClock) -> None:
        self.inner, self.clock = inner, clock

    def read(self, timeout_s: float) -> np.ndarray:
        self.clock.now += 1 / 30
        return self.inner.read(timeout_s)

    def hold_exposure(self, held: bool) -> None:
        pass

    def close(self) -> None:
        self.inner.close()


def jpeg(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(degrade_like_chip(image, 180.0)).save(buf, format="JPEG", quality=40)
    return buf.getvalue()


def live_person(
    tmp_path: Path, faces_dir: Path, verifier: FaceVerifier, monkeypatch: pytest.MonkeyPatch
) -> tuple[FaceService, Callable[[str], None]]:
    """A real photo of one person on the camera whose head moves as each prompt asks: the verifier's own analysis of
    the photo (detection, aligned crop, so the real embedding) with the landmarks of a synthetic head doing the
    action. Returns the service and the prompt callback that drives the head."""
    save(tmp_path, "person.png", load_frame(faces_dir / "img7.jpg"))
    clock = FrameClock()
    svc = FaceService(ThirtyFps(FolderCamera(tmp_path), clock), verifier, clock=clock, rng=random.Random(4))
    rng = np.random.default_rng(0)
    meshes: list[np.ndarray] = []
    real = verifier.analyse

    def analyse(image: np.ndarray) -> Analysis:
        seen = real(image)
        if not meshes:
            meshes.extend(synthetic.performance([], synthetic.Performer(), rng, settle_s=1.0))
        return replace(seen, landmarks=Landmarks(meshes.pop(0), 1.0))

    def prompt(wanted: str) -> None:
        meshes.clear()
        actions = [] if wanted == "look_straight" else [wanted]
        meshes.extend(synthetic.performance(actions, synthetic.Performer(), rng, settle_s=0.3))

    monkeypatch.setattr(verifier, "analyse", analyse)
    return svc, prompt


def test_liveness_fails_when_the_turned_face_is_not_the_card_holder(
    tmp_path: Path, faces_dir: Path, verifier: FaceVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    """img7 on the camera (identity df00), the chip portrait of img13 (df02): the same person turns throughout, so
    only the portrait check can refuse it."""
    svc, prompt = live_person(tmp_path, faces_dir, verifier, monkeypatch)
    assert svc.liveness(prompt, timeout_s=10.0, portrait=jpeg(load_frame(faces_dir / "img13.jpg"))) == (
        False,
        "face_changed",
    )


def test_liveness_passes_the_card_holder_turning_their_head(
    tmp_path: Path, faces_dir: Path, verifier: FaceVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc, prompt = live_person(tmp_path, faces_dir, verifier, monkeypatch)  # img1 and img7 are both df00
    assert svc.liveness(prompt, timeout_s=10.0, portrait=jpeg(load_frame(faces_dir / "img1.jpg"))) == (True, "")
