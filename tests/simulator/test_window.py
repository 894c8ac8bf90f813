"""The simulator window (`kiosk run` without kiosk hardware): kiosk screen and device panel side by side, with the
journeys running. SDL's dummy driver stands in for a display; the README shows the same under Xvfb."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame

from kiosk.config import Config
from simulator.app import run_window, window_layout
from tests.simulator.test_scenarios import require_simulated_devices


def test_the_window_shows_the_kiosk_beside_the_panel(tmp_path: Path) -> None:
    require_simulated_devices()  # without its devices the kiosk would rightly show "out of service"
    shot = tmp_path / "window.png"
    assert run_window(Config(), max_s=3.0, screenshot=shot) == 0
    image = pygame.image.load(str(shot))
    lay = window_layout(800, 480)
    assert image.get_size() == lay.size
    kiosk = image.subsurface(pygame.Rect(lay.kiosk))
    panel = image.subsurface(pygame.Rect(lay.panel))
    # The attract screen is the kiosk's dark blue; the panel is the simulator's charcoal.
    assert kiosk.get_at((20, 20))[:3] == (22, 56, 110)
    assert panel.get_at((2, 2))[:3] == (34, 38, 46)
