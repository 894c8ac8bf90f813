"""The composition root: builds devices, store and journeys from the config and hands them to the runner."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.config import Config
from kiosk.errors import KioskError
from kiosk.runner import Runner

if TYPE_CHECKING:
    from kiosk.ui.port import ScreenPort

log = logging.getLogger(__name__)


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


def compose(cfg: Config, runner: Runner, screen: ScreenPort) -> Callable[[], None]:
    """Build the devices and the journeys' executor from `cfg` and subscribe them to `runner`; the executor shows
    screens through `screen.show(name, data)`. Returns what closes them all, in reverse order of building."""
    try:
        adapters = importlib.import_module("kiosk.flows.adapters")
    except ImportError:
        log.warning("the journeys' device adapters (kiosk.flows.adapters) are not available: no journeys run")
        return lambda: None
    built: Callable[[], None] = adapters.start(cfg, runner, screen)
    return built
