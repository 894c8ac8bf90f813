from __future__ import annotations

import threading
from dataclasses import dataclass

from kiosk.errors import DeviceError
from kiosk.runner import DeviceFailed, FakeClock, Runner, Tick, WorkFailed


@dataclass(frozen=True)
class Ping:
    n: int


class PaperOut(DeviceError):
    device = "printer"
    reason = "paper_out"


def test_events_from_threads_are_handled_in_order_on_one_thread() -> None:
    runner = Runner(FakeClock())
    seen: list[tuple[object, str]] = []
    runner.subscribe(lambda ev, now: seen.append((ev, threading.current_thread().name)))
    t = threading.Thread(target=lambda: [runner.post(Ping(i)) for i in range(100)])
    t.start()
    t.join()
    assert runner.run_pending() == 100
    assert [ev for ev, _ in seen] == [Ping(i) for i in range(100)]
    assert {name for _, name in seen} == {threading.current_thread().name}


def test_handlers_get_the_injected_clock_time() -> None:
    clock = FakeClock(start_monotonic=50.0)
    runner = Runner(clock)
    times: list[float] = []
    runner.subscribe(lambda ev, now: times.append(now))
    runner.post(Ping(1))
    clock.advance(120.0)
    runner.post(Ping(2))
    runner.run_pending()
    assert times == [170.0, 170.0]


def test_spawned_work_posts_result_and_typed_failures() -> None:
    runner = Runner(FakeClock())
    got: list[object] = []
    done = threading.Event()

    def handler(ev: object, now: float) -> None:
        if isinstance(ev, Tick):
            return
        got.append(ev)
        if len(got) == 3:
            done.set()

    runner.subscribe(handler)

    def fail_paper() -> object:
        raise PaperOut("no paper")

    def bug() -> object:
        raise ValueError("oops")

    runner.spawn("ok", lambda: Ping(7))
    runner.spawn("printer", fail_paper)
    runner.spawn("bug", bug)
    runner.run(until=done.is_set)
    runner.close()
    assert Ping(7) in got
    assert DeviceFailed("printer", "paper_out", "no paper") in got
    assert WorkFailed("bug", "ValueError: oops") in got


def test_run_posts_ticks_until_stopped() -> None:
    runner = Runner(tick_s=0.01)
    ticks: list[object] = []
    runner.subscribe(lambda ev, now: ticks.append(ev) if isinstance(ev, Tick) else None)
    runner.run(until=lambda: len(ticks) >= 3)
    assert len(ticks) >= 3
