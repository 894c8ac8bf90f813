"""The frame loop: pointer input to events, the runner's queue drained between frames, the view drawn.

Decision: journeys step on the UI thread, between frames, via `Runner.run_pending()`; they are pure and fast.
Anything that blocks (card reads, captures, printing, network) runs in the runner's worker pool through effects,
and only posts events back, so a frame is never late because of a device.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pygame

from kiosk.runner import Runner, Tick
from kiosk.ui import events
from kiosk.ui.events import Tapped, Touched
from kiosk.ui.port import ScreenPort
from kiosk.ui.view import KioskView

ACTIVE_FPS = 30
IDLE_FPS = 10


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
    ) -> None:
        self.view = view
        self.runner = runner
        self.port = port
        self.area = area
        self.tick_s = tick_s
        self.on_tap = on_tap
        self.touched = touched  # what a touch on no control posts (the journeys' own event type, if they have one)
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
                self.pointer((int(e.x * w), int(e.y * h)))
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
        if self.stats.first_frame_s is None:
            self.stats.first_frame_s = time.perf_counter() - self.stats.started_s
        return True

    @property
    def fps_wanted(self) -> int:
        return ACTIVE_FPS if self.view.needs_redraw else IDLE_FPS


__all__ = ["ScreenLoop", "events"]
