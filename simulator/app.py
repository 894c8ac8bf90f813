"""The simulator: the kiosk's own screen and journeys beside a panel of wire-level simulated devices.

`run(cfg, headless=None)` opens the window; with `headless=<scenario file>` it replays the scenario without one
(SDL's dummy video driver), saving screenshots and the printed roll to the artifacts folder.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import Config

log = logging.getLogger(__name__)

PANEL_W = 480
CAMERA_H = 200
MARGIN = 10


@dataclass(frozen=True)
class WindowLayout:
    kiosk: tuple[int, int, int, int]
    camera: tuple[int, int, int, int]
    panel: tuple[int, int, int, int]
    size: tuple[int, int]


def window_layout(kiosk_w: int, kiosk_h: int) -> WindowLayout:
    """Kiosk screen top-left at its configured size, the camera under it, the device panel on the right."""
    height = max(kiosk_h + CAMERA_H + 3 * MARGIN, 700)
    width = kiosk_w + PANEL_W + 3 * MARGIN
    return WindowLayout(
        kiosk=(MARGIN, MARGIN, kiosk_w, kiosk_h),
        camera=(MARGIN, kiosk_h + 2 * MARGIN, kiosk_w, height - kiosk_h - 3 * MARGIN),
        panel=(kiosk_w + 2 * MARGIN, MARGIN, PANEL_W, height - 2 * MARGIN),
        size=(width, height),
    )


def run(cfg: Config, headless: str | None = None) -> int:
    if headless:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
        from simulator.scenarios.replay import replay_file

        return replay_file(Path(headless), cfg)
    return run_window(cfg)


def run_window(cfg: Config, *, max_s: float | None = None, screenshot: Path | None = None) -> int:
    """The interactive simulator until its window is closed (or `max_s` passes; then `screenshot` is saved)."""
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    import pygame

    from kiosk.ui.session import KioskSession
    from kiosk.ui.text import Text
    from simulator.panel import Panel
    from simulator.rig import Rig

    lay = window_layout(cfg.ui.width, cfg.ui.height)
    with Rig(width_dots=cfg.printer.width_dots) as rig:
        for name, why in sorted(rig.missing.items()):
            log.warning("simulated %s unavailable: %s", name, why)
        pygame.display.init()
        pygame.font.init()
        pygame.display.set_caption("kiosk simulator")
        window = pygame.display.set_mode(lay.size)
        window.fill((24, 26, 32))
        text = Text(cfg.ui.font)
        kiosk_cfg = rig.kiosk_config(cfg)
        rig.provision(kiosk_cfg)
        from kiosk.compose.audio import build_guide

        session = KioskSession(
            kiosk_cfg, text, area=pygame.Rect(lay.kiosk), camera=rig.camera(), guide=build_guide(kiosk_cfg.audio)
        )
        panel = Panel(rig, text)
        clock = pygame.time.Clock()
        started = time.monotonic()
        try:
            running = True
            while running:
                for e in pygame.event.get():
                    if e.type == pygame.QUIT:
                        running = False
                    elif e.type == pygame.MOUSEBUTTONUP and e.button == 1 and panel.click(e.pos):
                        continue
                    else:
                        session.loop.handle(e)
                session.loop.step(window)
                history = session.port.history[-6:]
                status = (f"kiosk screen: {session.view.state.name}", "recent: " + " > ".join(history))
                panel.draw(window, pygame.Rect(lay.panel), pygame.Rect(lay.camera), status)
                pygame.display.flip()
                clock.tick(30)
                if max_s is not None and time.monotonic() - started >= max_s:
                    running = False
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                pygame.image.save(window, str(screenshot))
        finally:
            session.close()
            pygame.quit()
    return 0
