"""Opening the screen: full-screen through KMS/DRM on a Pi without a desktop, a window anywhere else."""

from __future__ import annotations

import os

import pygame


def choose_video_driver(fullscreen: bool, env: dict[str, str] | None = None) -> str | None:
    """The SDL video driver to force, if any: KMS/DRM when full-screen with no X11/Wayland session to draw in."""
    env = dict(os.environ) if env is None else env
    if env.get("SDL_VIDEODRIVER"):
        return None  # the operator (or a test) decided
    if fullscreen and not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return "kmsdrm"
    return None


def open_display(width: int, height: int, *, fullscreen: bool, title: str = "kiosk") -> pygame.Surface:
    driver = choose_video_driver(fullscreen)
    if driver:
        os.environ["SDL_VIDEODRIVER"] = driver
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")  # the kiosk makes no sound; don't wait for an audio server
    pygame.display.init()
    pygame.font.init()
    pygame.display.set_caption(title)
    if fullscreen:
        # (0, 0): the panel's native mode; the layout scales to whatever it is.
        surface = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
        pygame.mouse.set_visible(False)
        return surface
    return pygame.display.set_mode((width, height))
