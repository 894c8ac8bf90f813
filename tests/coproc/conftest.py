"""Fixtures for the co-processor tests: the MicroPython binary, the firmware on a pty, a host link with its events."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator

import pytest

from kiosk.drivers.coproc.link import CoprocLink, SerialPort, open_port
from simulator.coproc import SimulatedCoproc, find_micropython
from tests.conftest import missing_stack


class Events:
    """What the driver posted, in order; `expect` waits for the next event of a type (skipping none silently)."""

    def __init__(self) -> None:
        self._queue: queue.Queue[object] = queue.Queue()
        self.seen: list[object] = []

    def post(self, event: object) -> None:
        self._queue.put(event)

    def expect(self, kind: type, timeout_s: float = 3.0) -> object:
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind.__name__} within {timeout_s} s; saw {self.seen}")
            try:
                event = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(event)
            if isinstance(event, kind):
                return event

    def drain(self, within_s: float) -> list[object]:
        """Everything seen so far, after collecting what else arrives within `within_s`."""
        deadline = time.monotonic() + within_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                self.seen.append(self._queue.get(timeout=left))
            except queue.Empty:
                break
        return list(self.seen)

    def none_of(self, kind: type, within_s: float) -> None:
        deadline = time.monotonic() + within_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self._queue.get(timeout=left)
            except queue.Empty:
                return
            self.seen.append(event)
            assert not isinstance(event, kind), f"unexpected {event}"


@pytest.fixture
def micropython() -> str:
    path = find_micropython()
    if path is None:
        missing_stack("micropython")
        raise AssertionError("unreachable")
    return path


@pytest.fixture
def sim(micropython: str) -> Iterator[SimulatedCoproc]:
    board = SimulatedCoproc(micropython=micropython)
    board.start()
    try:
        yield board
    finally:
        board.stop()


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def port(sim: SimulatedCoproc) -> Iterator[SerialPort]:
    p = open_port(sim.link_path, 115200)
    try:
        yield p
    finally:
        p.close()


@pytest.fixture
def link(port: SerialPort, events: Events) -> Iterator[CoprocLink]:
    driver = CoprocLink(port, events.post)
    driver.open()
    try:
        yield driver
    finally:
        driver.close()
