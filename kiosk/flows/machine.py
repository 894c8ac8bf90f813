"""The journey engine: each journey declares its stages and a handler; the engine applies the guards that hold at
every step (inactivity warning then timeout, cancel, card removed, machine deadlines, device failures, keypad entry),
wipes personal data whenever a journey ends early, and writes an audit line for each stage change.

No journey ends with a card in the slot: every ending (done, error, timeout, cancel) first wipes the journey's data,
then waits on the "take your card" stage (the slot's light on, a beep every `Limits.card_reminder_s`) until the card
is out, and only then hands the kiosk back to the next person (`End`).

A screen is a function of the journey state (`Flow.view`), so the UI can never show a stale or half-updated step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Generic, Literal, TypeVar

from kiosk.flows.context import Context, Limits
from kiosk.flows.effects import Audit, Beep, Effect, End, Forget, Light
from kiosk.flows.events import (
    CapabilitiesChanged,
    CardInserted,
    CardProgress,
    CardRemoved,
    DeviceFailed,
    Entered,
    Expired,
    TamperChanged,
    Tapped,
    Tick,
    Touched,
    WorkFailed,
)
from kiosk.flows.screens import SCREENS, error_reason

Waits = Literal["user", "machine", "notice", "card_out", "closed"]
CardRule = Literal["none", "held", "done"]


@dataclass(frozen=True)
class Stage:
    """One step of a journey. `waits` says who must act next: the person (inactivity deadlines apply) or the
    machine (`device` must answer within the `Limits` field named by `timeout`). `card`: what removing the card
    does here: "held" aborts and wipes, "done" ends the journey normally, "none" leaves it to the journey."""

    screen: str
    waits: Waits
    card: CardRule = "none"
    device: str = ""
    timeout: str = ""
    keypad: int | Literal["passcode"] = 0  # digits the keypad takes (0: none; "passcode": the configured length)
    masked: bool = True  # show typed digits as dots
    idle_outcome: str = "timed_out"  # what inactivity ends this stage with ("done" ends it normally)


MORE_TIME = "more_time"  # the warning's button: the person is still there and gets the whole inactivity time again

NOTICE = Stage("notice", "notice")
TAKE_CARD = Stage("remove_card", "card_out")  # the journey is over and wiped; the card is still in the slot
CLOSED = Stage("attract", "closed")

# Every way a journey can end early; each is also the name of the screen that says so.
OUTCOMES: tuple[str, ...] = (
    "timed_out",
    "card_removed",
    "cancelled",
    "declined",
    "locked_out",
    "device_error",
    "refer_officer",
    "card_unreadable",
    "card_expired",
    "passcode_failed",
    "cid_mismatch",
    "no_record",
    "wrong_card",
)


@dataclass(frozen=True, kw_only=True)
class JourneyState:
    """What every journey state has; journeys subclass it with their own fields, all with defaults, so that a
    fresh instance is exactly a wiped one."""

    stage: str
    ctx: Context
    card_in: bool = False
    idle_at: float | None = None
    warn_at: float | None = None
    warned: bool = False
    wait_until: float | None = None
    entry: str = ""  # digits typed on the keypad so far
    error: str = ""  # why the last entry on this screen was refused
    outcome: str = ""  # on the notice stage: why the journey ended
    detail: str = ""  # on the notice stage: e.g. "printer:paper_out"
    confirm_cancel: bool = False  # "cancel" was tapped part-way: asking whether to stop (a second "cancel" stops)
    progress: float | None = None  # how far the card's read has got on a reading_card stage (0..1, never back)


@dataclass(frozen=True)
class Screen:
    name: str
    data: Mapping[str, object]


S = TypeVar("S", bound=JourneyState)
Step = tuple[S, list[Effect]]
Handler = Callable[["Flow[S]", S, object, float], "Step[S] | None"]
DataFn = Callable[[S, float], Mapping[str, object]]


class DefinitionError(Exception):
    """A journey's stage table is inconsistent (checked when the module is imported)."""


class Flow(Generic[S]):
    """One journey: its stage table, handler and screen data, with the shared guards around them."""

    def __init__(
        self,
        name: str,
        state_type: type[S],
        stages: Mapping[str, Stage],
        *,
        first: str,
        handle: Handler[S],
        data: DataFn[S],
        cleanup: Callable[[S], list[Effect]] | None = None,
        opening: Callable[[Flow[S], S, float], Step[S]] | None = None,
        steps: tuple[tuple[str, ...], ...] = (),
    ) -> None:
        """`steps` are the journey's steps as the person sees them ("Step 2 of 5"), each the stages it covers."""
        self.name = name
        self.state_type = state_type
        self.stages: dict[str, Stage] = {**stages, "notice": NOTICE, "take_card": TAKE_CARD, "closed": CLOSED}
        self.first = first
        self._handle = handle
        self._data = data
        self._cleanup = cleanup
        self._opening = opening  # the first move, when the first stage needs an effect (a card already in: read it)
        self.steps = {stage: i + 1 for i, stages in enumerate(steps) for stage in stages}
        self.step_count = len(steps)
        self._check()

    def _check(self) -> None:
        limits = {f.name for f in fields(Limits)}
        unknown = set(self.steps) - set(self.stages)
        if unknown:
            raise DefinitionError(f"{self.name}: steps name undeclared stages {sorted(unknown)}")
        if self.first not in self.stages:
            raise DefinitionError(f"{self.name}: first stage {self.first!r} is not declared")
        for name, st in self.stages.items():
            if st.waits == "machine" and (not st.device or st.timeout not in limits):
                raise DefinitionError(f"{self.name}.{name}: a machine stage needs a device and a Limits timeout")
            if st.keypad and st.waits != "user":
                raise DefinitionError(f"{self.name}.{name}: only a user stage can have a keypad")
            if st.screen not in SCREENS and st.waits not in ("notice", "card_out", "closed"):
                raise DefinitionError(f"{self.name}.{name}: screen {st.screen!r} is not in the catalogue")
        try:
            self.state_type(stage=self.first, ctx=Context())
        except TypeError as e:
            raise DefinitionError(f"{self.name}: every state field needs a default ({e})") from e

    # --- building transitions (used by the journey handlers) ----------------------------------------------------

    def enter(self, state: S, stage: str, now: float, **changes: Any) -> S:
        """Move to `stage`, setting its deadlines and clearing the keypad and any refusal."""
        st = self.stages[stage]
        lim = state.ctx.limits
        values: dict[str, Any] = {
            "stage": stage,
            "idle_at": now + lim.inactivity_timeout_s if st.waits == "user" else None,
            "warn_at": now + lim.inactivity_warning_s if st.waits == "user" else None,
            "warned": False,
            "wait_until": None,
            "entry": "",
            "error": "",
            "confirm_cancel": False,
            "progress": None,
        }
        if st.waits == "machine":
            values["wait_until"] = now + float(getattr(lim, st.timeout))
        elif st.waits == "notice":
            values["wait_until"] = now + lim.notice_s
        values.update(changes)
        return replace(state, **values)

    def go(self, state: S, stage: str, now: float, *effects: Effect, **changes: Any) -> Step[S]:
        return self.enter(state, stage, now, **changes), list(effects)

    def abort(self, state: S, outcome: str, now: float, detail: str = "", *effects: Effect) -> Step[S]:
        """End early: everything personal is dropped (a fresh state keeps only the context) and a notice shown."""
        fresh = self.state_type(stage="notice", ctx=state.ctx, card_in=state.card_in)
        fresh = self.enter(fresh, "notice", now, outcome=outcome, detail=detail)
        audit = {"journey": self.name, "at": state.stage, "outcome": outcome}
        if detail:
            audit["detail"] = detail
        undo = self._cleanup(state) if self._cleanup else []
        return fresh, [*effects, *undo, Forget(), Audit("journey_ended", audit), Beep("error")]

    def finish(self, state: S, outcome: str = "done", *effects: Effect) -> Step[S]:
        """The journey is over: wiped at once; the kiosk is handed back (`End`) only once the card is out."""
        audit = {"journey": self.name, "at": state.stage, "outcome": outcome}
        ended: list[Effect] = [*effects, Forget(), Audit("journey_ended", audit)]
        if state.card_in:
            fresh = self.state_type(stage="take_card", ctx=state.ctx, card_in=True, outcome=outcome)
            return fresh, [*ended, Light("card_slot", True), Beep("attention")]
        fresh = self.state_type(stage="closed", ctx=state.ctx, card_in=False)
        return fresh, [*ended, End(outcome)]

    def _take_card(self, state: S, event: object, now: float) -> Step[S]:
        """Ask for the card until it is out (the screen, the slot's light, a beep every few seconds), then end."""
        if not state.card_in:
            fresh = self.state_type(stage="closed", ctx=state.ctx, card_in=False)
            return fresh, [Light("card_slot", False), End(state.outcome)]
        if isinstance(event, Tick) and (state.wait_until is None or now >= state.wait_until):
            return replace(state, wait_until=now + state.ctx.limits.card_reminder_s), [Beep("attention")]
        return state, []

    def tampered(self, state: S) -> Step[S]:
        """The enclosure was opened: end at once (no notice to read), wipe, and leave the kiosk to its lock."""
        fresh = self.state_type(stage="closed", ctx=state.ctx, card_in=state.card_in)
        audit = {"journey": self.name, "at": state.stage, "outcome": "tampered"}
        undo = self._cleanup(state) if self._cleanup else []
        return fresh, [*undo, Forget(), Audit("journey_ended", audit), End("tampered")]

    # --- the step -----------------------------------------------------------------------------------------------

    def start(self, ctx: Context, now: float, *, card_in: bool = False) -> Step[S]:
        state = self.enter(self.state_type(stage=self.first, ctx=ctx, card_in=card_in), self.first, now)
        started: list[Effect] = [Audit("journey_started", {"journey": self.name, "language": ctx.language})]
        if self._opening is None:
            return state, started
        state, effects = self._opening(self, state, now)
        return state, [*started, *effects]

    def step(self, state: S, event: object, now: float) -> Step[S]:
        new, effects = self._step(state, event, now)
        if new.stage != state.stage:
            effects.append(Audit("stage", {"journey": self.name, "from": state.stage, "to": new.stage}))
        return new, effects

    def _step(self, state: S, event: object, now: float) -> Step[S]:
        st = self.stages[state.stage]
        if st.waits == "closed":
            return state, []
        if isinstance(event, CapabilitiesChanged):
            return replace(state, ctx=replace(state.ctx, caps=event.caps)), []
        if isinstance(event, TamperChanged) and event.open:
            return self.tampered(state)
        was_in = state.card_in
        if isinstance(event, CardInserted | CardRemoved) and state.card_in != isinstance(event, CardInserted):
            state = replace(state, card_in=isinstance(event, CardInserted))
        if st.waits == "notice":
            return self._notice(state, event, now, taken=was_in and isinstance(event, CardRemoved))
        if st.waits == "card_out":
            return self._take_card(state, event, now)
        if isinstance(event, CardProgress):
            return self._card_progress(state, st, event.fraction), []
        if isinstance(event, CardRemoved) and st.card == "held":
            return self.abort(state, "card_removed", now)
        if isinstance(event, CardRemoved) and st.card == "done":
            return self.finish(state, "done")
        if isinstance(event, Tapped) and event.action == "cancel":
            if state.stage == self.first or state.confirm_cancel:
                return self.abort(state, "cancelled", now)
            asking = self._active(state, now) if st.waits == "user" else state  # a tap: someone is there
            return replace(asking, confirm_cancel=True), []  # part-way: ask before dropping what was done
        if state.confirm_cancel and isinstance(event, Tapped) and event.action == "continue":
            kept = self._active(state, now) if st.waits == "user" else state
            return replace(kept, confirm_cancel=False), []
        if isinstance(event, Tick):
            timed_out = self._tick(state, st, now)
            if timed_out is not None:
                return timed_out
        if isinstance(event, Tapped | Touched | Entered):
            if st.waits != "user":
                return state, []  # the machine is working: only cancel counts
            if state.warned and isinstance(event, Tapped) and event.action == "done":
                return self.finish(state) if st.idle_outcome == "done" else self.abort(state, "cancelled", now)
            state = self._active(state, now)
            if isinstance(event, Touched) or (isinstance(event, Tapped) and event.action in ("continue", MORE_TIME)):
                return state, []
            if st.keypad and isinstance(event, Tapped):
                state, typed = self._keypad(state, st, event)
                if typed is None:
                    return state, []
                event = typed
        handled = self._handle(self, state, event, now)
        if handled is not None:
            return handled
        if isinstance(event, DeviceFailed) and st.waits == "machine" and event.device == st.device:
            return self.abort(state, "device_error", now, f"{event.device}:{event.reason}")
        if isinstance(event, WorkFailed) and st.waits == "machine":
            return self.abort(state, "device_error", now, f"{st.device}:internal")
        return state, []

    @staticmethod
    def _card_progress(state: S, st: Stage, fraction: float) -> S:
        """A reading screen's bar only moves forward and stops at 1; progress elsewhere is not this stage's."""
        if st.screen != "reading_card" or not math.isfinite(fraction):
            return state
        return replace(state, progress=min(1.0, max(state.progress or 0.0, fraction)))

    def _notice(self, state: S, event: object, now: float, *, taken: bool) -> Step[S]:
        """An ending's notice stays up its time, until tapped, or until the card still in is taken. A removal the
        notice already reports (the card was pulled: a late second report) does not cut it short."""
        over = isinstance(event, Tick) and state.wait_until is not None and now >= state.wait_until
        if over or taken or (isinstance(event, Tapped) and event.action in ("ok", "done")):
            return self.finish(state, state.outcome)
        return state, []

    def _tick(self, state: S, st: Stage, now: float) -> Step[S] | None:
        if st.waits == "machine" and state.wait_until is not None and now >= state.wait_until:
            handled = self._handle(self, state, Expired(state.stage), now)
            return handled or self.abort(state, "device_error", now, f"{st.device}:timeout")
        if st.waits == "user" and state.idle_at is not None and now >= state.idle_at and state.warned:
            if st.idle_outcome == "done":
                return self.finish(state, "done")
            return self.abort(state, st.idle_outcome, now)
        due = [t for t in (state.warn_at, state.idle_at) if t is not None]
        if st.waits == "user" and not state.warned and due and now >= min(due):
            # The warning always has its whole time on screen, even when the clock jumped past both deadlines
            # (a stalled frame loop, a suspended kiosk): nobody is timed out without having been asked first.
            lim = state.ctx.limits
            grace = max(0.0, lim.inactivity_timeout_s - lim.inactivity_warning_s)
            idle_at = max(state.idle_at or now, now + grace)
            return replace(state, warned=True, idle_at=idle_at), [Beep("warning")]
        return None

    def _active(self, state: S, now: float) -> S:
        lim = state.ctx.limits
        return replace(
            state, idle_at=now + lim.inactivity_timeout_s, warn_at=now + lim.inactivity_warning_s, warned=False
        )

    @staticmethod
    def keypad_length(state: JourneyState, st: Stage) -> int:
        return state.ctx.limits.passcode.length if st.keypad == "passcode" else st.keypad

    def _keypad(self, state: S, st: Stage, tap: Tapped) -> tuple[S, Entered | Tapped | None]:
        if tap.action == "digit" and tap.value.isdigit() and len(tap.value) == 1:
            if len(state.entry) < self.keypad_length(state, st):
                return replace(state, entry=state.entry + tap.value, error=""), None
            return state, None
        if tap.action == "backspace":
            return replace(state, entry=state.entry[:-1]), None
        if tap.action == "clear":
            return replace(state, entry=""), None
        if tap.action == "ok":
            return replace(state, entry=""), Entered(state.entry)
        return state, tap

    # --- the screen ---------------------------------------------------------------------------------------------

    def view(self, state: S, now: float) -> Screen:
        st = self.stages[state.stage]
        data: dict[str, object] = {"journey": self.name}
        if st.waits == "notice":
            if state.outcome in ("cancelled", "declined"):
                if state.card_in:
                    return Screen("remove_card", data)
                return Screen("thank_you", {**data, "cancelled": True})
            reason, extra = error_reason(state.outcome, state.detail)
            if state.card_in:
                extra = {**extra, "take_card": True}
            return Screen("error", {**data, "reason": reason, **extra})
        if st.waits == "card_out":
            return Screen("remove_card", {**data, "who": "citizen"})
        if st.waits == "closed":
            return Screen("attract", {})
        if state.warned and state.idle_at is not None:
            return Screen("timeout_warning", {**data, "seconds_left": max(0, math.ceil(state.idle_at - now))})
        if state.confirm_cancel:
            return Screen("confirm_cancel", {**data, "card": state.card_in})
        data.update(self._data(state, now))
        if state.progress is not None:
            data["progress"] = state.progress
        if state.stage in self.steps:
            data["journey_step"] = self.steps[state.stage]
            data["journey_steps"] = self.step_count
        if st.keypad:
            data["entered"] = len(state.entry)
            data["length"] = self.keypad_length(state, st)
            if not st.masked:
                data["digits"] = state.entry
        if state.error and "error" not in data and "error" in SCREENS.get(st.screen, ()):
            data["error"] = state.error
        return Screen(st.screen, data)

    @property
    def stage_names(self) -> tuple[str, ...]:
        return tuple(self.stages)
