"""Headless pygame for screen tests (SDL dummy drivers), one shared font cache, and where screenshots are saved."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame
import pytest

from kiosk.ui.text import Text
from tests.conftest import ROOT

ARTIFACTS = Path(os.environ.get("KIOSK_ARTIFACTS", ROOT / "artifacts"))


@pytest.fixture(scope="session")
def pg() -> Iterator[None]:
    pygame.display.init()
    pygame.font.init()
    pygame.display.set_mode((1, 1))
    yield
    pygame.quit()


@pytest.fixture(scope="session")
def text(pg: None) -> Text:
    return Text("Garuda")


@pytest.fixture(scope="session")
def shots() -> Path:
    d = ARTIFACTS / "ui"
    d.mkdir(parents=True, exist_ok=True)
    return d
