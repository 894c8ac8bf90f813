"""Scenario files (TOML) that drive the simulator headless: device levers and touches in, expectations checked.

One file per journey path (`<journey>-<path>.toml` here); `simulator.scenarios.replay` runs them.
"""

from pathlib import Path

SCENARIO_DIR = Path(__file__).resolve().parent


def scenario_files() -> list[Path]:
    return sorted(SCENARIO_DIR.glob("*.toml"))
