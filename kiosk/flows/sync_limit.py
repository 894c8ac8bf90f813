"""The field kit's maximum time without a sync (`[store] max_offline_hours`): the enrolment journeys' first move,
which ends the journey at once, with its reason, when the kit is overdue or cannot tell how long it has been."""

from __future__ import annotations

from typing import TypeVar

from kiosk.flows.effects import Audit
from kiosk.flows.machine import Flow, JourneyState, Step

S = TypeVar("S", bound=JourneyState)


def opening(flow: Flow[S], state: S, now: float) -> Step[S]:
    """Enrol only within `max_offline_s` of the last sync, by a clock not set back before it."""
    verdict = state.ctx.offline.verdict(state.ctx.clock.at(now))
    if verdict == "ok":
        return state, []
    return flow.abort(state, "sync_overdue", now, verdict, Audit("enrolment_stopped", {"reason": verdict}))
