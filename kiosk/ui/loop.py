"""The frame loop: pointer input to events, the runner's queue drained between frames, the view drawn.

Decision: journeys step on the UI thread, between frames, via `Runner.run_pending()`; they are pure and fast.
Anything that blocks (card reads, captures, printing, network) runs in the runner's worker pool through effects,
and only posts events back, so a frame is never late because of a device.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pygame

from kiosk.runner import Runner, Tick
from kiosk.ui import events
from kiosk.ui.events import Tapped, Touched
from kiosk.ui.port import ScreenPort
from kiosk.ui.view import KioskView

if TYPE_CHECKING:
    from kiosk.drivers.audio.guide import Guide

# Data keys whose change on the same screen is news worth saying (a refusal, a camera hint, a liveness prompt, a page).
SPOKEN_CHANGES = ("reason", "error", "hint", "prompt", "purpose", "page", "finger", "task")

ACTIVE_FPS = 30
IDLE_FPS = 10


IDENTITY_TOUCH = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


def calibrated(matrix: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    """A touch's window fractions through `[ui] touch_matrix` (a b c d e f: x' = ax + by + c, y' = dx + ey + f,
    libinput's LIBINPUT_CALIBRATION_MATRIX convention), kept on the screen."""
    a, b, c, d, e, f = matrix
    return min(max(a * x + b * y + c, 0.0), 1.0), min(max(d * x + e * y + f, 0.0), 1.0)


@dataclass
class FrameStats:
    frames: int = 0
    drawn: int = 0
    started_s: float = field(default_factory=time.perf_counter)
    first_frame_s: float | None = None


class ScreenLoop:
    """Owns nothing but the per-frame order: input, queue, state, draw. The display and runner are injected."""

    def __init__(
        self,
        view: KioskView,
        runner: Runner,
        port: ScreenPort,
        *,
        area: pygame.Rect,
        tick_s: float = 0.1,
        on_tap: Callable[[Tapped], None] | None = None,
        touched: Callable[[], object] = Touched,
        guide: Guide | None = None,
        touch_matrix: tuple[float, ...] = IDENTITY_TOUCH,
    ) -> None:
        self.view = view
        self.touch_matrix = touch_matrix  # libinput's calibration matrix over the window's fractions
        self.runner = runner
        self.port = port
        self.area = area
        self.tick_s = tick_s
        self.on_tap = on_tap
        self.touched = touched  # what a touch on no control posts (the journeys' own event type, if they have one)
        self.guide = guide  # spoken guidance: each new screen's prompt (kiosk.ui.speech), replay and volume
        self._spoken: tuple[object, ...] = ()
        self.stats = FrameStats()
        self._next_tick = runner.clock.monotonic()
        self._taps: list[Tapped] = []

    def pointer(self, pos: tuple[int, int]) -> Tapped | None:
        """A touch or click at window coordinates `pos`; outside the kiosk area it is not ours."""
        if not self.area.collidepoint(pos):
            return None
        ev = self.view.press(pos)
        if ev is not None:
            self.tap(ev)
        else:
            self.runner.post(self.touched())
        return ev

    def tap(self, ev: Tapped) -> None:
        self.view.apply(ev)
        if self.guide is not None:
            if ev.action == events.LISTEN_AGAIN:
                self.guide.replay()
            elif ev.action == events.VOLUME:
                (self.guide.louder if ev.value == "up" else self.guide.quieter)()
        self.runner.post(ev)
        if self.on_tap:
            self.on_tap(ev)

    def handle(self, e: pygame.event.Event) -> None:
        if e.type == pygame.MOUSEBUTTONUP and e.button == 1 and not getattr(e, "touch", False):
            # SDL also turns each touch into a mouse click (`touch` set): the FINGERUP alone counts it.
            self.pointer(e.pos)
        elif e.type == pygame.FINGERUP:
            # Touch coordinates are fractions of the window.
            window = pygame.display.get_surface()
            if window is not None:
                w, h = window.get_size()
                x, y = calibrated(self.touch_matrix, e.x, e.y)
                self.pointer((min(int(x * w), w - 1), min(int(y * h), h - 1)))
        elif e.type == pygame.KEYDOWN and self.view.state.name in ("passcode", "citizen_id_entry"):
            if e.unicode and e.unicode.isdigit():
                self.tap(Tapped("digit", e.unicode))
            elif e.key == pygame.K_BACKSPACE:
                self.tap(Tapped("backspace"))
            elif e.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                self.tap(Tapped("ok"))

    def step(self, surface: pygame.Surface, *, now_s: float | None = None) -> bool:
        """One frame's work after input: run due journey steps, take the newest screen, draw if needed."""
        mono = self.runner.clock.monotonic()
        if mono >= self._next_tick:
            self._next_tick = mono + self.tick_s
            self.runner.post(Tick())
        self.runner.run_pending()
        state = self.port.take()
        if state is not None:
            self.view.show(state.name, state.data)
        self.stats.frames += 1
        if not self.view.needs_redraw:
            return False
        self.view.draw(surface, self.area, now_s=time.monotonic() if now_s is None else now_s)
        self.stats.drawn += 1
        if self.guide is not None:
            self.speak()
        if self.stats.first_frame_s is None:
            self.stats.first_frame_s = time.perf_counter() - self.stats.started_s
        return True

    def speak(self) -> None:
        """Say the drawn screen's prompt once: again only when the screen, its language, its colours (high contrast)
        or its news changes."""
        if self.guide is None:
            return
        from kiosk.ui.speech import prompt_for

        st = self.view.state
        key = (st.name, self.view.language, self.view.high_contrast, *(str(st.data.get(k, "")) for k in SPOKEN_CHANGES))
        if key == self._spoken:
            return
        if st.name == "attract" and self._spoken[:1] != ("attract",):
            self.guide.reset()  # the next person: the starting volume, nothing of the last one's to replay
        self._spoken = key
        self.guide.say(
            prompt_for(
                st.name,
                st.data,
                language=self.view.language,
                title=self.view.title,
                texts=self.view.texts,
                hits=self.view.controls,
                area=self.area,
                high_contrast=self.view.high_contrast,
            )
        )

    @property
    def fps_wanted(self) -> int:
        return ACTIVE_FPS if self.view.needs_redraw else IDLE_FPS


__all__ = ["ScreenLoop", "events"]
