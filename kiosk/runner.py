"""The one event queue and clock the journeys run on: device threads only post events, handlers run on one thread."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from kiosk.errors import DeviceError

log = logging.getLogger(__name__)


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def wall(self) -> datetime: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that moves only when told to: a two-minute timeout is tested in a millisecond."""

    def __init__(self, start_wall: datetime | None = None, start_monotonic: float = 1000.0) -> None:
        self._mono = start_monotonic
        self._wall = start_wall or datetime(2026, 11, 20, 2, 0, tzinfo=UTC)

    def monotonic(self) -> float:
        return self._mono

    def wall(self) -> datetime:
        return self._wall

    def advance(self, seconds: float) -> None:
        self._mono += seconds
        self._wall += timedelta(seconds=seconds)


@dataclass(frozen=True)
class Tick:
    """Posted by the runner itself at a steady rate so deadlines in flow state are checked."""


@dataclass(frozen=True)
class DeviceFailed:
    device: str
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class WorkFailed:
    """A background job raised something that is not a DeviceError: a bug, reported rather than swallowed."""

    job: str
    detail: str


Handler = Callable[[object, float], None]


class Runner:
    """Owns the queue and the clock; `post` is the only thing other threads may call."""

    def __init__(self, clock: Clock | None = None, *, tick_s: float = 0.1, workers: int = 4) -> None:
        self.clock: Clock = clock or SystemClock()
        self.tick_s = tick_s
        self._queue: queue.Queue[object] = queue.Queue()
        self._handlers: list[Handler] = []
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kiosk-work")

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    def post(self, event: object) -> None:
        self._queue.put(event)

    def spawn(self, name: str, work: Callable[[], object | None]) -> None:
        """Run blocking device work off the event thread; its result (an event) or its typed failure is posted."""

        def job() -> None:
            try:
                result = work()
            except DeviceError as e:
                self.post(DeviceFailed(e.device, e.reason, str(e)))
                return
            except Exception as e:
                log.exception("background job %s failed", name)
                self.post(WorkFailed(name, f"{type(e).__name__}: {e}"))
                return
            if result is not None:
                self.post(result)

        self._pool.submit(job)

    def dispatch(self, event: object) -> None:
        now = self.clock.monotonic()
        for handler in list(self._handlers):
            handler(event, now)

    def run_pending(self) -> int:
        """Handle every event already queued, without blocking; returns how many were handled."""
        handled = 0
        while True:
            try:
                event = self._queue.get_nowait()
            except queue.Empty:
                return handled
            self.dispatch(event)
            handled += 1

    def run(self, *, until: Callable[[], bool] | None = None) -> None:
        """Block handling events, posting a Tick every `tick_s`, until `stop()` or `until()` is true."""
        next_tick = self.clock.monotonic()
        while not self._stop.is_set() and not (until and until()):
            timeout = max(0.0, next_tick - self.clock.monotonic())
            try:
                event = self._queue.get(timeout=timeout)
            except queue.Empty:
                next_tick = self.clock.monotonic() + self.tick_s
                self.dispatch(Tick())
                continue
            self.dispatch(event)

    def stop(self) -> None:
        self._stop.set()
        self._queue.put(Tick())

    def close(self) -> None:
        self.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)
