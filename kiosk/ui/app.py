"""The kiosk on real hardware: full-screen (KMS/DRM without a desktop), touch input, until asked to stop."""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType

import pygame

from kiosk.config import Config
from kiosk.service_notify import Notifier
from kiosk.ui.display import open_display
from kiosk.ui.session import KioskSession
from kiosk.ui.text import Text

log = logging.getLogger(__name__)


def quits(e: pygame.event.Event, *, windowed: bool) -> bool:
    """Closing the window, or Escape in a window; full-screen on a kiosk nothing a citizen presses quits."""
    return bool(e.type == pygame.QUIT or (windowed and e.type == pygame.KEYDOWN and e.key == pygame.K_ESCAPE))


def run(cfg: Config) -> int:
    surface = open_display(cfg.ui.width, cfg.ui.height, fullscreen=cfg.ui.fullscreen, title="kiosk")
    from kiosk.compose.audio import build_guide

    session = KioskSession(cfg, Text(cfg.ui.font), area=surface.get_rect(), guide=build_guide(cfg.audio))
    stop = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    clock = pygame.time.Clock()
    log.info("kiosk screen %dx%d up", *surface.get_size())
    manager = Notifier.from_env()
    manager.ready("kiosk screen up")
    try:
        while not stop:
            manager.alive(time.monotonic())
            for e in pygame.event.get():
                if quits(e, windowed=not cfg.ui.fullscreen):
                    stop = True
                else:
                    session.loop.handle(e)
            if session.loop.step(surface, now_s=time.monotonic()):
                pygame.display.flip()
            clock.tick(session.loop.fps_wanted)
    finally:
        manager.stopping("kiosk stopping")
        session.close()
        pygame.quit()
    return 0
