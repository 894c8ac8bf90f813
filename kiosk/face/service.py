"""The camera-driven loops behind the journeys' face port: capture with guidance, the liveness run, the match.

Blocking calls for the runner's worker threads (the shape of `kiosk.flows.ports.FacePort`). Every loop runs against
a deadline from an injected monotonic clock; each camera read has its own deadline; nothing sleeps. Frames live
only in local variables; the portrait's template is made, used and forgotten inside `match`.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from kiosk.drivers.camera import Camera, open_camera
from kiosk.face import flash
from kiosk.face.errors import FaceError
from kiosk.face.imaging import RGB
from kiosk.face.liveness import ChallengeLimits, Phase, observe, start, step, wants_identity
from kiosk.face.quality import relevant_faces
from kiosk.face.spoof import screen_cues
from kiosk.face.verifier import FaceModels, FaceVerifier

Hint = Callable[[str], None]


class FaceCaptureTimeout(FaceError):
    """No frame passed the quality gates before the capture's deadline."""

    reason = "timeout"


class FaceCancelled(FaceError):
    """The loop was ended by cancel() or by a newer request (its result would reach nobody)."""

    reason = "cancelled"


@dataclass(frozen=True)
class Capture:
    """The frames of one capture that passed every quality gate, in memory only; `match` decides on them once."""

    frames: tuple[RGB, ...] = field(repr=False)


class FaceService:
    def __init__(
        self,
        camera: Camera,
        verifier: FaceVerifier,
        *,
        challenge: ChallengeLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        frame_timeout_s: float = 1.0,
        flash_limits: flash.FlashLimits | None = None,
        frames_window_s: float = 1.0,
    ) -> None:
        self.camera = camera
        self.verifier = verifier
        self.challenge = challenge or ChallengeLimits()
        self.clock = clock
        self.rng = rng or random.SystemRandom()
        self.frame_timeout_s = frame_timeout_s
        self.flash = flash_limits  # None: no screen-flash colour challenge after the actions
        self.frames_window_s = frames_window_s  # after the first good frame, capture gathers more this long
        self._turn = 0  # each capture/liveness call takes a turn; a newer call or cancel() ends the older loop
        self._turn_lock = threading.Lock()

    def cancel(self) -> None:
        """End any capture or liveness loop still running (e.g. a journey that was abandoned) at its next frame."""
        with self._turn_lock:
            self._turn += 1

    def _take_turn(self) -> int:
        with self._turn_lock:
            self._turn += 1
            return self._turn

    def _read(self, deadline: float, turn: int) -> RGB | None:
        if turn != self._turn:
            raise FaceCancelled("superseded by a newer face request or cancelled")
        remaining = deadline - self.clock()
        if remaining <= 0:
            return None
        return self.camera.read(min(self.frame_timeout_s, remaining))

    def capture(self, portrait: bytes | None, hint: Hint, timeout_s: float) -> Capture:
        """Read frames until one passes every quality gate (guidance is sent each time it changes), then keep
        gathering good frames for `frames_window_s`, up to twice the verifier's `decision.frames`, for `match`
        to choose the best from."""
        turn = self._take_turn()
        deadline = self.clock() + timeout_s
        last = ""
        good: list[RGB] = []
        wanted = 2 * self.verifier.decision.frames
        while len(good) < wanted and (frame := self._read(deadline, turn)) is not None:
            quality = self.verifier.assess(frame)
            code = "ok" if quality.ok else quality.hints[0].value
            if code != last and not good:
                hint(code)
                last = code
            if quality.ok:
                if not good:
                    deadline = min(deadline, self.clock() + self.frames_window_s)
                good.append(frame)
        if not good:
            raise FaceCaptureTimeout(f"no usable face within {timeout_s:.0f} s")
        return Capture(tuple(good))

    def liveness(self, prompt: Hint, timeout_s: float, *, portrait: bytes | None = None) -> tuple[bool, str]:
        """Run one challenge: prompts "look_straight", then each action ("blink", "turn_left", "turn_right"), then
        (with flash limits) the screen-flash colours ("flash_off", "flash_red", ...). Returns (passed, "" or the
        failure: timeout, face_lost, multiple_faces, face_jumped, broken_motion, face_changed, flat_motion,
        screen_cues, no_reflection, wrong_colour, flat_reflection, cancelled). With the chip `portrait`, turned
        faces must match it."""
        turn = self._take_turn()
        now = self.clock()
        card = None
        if portrait is not None:
            with self.verifier.enrol_portrait(portrait) as template:
                card = template.embedding.copy()
        # The journey's deadline covers the flash colours too: the actions get what is left of it.
        actions_s = timeout_s - (self.flash.duration_s if self.flash is not None else 0.0)
        state = start(now, self.rng, replace(self.challenge, deadline_s=actions_s), portrait_identity=card)
        shown = ""
        while not state.done:
            wanted = "look_straight" if state.phase is Phase.SETTLE else str(state.current)
            if wanted != shown:
                prompt(wanted)
                shown = wanted
            try:
                frame = self._read(state.deadline_s, turn)
            except FaceCancelled:
                return False, FaceCancelled.reason
            now = self.clock()
            if frame is None:
                state = step(state, observe(None), now)
                continue
            analysis = self.verifier.analyse(frame)
            faces = len(relevant_faces(analysis.detections, self.verifier.limits.other_face_ratio))
            cues = screen_cues(frame, analysis.primary).suspicious if analysis.primary is not None else False
            obs = observe(analysis.landmarks, faces, screen_cues=cues)
            if analysis.aligned is not None and wants_identity(state, obs):
                obs = replace(obs, identity=self.verifier.models.embedder.embed(analysis.aligned))
            state = step(state, obs, now)
        if not state.passed:
            return False, "" if state.failure is None else state.failure.value
        if self.flash is None:
            return True, ""
        try:
            lit = self.flash_check(prompt, self.flash, turn)
        except FaceCancelled:
            return False, FaceCancelled.reason
        return lit.passed, "" if lit.failure is None else lit.failure.value

    def flash_check(self, prompt: Hint, limits: flash.FlashLimits, turn: int | None = None) -> flash.FlashResult:
        """Light the face with a random colour sequence from the screen (`prompt("flash_<colour>")` asks the UI
        to show each) with the camera's exposure held, and judge how the face reflected it."""
        turn = self._take_turn() if turn is None else turn
        plan = flash.plan(self.rng, limits)
        samples: list[flash.Sample] = []
        t0 = self.clock()
        end = t0 + plan.duration_s
        shown = ""
        self.camera.hold_exposure(True)
        try:
            while (t := self.clock() - t0) < plan.duration_s:
                colour = plan.shown_at(t)
                if colour != shown:
                    prompt(flash.PROMPT_PREFIX + colour)
                    shown = colour
                frame = self._read(end, turn)
                if frame is None:
                    break
                marks = self.verifier.analyse(frame).landmarks
                samples.append(flash.sample(self.clock() - t0, frame, marks, limits))
        finally:
            self.camera.hold_exposure(False)
        return flash.judge(plan, samples)

    def match(self, frame: object, portrait: bytes) -> tuple[bool, float]:
        """Compare a capture (or one camera frame) with the chip portrait, deciding once: (accepted, score)."""
        if isinstance(frame, Capture):
            frames = frame.frames
        elif isinstance(frame, np.ndarray):
            frames = (frame,)
        else:
            raise FaceError("not a camera frame", reason="bad_frame")
        with self.verifier.enrol_portrait(portrait) as template:
            result = self.verifier.verify_frames(frames, template)
        return result.accepted, result.score


def open_face_service(
    *,
    backend: str,
    device: str = "0",
    folder: Path = Path(""),
    width: int = 640,
    height: int = 480,
    mirrored: bool = False,
    rotation_deg: int = 0,
    model: str = "int8",
    threshold: float = 0.46,
    flash_challenge: bool = False,
) -> FaceService:
    """Camera + models + verifier from plain values (the composition root passes the [camera] and [face] sections'
    fields). Raises CameraUnavailable or ModelUnavailable; the camera is closed again if the models fail."""
    camera = open_camera(
        backend, device=device, folder=folder, width=width, height=height, mirrored=mirrored, rotation_deg=rotation_deg
    )
    try:
        verifier = FaceVerifier(FaceModels.load(model), threshold=threshold)
    except BaseException:
        camera.close()
        raise
    return FaceService(camera, verifier, flash_limits=flash.FlashLimits() if flash_challenge else None)
