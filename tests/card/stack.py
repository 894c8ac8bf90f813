"""Helpers for end-to-end card tests: the private pcscd stack as a fixture, and a watcher whose events are collected."""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from kiosk.drivers.card import CardReadFailed, CardRemoved
from kiosk.drivers.card.pcsc import PcscCardReader
from simulator.vcard.pcscd import PcscdError, VirtualStack, missing_parts, virtual_stack
from tests.conftest import missing_stack

TODAY = date(2026, 11, 22)
EVENT_TIMEOUT_S = 5.0


@contextmanager
def running_stack(readers: int = 1, *, apdu_delay_s: float = 0.0) -> Iterator[VirtualStack]:
    if missing := missing_parts():
        missing_stack("pcscd + vpcd: " + ", ".join(missing))
    try:
        stack_cm = virtual_stack(readers, apdu_delay_s=apdu_delay_s)
        stack = stack_cm.__enter__()
    except PcscdError as e:
        missing_stack(f"private pcscd cannot run here: {e}")
        raise
    try:
        yield stack
    finally:
        stack_cm.__exit__(None, None, None)


class Events:
    """A card watcher on one reader whose events land in a queue the test reads with deadlines."""

    def __init__(self, reader: str, **options: object) -> None:
        self.queue: queue.Queue[object] = queue.Queue()
        self.reader = PcscCardReader(self.queue.put, today=lambda: TODAY, reader=reader, **options)  # type: ignore[arg-type]

    def __enter__(self) -> Events:
        self.reader.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.reader.stop()

    def next(self, timeout_s: float = EVENT_TIMEOUT_S) -> object:
        return self.queue.get(timeout=timeout_s)

    def until(self, done: Callable[[object], bool], timeout_s: float = EVENT_TIMEOUT_S) -> list[object]:
        """Events up to and including the first for which `done` is true."""
        seen: list[object] = []
        while True:
            event = self.next(timeout_s)
            seen.append(event)
            if done(event):
                return seen

    def until_removed(self) -> list[object]:
        return self.until(lambda e: isinstance(e, CardRemoved))

    def until_failed(self) -> list[object]:
        return self.until(lambda e: isinstance(e, CardReadFailed))
