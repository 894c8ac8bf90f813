"""A fake-clock harness for journey tests: feeds events to a pure flow and keeps its state, effects and screens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

from kiosk.flows.attempts import AttemptBook
from kiosk.flows.context import SERVICES, Context, Limits, WallAnchor
from kiosk.flows.effects import Effect
from kiosk.flows.events import CardInfo, Tick
from kiosk.flows.machine import Flow, JourneyState, Screen

S = TypeVar("S", bound=JourneyState)

ALL_CAPS = frozenset({*SERVICES, "print", "finger"})
START = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok, a Friday

CARD = CardInfo(
    holder="h-" + "a" * 30,
    citizen_id="1101700203450",
    name_th="นาย สมชาย ใจดี",
    name_en="Mr. Somchai Jaidee",
    birth_date=date(1980, 5, 17),
    expiry=date(2030, 1, 1),
    address="1 ถนนพระราม 1#แขวงวังใหม่#เขตปทุมวัน#กรุงเทพมหานคร",
)


def context(
    *,
    caps: frozenset[str] = ALL_CAPS,
    limits: Limits | None = None,
    book: AttemptBook | None = None,
    wall: datetime = START,
) -> Context:
    return Context(
        language="th",
        caps=caps,
        limits=limits or Limits(),
        attempts=book or AttemptBook(),
        clock=WallAnchor(wall=wall, mono=1000.0),
    )


@dataclass
class Run(Generic[S]):
    """One journey under test, at runner time `now` (starts at 1000.0, as the context's wall anchor)."""

    flow: Flow[S]
    state: S
    now: float = 1000.0
    effects: list[Effect] = field(default_factory=list)
    last: list[Effect] = field(default_factory=list)

    @classmethod
    def start(cls, flow: Flow[S], ctx: Context | None = None, *, card_in: bool = False) -> Run[S]:
        state, effects = flow.start(ctx or context(), 1000.0, card_in=card_in)
        return cls(flow, state, effects=list(effects), last=list(effects))

    def send(self, *events: object) -> Run[S]:
        for ev in events:
            self.state, self.last = self.flow.step(self.state, ev, self.now)
            self.effects += self.last
        return self

    def wait(self, seconds: float) -> Run[S]:
        self.now += seconds
        return self.send(Tick())

    @property
    def stage(self) -> str:
        return self.state.stage

    @property
    def screen(self) -> Screen:
        return self.flow.view(self.state, self.now)

    def at(self, key: str) -> Any:
        """One datum of the current screen (typed loosely, as the UI reads it)."""
        return self.screen.data[key]

    def emitted(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.last if isinstance(e, kind)]

    def all(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.effects if isinstance(e, kind)]
