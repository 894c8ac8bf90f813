"""One kiosk on one screen area: the runner, the view and its frame loop, with the journeys composed onto them.

Shared by the real kiosk (`kiosk.ui.app`) and the simulator, which draws this area beside its device panel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

import pygame

from kiosk.config import Config
from kiosk.drivers.audio.guide import Guide
from kiosk.drivers.camera import Camera
from kiosk.runner import Clock, Runner
from kiosk.ui.loop import ScreenLoop
from kiosk.ui.port import ScreenPort
from kiosk.ui.preview import Preview
from kiosk.ui.text import Text
from kiosk.ui.view import KioskView, ScreenState

log = logging.getLogger(__name__)


class Compose(Protocol):
    """`kiosk.app.compose`'s shape: builds the journeys and devices onto the runner; returns their closer."""

    def __call__(
        self, cfg: Config, runner: Runner, screen: ScreenPort, *, camera: Camera | None, preview: Preview | None
    ) -> Callable[[], None]: ...


def _touched_event() -> Callable[[], object]:
    """The journeys count a touch on no control as activity with their own `Touched`; without them, the UI's."""
    try:
        from kiosk.flows.events import Touched
    except ImportError:
        from kiosk.ui.events import Touched as UiTouched

        return UiTouched
    return Touched


class KioskSession:
    def __init__(
        self,
        cfg: Config,
        text: Text,
        *,
        area: pygame.Rect,
        camera: Camera | None = None,
        clock: Clock | None = None,
        compose: Compose | None = None,
        guide: Guide | None = None,
    ) -> None:
        """`camera` replaces the configured camera (the simulator's); the camera screens show what it delivers."""
        self.cfg = cfg
        self.runner = Runner(clock)
        self.port = ScreenPort(ScreenState("attract"))
        self.preview = Preview()
        self.view = KioskView(
            text, language=cfg.kiosk.language, large_text=cfg.ui.large_text, camera=self.preview.latest
        )
        self.guide = guide
        self.loop = ScreenLoop(
            self.view,
            self.runner,
            self.port,
            area=area,
            touched=_touched_event(),
            guide=guide,
            touch_matrix=cfg.ui.touch_matrix,
        )
        self._close: Callable[[], None] = lambda: None
        if compose is None:
            from kiosk.app import compose as default_compose

            compose = default_compose
        self._close = compose(cfg, self.runner, self.port, camera=camera, preview=self.preview)

    def close(self) -> None:
        try:
            self._close()
        finally:
            self.runner.close()
            if self.guide is not None:
                self.guide.close()
