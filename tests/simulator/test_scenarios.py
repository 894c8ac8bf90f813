"""Every scenario in simulator/scenarios replayed headless against the whole kiosk: journeys, executor, drivers and
the wire-level simulated devices. Screenshots and the printed roll land in artifacts/scenarios/<scenario>/."""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pytest

from kiosk.config import Config
from simulator.citizens import FACES_DIR, load_citizens
from simulator.scenarios import scenario_files
from simulator.scenarios.replay import load, replay
from tests.conftest import missing_stack


def needs_faces(path: Path) -> bool:
    """A scenario that puts a citizen's photo (not "nobody") in front of the camera needs ../shared/faces."""
    return any(step.get("show_face") for step in load(path).steps)


def require_simulated_devices() -> None:
    """The scenarios drive the real stacks: a private pcscd with vpcd, and MicroPython for the co-processor."""
    from simulator.coproc import find_micropython
    from simulator.vcard.pcscd import missing_parts

    lacking = missing_parts() + ([] if find_micropython() else ["micropython (the 'sim' extra)"])
    if lacking:
        missing_stack(", ".join(lacking))


def personal_words() -> dict[str, str]:
    """Every simulated citizen's ID, laser ID and names: none may reach the kiosk's log (journald on a kiosk)."""
    words = {}
    for c in load_citizens():
        words[c.cid] = f"{c.key}'s citizen ID"
        words[c.laser_id] = f"{c.key}'s laser ID"
        for part in (c.name_th.first, c.name_th.last, c.name_en.first, c.name_en.last):
            words[part] = f"{c.key}'s name"
    return words


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_scenario(path: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    if importlib.util.find_spec("kiosk.flows.adapters") is None:
        pytest.skip("the journeys' device adapters (kiosk.flows.adapters) are not in this tree yet: no journeys run")
    require_simulated_devices()
    if needs_faces(path) and not (FACES_DIR / "identities.json").exists():
        pytest.skip(f"test photos not present: {FACES_DIR} (the ../shared folder is absent)")
    cfg = Config()
    caplog.set_level(logging.DEBUG, logger="kiosk")
    result = replay(path, cfg)
    assert result.passed, f"{result.message}\nscreens: {' → '.join(result.screens)}\nartifacts: {result.artifacts}"
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("kiosk"))
    leaked = sorted({who for word, who in personal_words().items() if word in logged})
    assert not leaked, f"the kiosk's log names {leaked}"


def test_a_journey_that_leaves_the_card_in_the_slot_fails_by_its_ending(tmp_path: Path) -> None:
    """The judge of every scenario: stopping with somchai's card still in and his data on screen fails."""
    require_simulated_devices()
    path = tmp_path / "card-left.toml"
    steps = ['tap = "start"', 'tap = "language"\nvalue = "en"', 'tap = "service"\nvalue = "own_data"']
    steps += ['insert_card = "somchai"', 'expect_screen = "consent"\ntimeout_s = 30']
    path.write_text('name = "card left"\n' + "".join(f"[[step]]\n{s}\n" for s in steps), encoding="utf-8")
    result = replay(path, Config())
    assert not result.passed and result.steps_done == len(steps)
    assert result.message.startswith("the ending: somchai's card is still in the slot"), result.message
    assert "language 'en'" in result.message, result.message
