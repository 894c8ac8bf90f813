"""The screen registry and the view: draws the current (screen name, data) and maps touches to events."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pygame

from kiosk.ui import events
from kiosk.ui import layout as C
from kiosk.ui.canvas import Canvas, Data, FrameSource, Hit
from kiosk.ui.events import Tapped
from kiosk.ui.i18n import LANGUAGES, translator
from kiosk.ui.layout import Layout
from kiosk.ui.text import Text

log = logging.getLogger(__name__)

ScreenFn = Callable[[Canvas, Data], None]
_REGISTRY: dict[str, ScreenFn] = {}


def screen(name: str) -> Callable[[ScreenFn], ScreenFn]:
    """Register a screen renderer under the name the journeys use in their Show effects."""

    def register(fn: ScreenFn) -> ScreenFn:
        if name in _REGISTRY:
            raise ValueError(f"screen {name!r} registered twice")
        _REGISTRY[name] = fn
        return fn

    return register


def inactivity_warning(cv: Canvas, seconds_left: int) -> None:
    from kiosk.ui.screens.chrome import warning_overlay

    warning_overlay(cv, seconds_left)


def registry() -> Mapping[str, ScreenFn]:
    import kiosk.ui.screens  # noqa: F401  (registers every screen)

    return _REGISTRY


@dataclass(frozen=True)
class ScreenState:
    name: str
    data: Mapping[str, Any] = field(default_factory=dict)


FALLBACK = "out_of_service"
PRESSED_FRAMES = 4  # about 130 ms at 30 fps


class KioskView:
    """Holds what is shown and the viewer's preferences; owns no journey state."""

    def __init__(
        self,
        text: Text,
        *,
        language: str = "th",
        large_text: bool = False,
        high_contrast: bool = False,
        camera: FrameSource | None = None,
    ) -> None:
        self.text = text
        self.language = language if language in LANGUAGES else "th"
        self.large_text = large_text
        self.high_contrast = high_contrast
        self._defaults = (self.language, large_text, high_contrast)
        self.camera = camera
        self.state = ScreenState("attract")
        self._hits: list[Hit] = []
        self._dirty = True
        self._animating = False
        self.view_page = 0  # the page of long text shown (consent terms): the view's own, reset by a new screen
        self.texts: list[str] = []  # every string drawn in the last frame, in drawing order
        self.title = ""  # the last frame's header title
        self._flash: tuple[pygame.Rect, int] | None = None  # a touched control, and frames left to show it pressed

    def show(self, name: str, data: Mapping[str, Any] | None = None) -> None:
        if name == "attract" and self.state.name != "attract":
            # The next person starts from the kiosk's defaults, not the last person's choices.
            self.language, self.large_text, self.high_contrast = self._defaults
        if name != self.state.name:
            self._flash = None  # the new screen is the answer to the touch
            self.view_page = 0
        self.state = ScreenState(name, dict(data or {}))
        self._dirty = True

    def apply(self, ev: Tapped) -> None:
        """Preference taps take effect at once, before the journeys see them."""
        if ev.action == events.LANGUAGE and ev.value in LANGUAGES:
            self.language = ev.value
            self._dirty = True
        elif ev.action == events.LARGE_TEXT:
            self.large_text = ev.value == "on" if ev.value else not self.large_text
            self._dirty = True
        elif ev.action == events.VIEW_PAGE and ev.value.isdigit():
            self.view_page = int(ev.value)
            self._dirty = True
        elif ev.action == events.HIGH_CONTRAST:
            self.high_contrast = ev.value == "on" if ev.value else not self.high_contrast
            self._dirty = True

    @property
    def needs_redraw(self) -> bool:
        return self._dirty or self._animating

    def draw(self, surface: pygame.Surface, rect: pygame.Rect | None = None, *, now_s: float = 0.0) -> Canvas:
        rect = rect or surface.get_rect()
        data = Data(self.state.data)
        n, m = data.integer("journey_step"), data.integer("journey_steps")
        step = (n, m) if 0 < n <= m else None
        cv = Canvas(
            surface=surface,
            layout=Layout(rect, self.large_text, self.high_contrast, stepped=step is not None),
            text=self.text,
            _=translator(self.language),
            language=self.language,
            now_s=now_s,
            camera=self.camera,
            view_page=self.view_page,
            step=step,
        )
        clip = surface.get_clip()
        surface.set_clip(rect)
        C.use_palette(self.high_contrast)
        floor = self.text.floor
        self.text.floor = 1 / C.LARGE_TEXT_FACTOR if self.large_text else 1.0  # never below the normal size
        try:
            self._draw(cv, surface, rect)
        finally:
            C.use_palette(False)  # whatever else draws on this surface (the simulator's panel) keeps its colours
            self.text.floor = floor
            surface.set_clip(clip)
            self.text.journal = None
        return cv

    def _draw(self, cv: Canvas, surface: pygame.Surface, rect: pygame.Rect) -> None:
        surface.fill(C.BG, rect)
        self.texts = []
        self.text.journal = self.texts
        fn = registry().get(self.state.name)
        if fn is None:
            log.error("no screen named %r: showing %s", self.state.name, FALLBACK)
            fn = registry()[FALLBACK]
        data = Data(self.state.data)
        fn(cv, data)
        if "warning_s" in data:
            cv.hits.clear()  # while the warning is up, only its own button counts
            inactivity_warning(cv, data.integer("warning_s"))
        if self._flash is not None:
            rect, frames = self._flash
            shade = pygame.Surface(rect.size, pygame.SRCALPHA)
            shade.fill((255, 255, 255, 110) if self.high_contrast else (0, 0, 0, 70))
            surface.blit(shade, rect.topleft)
            self._flash = (rect, frames - 1) if frames > 1 else None
            cv.animating = True
        self._hits = cv.hits
        self.title = cv.title
        self._dirty = False
        self._animating = cv.animating

    def press(self, pos: tuple[int, int]) -> Tapped | None:
        """Like `hit`, and the touched control shows pressed for a few frames: a touch must visibly land."""
        for h in reversed(self._hits):
            if h.rect.collidepoint(pos):
                self._flash = (h.rect, PRESSED_FRAMES)
                self._dirty = True
                return h.event
        return None

    def hit(self, pos: tuple[int, int]) -> Tapped | None:
        """The event of the topmost control under `pos` (later-drawn controls are on top)."""
        for h in reversed(self._hits):
            if h.rect.collidepoint(pos):
                return h.event
        return None

    @property
    def controls(self) -> list[Hit]:
        return list(self._hits)
