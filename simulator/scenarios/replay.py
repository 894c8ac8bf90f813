"""Replays a scenario against the simulator without a window: steps pull device levers or touch the screen, and
expectations wait (the kiosk keeps running) until they hold or their time is up.

A scenario is TOML: top-level `name`, optional `language`, `large_text`, `size = [w, h]`, `liveness` (default: on only
with a webcam, since still photos cannot pass it), `ends` (the screen the next person finds: "attract", the default,
or "out_of_service"), then `[[step]]` tables, each with exactly one of these keys (plus `timeout_s` for the waiting
ones):

  tap = "action" (+ value)       touch the control with that action (and value) on the current screen
  touch = [x, y]                  touch the screen there (on a control or not)
  type = "12345678"               touch digit keys, then OK
  insert_card = "somchai"         (+ pull_mid_read = true)   a test citizen's card into the virtual reader
  pull_card = true                take the card out
  show_face = "somchai" | ""      that citizen's photo in front of the camera ("" = nobody)
  place_finger = "somchai"        (+ worn = true)            lift_finger = true      sensor_silent = true|false
  paper_out = true|false          cover_open = true|false    online = true|false     tamper = true|false
  presence = true|false           someone steps in front of the presence sensor (or leaves)
  advance_s = 61                  move the kiosk's clock forward (inactivity and other deadlines)
  wait_s = 0.5                    let real time pass (devices work meanwhile)
  expect_screen = "menu"          wait until that screen is shown (+ language = "en")
  expect_shown = "error"          wait until that screen has been shown since the previous step (even briefly)
  expect_text = "…"               wait until a drawn string contains it
  expect_no_text = "…"            wait until no drawn string contains it
  expect_printed = 1              wait until that many documents came out of the printer
  expect_outbox = { pending = 1 } the store's outbox counts by state
  screenshot = "name"             save the kiosk screen as <artifacts>/<name>.png

Artifacts go to $KIOSK_ARTIFACTS/scenarios/<file stem>/ (default ./artifacts): every screenshot, `failed.png` and
the whole window at a failure, and `roll.png`, the printed paper, at the end.

After the last step every scenario is judged by its ending (`simulator.scenarios.ending`): the card slot is empty,
the `ends` screen is shown in the kiosk's default language and text size, no one's name or ID is on the screen, and
every printed document's QR reads from the paper (a seal verifies against the registry's trust list).
"""

from __future__ import annotations

import logging
import os
import re
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pygame

from kiosk.config import Config
from kiosk.runner import SystemClock
from kiosk.ui.session import Compose, KioskSession
from kiosk.ui.text import Text
from simulator.rig import Rig
from simulator.scenarios import ending

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 20.0  # generous: CI machines are slow and busy; a passing step returns as soon as it holds
FRAME_S = 1 / 60
ACTIONS = (
    "tap", "touch", "type", "insert_card", "pull_card", "show_face", "place_finger", "lift_finger", "sensor_silent",
    "paper_out", "cover_open", "online", "tamper", "presence", "advance_s", "wait_s", "expect_screen", "expect_shown",
    "expect_text", "expect_no_text", "expect_printed", "expect_outbox", "screenshot",
)  # fmt: skip
MODIFIERS = frozenset({"value", "timeout_s", "pull_mid_read", "worn", "language"})


class ScenarioError(Exception):
    """The scenario file is malformed (a step with no action, two actions, an unknown key)."""


class StepFailed(AssertionError):
    """An expectation did not hold in time, or a control to touch was not on the screen."""


class SkewClock(SystemClock):
    """The system clock plus an offset a scenario can advance: a two-minute timeout passes in one step."""

    def __init__(self) -> None:
        self.offset_s = 0.0

    def monotonic(self) -> float:
        return super().monotonic() + self.offset_s

    def wall(self) -> datetime:
        return super().wall() + timedelta(seconds=self.offset_s)

    def advance(self, seconds: float) -> None:
        self.offset_s += seconds


@dataclass
class Scenario:
    name: str
    steps: list[dict[str, Any]]
    language: str = "th"
    large_text: bool = False
    size: tuple[int, int] = (800, 480)
    stem: str = "scenario"
    liveness: bool | None = None  # None: the simulator's default (on only with a webcam)
    ends: str = "attract"


def load(path: Path) -> Scenario:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ScenarioError(f"{path}: {e}") from e
    known = {"name", "step", "language", "large_text", "size", "about", "liveness", "ends"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ScenarioError(f"{path}: unknown key {unknown[0]!r}")
    steps = raw.get("step", [])
    for i, st in enumerate(steps, 1):
        actions = [k for k in st if k in ACTIONS]
        others = sorted(set(st) - set(ACTIONS) - MODIFIERS)
        if len(actions) != 1 or others:
            raise ScenarioError(f"{path}: step {i} needs exactly one action of {', '.join(ACTIONS)} (got {sorted(st)})")
    size = raw.get("size", [800, 480])
    ends = str(raw.get("ends", "attract"))
    if ends not in ending.ENDINGS:
        raise ScenarioError(f"{path}: ends must be one of {', '.join(sorted(ending.ENDINGS))} (got {ends!r})")
    return Scenario(
        name=str(raw.get("name", path.stem)),
        steps=steps,
        language=str(raw.get("language", "th")),
        large_text=bool(raw.get("large_text", False)),
        size=(int(size[0]), int(size[1])),
        stem=path.stem,
        liveness=None if "liveness" not in raw else bool(raw["liveness"]),
        ends=ends,
    )


def artifacts_dir(stem: str) -> Path:
    base = Path(os.environ.get("KIOSK_ARTIFACTS", "artifacts"))
    d = base / "scenarios" / stem
    if d.exists():
        for old in d.glob("*.png"):  # a previous run's pictures would pass for this run's
            old.unlink()
    d.mkdir(parents=True, exist_ok=True)
    return d


@dataclass
class Result:
    scenario: str
    passed: bool
    steps_done: int
    message: str = ""
    screens: list[str] = field(default_factory=list)
    artifacts: Path | None = None


class Player:
    """Runs one scenario on a rig and a kiosk session drawn onto an off-screen surface."""

    def __init__(self, cfg: Config, rig: Rig, scenario: Scenario, *, compose: Compose | None = None) -> None:
        from dataclasses import replace

        self.rig = rig
        self.scenario = scenario
        self.clock = SkewClock()
        ui = replace(cfg.ui, width=scenario.size[0], height=scenario.size[1], large_text=scenario.large_text)
        kiosk = replace(cfg.kiosk, language="en" if scenario.language == "en" else "th")
        self.cfg = rig.kiosk_config(replace(cfg, ui=ui, kiosk=kiosk))
        if scenario.liveness is not None:
            self.cfg = replace(self.cfg, face=replace(self.cfg.face, liveness=scenario.liveness))
        rig.provision(self.cfg)
        self.surface = pygame.Surface(scenario.size)
        self.session = KioskSession(
            self.cfg,
            Text(cfg.ui.font),
            area=self.surface.get_rect(),
            camera=rig.camera(),
            clock=self.clock,
            compose=compose,
        )
        self.out = artifacts_dir(scenario.stem)

    # --- the frame pump -----------------------------------------------------------------------------------------

    def frame(self) -> None:
        self.session.loop.step(self.surface, now_s=self.clock.monotonic())

    def wait_until(self, what: str, ok: Callable[[], bool], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            self.frame()
            if ok():
                return
            if time.monotonic() >= deadline:
                raise StepFailed(f"{what}: not within {timeout_s:g} s ({self.describe()})")
            time.sleep(FRAME_S)  # the scenario player's own pacing, not kiosk logic

    def describe(self) -> str:
        v = self.session.view
        texts = " | ".join(v.texts[:6])
        return f"screen {v.state.name!r} showing: {texts[:300]}"

    # --- steps --------------------------------------------------------------------------------------------------

    def run(self) -> Result:
        done = 0
        try:
            self.frame()
            for st in self.scenario.steps:
                mark = self.session.port.serial
                self.step(st, mark)
                done += 1
            self.check_ending()
            return Result(self.scenario.name, True, done, screens=self.session.port.history, artifacts=self.out)
        except (StepFailed, KeyError) as e:
            pygame.image.save(self.surface, str(self.out / "failed.png"))
            where = f"step {done + 1} {self.scenario.steps[done]}" if done < len(self.scenario.steps) else "the ending"
            msg = f"{where}: {e}"
            return Result(self.scenario.name, False, done, msg, self.session.port.history, self.out)
        finally:
            roll = self.rig.roll()
            if roll is not None and roll.height > 0:
                roll.save(self.out / "roll.png")

    def step(self, st: dict[str, Any], mark: int = 0) -> None:
        timeout = float(st.get("timeout_s", DEFAULT_TIMEOUT_S))
        action = next(k for k in st if k in ACTIONS)
        arg = st[action]
        rig = self.rig
        match action:
            case "tap":
                self.tap(str(arg), str(st.get("value", "")), timeout)
            case "touch":
                self.session.loop.pointer((int(arg[0]), int(arg[1])))
                self.frame()
            case "type":
                for digit in str(arg):
                    self.tap("digit", digit, timeout)
                self.tap("ok", "", timeout)
            case "insert_card":
                if not rig.insert_card(str(arg), pull_mid_read=bool(st.get("pull_mid_read", False))):
                    raise StepFailed(f"the card reader is not simulated here: {rig.missing.get('card')}")
            case "pull_card":
                rig.remove_card()
            case "show_face":
                if arg and not rig.show_person(str(arg)):
                    raise StepFailed(f"no photo of {arg!r} (../shared/faces-asian present: {bool(rig.photos)})")
                if not arg:
                    rig.show_photo(-1)
            case "place_finger":
                if not rig.place_finger(str(arg), worn=bool(st.get("worn", False))):
                    raise StepFailed(f"the fingerprint sensor is not simulated here: {rig.missing.get('finger')}")
            case "lift_finger":
                rig.lift_finger()
            case "sensor_silent":
                rig.set_sensor_silent(bool(arg))
            case "paper_out":
                rig.set_paper_out(bool(arg))
            case "cover_open":
                rig.set_cover_open(bool(arg))
            case "online":
                rig.set_online(bool(arg))
            case "tamper":
                if rig.coproc is None:
                    raise StepFailed(f"the co-processor is not simulated here: {rig.missing.get('coproc')}")
                rig.set_tamper(bool(arg))
            case "presence":
                if rig.coproc is None:
                    raise StepFailed(f"the co-processor is not simulated here: {rig.missing.get('coproc')}")
                rig.set_presence(bool(arg))
            case "advance_s":
                self.clock.advance(float(arg))
                self.frame()
            case "wait_s":
                end = time.monotonic() + float(arg)
                while time.monotonic() < end:
                    self.frame()
                    time.sleep(FRAME_S)
            case "expect_screen":
                lang = st.get("language")
                self.wait_until(
                    f"screen {arg!r}",
                    lambda: (
                        self.session.view.state.name == arg and (lang is None or self.session.view.language == lang)
                    ),
                    timeout,
                )
            case "expect_shown":
                self.wait_until(f"screen {arg!r} shown", lambda: arg in self.session.port.since(mark), timeout)
            case "expect_text":
                self.wait_until(f"text {arg!r}", lambda: any(str(arg) in s for s in self.session.view.texts), timeout)
            case "expect_no_text":
                self.wait_until(
                    f"no text {arg!r}", lambda: not any(str(arg) in s for s in self.session.view.texts), timeout
                )
            case "expect_printed":
                self.wait_until(f"{arg} document(s) printed", lambda: rig.documents_printed() >= int(arg), timeout)
            case "expect_outbox":
                self.wait_until(f"outbox {arg}", lambda: self.outbox_matches(dict(arg)), timeout)
            case "screenshot":
                self.frame()
                name = re.sub(r"[^A-Za-z0-9_.-]", "_", str(arg))
                pygame.image.save(self.surface, str(self.out / f"{name}.png"))

    def check_ending(self) -> None:
        """What the next person finds; every problem at once, so one run names them all."""
        findings: list[ending.Finding] = []
        if left := self.rig.card_left():
            findings.append(ending.Finding(f"{left}'s card is still in the slot"))
        else:
            try:
                self.wait_until(
                    f"the {self.scenario.ends!r} screen", lambda: self.session.view.state.name == self.scenario.ends, 30
                )
            except StepFailed as e:
                findings.append(ending.Finding(str(e)))
        view = self.session.view
        if (view.language, view.large_text) != (self.cfg.kiosk.language, self.cfg.ui.large_text):
            findings.append(ending.Finding(f"the screen kept language {view.language!r}, large text {view.large_text}"))
        people = [self.rig.citizen(key) for key in ending.people_in(self.scenario.steps)]
        findings += ending.data_on_screen(view.texts, view.state.data, people)
        if self.rig.printer is not None:
            trust = self.rig.ports.get("trust_list")
            docs = self.rig.printer.documents()
            findings += ending.paper_findings(docs, Path(trust) if trust else None, ending.now_utc())
        if findings:
            raise StepFailed("; ".join(str(f) for f in findings))

    def tap(self, action: str, value: str, timeout_s: float) -> None:
        def control() -> pygame.Rect | None:
            for h in self.session.view.controls:
                if h.event.action == action and (not value or h.event.value == value):
                    return h.rect
            return None

        def shown() -> bool:
            """The control is on screen; if not, turn the screen's page (a long menu or text) as a person would."""
            if control() is not None:
                return True
            view = self.session.view
            pages = [h for h in view.controls if h.event.action == "view_page"]
            turn = [h for h in pages if int(h.event.value) > view.view_page] or pages  # onwards, then back to the start
            if turn and action != "view_page":
                self.session.loop.pointer(turn[0].rect.center)
            return False

        self.wait_until(f"a control {action}:{value} to touch", shown, timeout_s)
        rect = control()
        assert rect is not None
        self.session.loop.pointer(rect.center)
        self.frame()

    def outbox_matches(self, want: dict[str, Any]) -> bool:
        from kiosk.store import Outbox, load_keys, open_store

        path = self.cfg.store.path
        if not path.exists():
            return all(int(v) == 0 for v in want.values())
        conn = open_store(path)
        try:
            counts = Outbox(conn, load_keys(self.cfg.kiosk.data_dir / "keys").data_key).counts()
        finally:
            conn.close()
        return all(counts.get(k, 0) == int(v) for k, v in want.items())

    def close(self) -> None:
        self.session.close()


def replay(path: Path, cfg: Config, *, rig: Rig | None = None, compose: Compose | None = None) -> Result:
    scenario = load(path)
    pygame.display.init()
    pygame.font.init()
    own_rig = rig is None
    rig = rig or Rig(width_dots=cfg.printer.width_dots)
    if own_rig:
        rig.start()
    try:
        player = Player(cfg, rig, scenario, compose=compose)
        try:
            return player.run()
        finally:
            player.close()
    finally:
        if own_rig:
            rig.stop()


def replay_file(path: Path, cfg: Config) -> int:
    result = replay(path, cfg)
    where = f" (artifacts in {result.artifacts})" if result.artifacts else ""
    if result.passed:
        print(f"PASS {result.scenario}: {result.steps_done} steps{where}")
        return 0
    print(f"FAIL {result.scenario}: {result.message}{where}")
    print("screens shown: " + " → ".join(result.screens))
    return 1
