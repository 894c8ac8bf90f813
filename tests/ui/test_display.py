"""Where the screen goes: KMS/DRM full-screen on a Pi without a desktop, the session's own display elsewhere."""

from __future__ import annotations

from pathlib import Path

import pygame
import pytest

from kiosk.app import run as kiosk_run
from kiosk.config import Config
from kiosk.ui.app import quits
from kiosk.ui.display import choose_video_driver


def test_fullscreen_without_a_desktop_uses_kmsdrm() -> None:
    assert choose_video_driver(True, {}) == "kmsdrm"


def test_a_desktop_session_or_an_explicit_driver_is_respected() -> None:
    assert choose_video_driver(True, {"DISPLAY": ":0"}) is None
    assert choose_video_driver(True, {"WAYLAND_DISPLAY": "wayland-0"}) is None
    assert choose_video_driver(True, {"SDL_VIDEODRIVER": "dummy"}) is None
    assert choose_video_driver(False, {}) is None  # a window: let SDL pick


def test_only_a_window_can_be_quit_with_escape() -> None:
    esc = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE, unicode="", mod=0, scancode=0)
    assert quits(esc, windowed=True)
    assert not quits(esc, windowed=False)
    assert quits(pygame.event.Event(pygame.QUIT), windowed=False)


def test_kiosk_run_headless_replays_a_scenario_through_the_composition_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_ARTIFACTS", str(tmp_path / "out"))
    scenario = tmp_path / "attract.toml"
    scenario.write_text('[[step]]\nexpect_screen = "attract"\n[[step]]\nscreenshot = "first"\n', encoding="utf-8")
    assert kiosk_run(Config(), headless=str(scenario)) == 0
    assert (tmp_path / "out" / "scenarios" / "attract" / "first.png").exists()
    scenario.write_text('[[step]]\nexpect_screen = "menu"\ntimeout_s = 0.2\n', encoding="utf-8")
    assert kiosk_run(Config(), headless=str(scenario)) == 1
