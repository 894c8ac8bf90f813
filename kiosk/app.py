"""The composition root: builds devices, store and journeys from the config and hands them to the runner."""

from __future__ import annotations

import importlib

from kiosk.config import Config
from kiosk.errors import KioskError


def wants_simulator(cfg: Config) -> bool:
    """No config file means no described hardware: run the simulator."""
    return cfg.source == "<defaults>"


def run(cfg: Config, *, simulator: bool = False, headless: str | None = None) -> int:
    if simulator or headless or wants_simulator(cfg):
        try:
            sim = importlib.import_module("simulator.app")
        except ImportError as e:
            raise KioskError(f"the simulator cannot start ({e}); install the 'sim' extra") from e
        result: int = sim.run(cfg, headless=headless)
        return result
    front = importlib.import_module("kiosk.ui.app")
    code: int = front.run(cfg)
    return code
