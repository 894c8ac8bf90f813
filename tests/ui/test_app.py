"""The kiosk's own entry point on hardware (`kiosk.ui.app.run`): opens its display, composes the journeys, shows
a first screen, and stops cleanly when the window is closed (SDL's dummy driver stands in for KMS/DRM here)."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pygame
import pytest

from kiosk.config import Config
from kiosk.store import create_keys
from kiosk.ui import app


def test_run_shows_the_kiosk_and_stops_when_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = Config()
    cfg = dataclasses.replace(
        base,
        kiosk=dataclasses.replace(base.kiosk, data_dir=tmp_path),
        store=dataclasses.replace(base.store, path=tmp_path / "kiosk.sqlite3"),
        card=dataclasses.replace(base.card, enabled=False),
        finger=dataclasses.replace(base.finger, enabled=False),
        printer=dataclasses.replace(base.printer, enabled=False),
        camera=dataclasses.replace(base.camera, enabled=False),
        coproc=dataclasses.replace(base.coproc, enabled=False),
        ui=dataclasses.replace(base.ui, fullscreen=False, width=1024, height=600),
    )
    create_keys(tmp_path / "keys")  # as `kiosk enrol-device` provisions a kiosk before its first start
    shown: list[str] = []
    flips = threading.Event()
    real_flip = pygame.display.flip

    def flip() -> None:
        surface = pygame.display.get_surface()
        assert surface is not None and surface.get_size() == (1024, 600)
        shown.append("frame")
        flips.set()
        real_flip()

    monkeypatch.setattr(pygame.display, "flip", flip)
    quits: list[bool] = []
    monkeypatch.setattr(pygame, "quit", lambda: quits.append(True))  # other tests share this process's fonts

    def close_window() -> None:
        assert flips.wait(30), "no frame was drawn"
        pygame.event.post(pygame.event.Event(pygame.QUIT))

    closer = threading.Thread(target=close_window, daemon=True)
    closer.start()
    assert app.run(cfg) == 0
    closer.join(5)
    assert shown, "the kiosk drew its first screen"
    assert quits == [True], "the display is released on the way out"
