"""The I/O co-processor from `[coproc]`: its link (heartbeat, watchdog, events to the runner) and the journeys'
signals on it (beeps, lights, face ring, journey flag, tamper latch)."""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from kiosk.config import Config
from kiosk.runner import Runner

log = logging.getLogger(__name__)


def coproc_link(cfg: Config, runner: Runner, stack: contextlib.ExitStack) -> Any | None:
    """The I/O co-processor: heartbeat and watchdog armed from `[coproc]`; its events (tamper, presence, outage and
    recovery) go to the runner, where the journeys' executor turns them into the kiosk's lock and wake-ups."""
    if not cfg.coproc.enabled:
        return None
    from kiosk.drivers.coproc import CoprocError
    from kiosk.drivers.coproc.commands import watchdog_settings
    from kiosk.drivers.coproc.link import connect

    c = cfg.coproc
    try:
        link = connect(
            c.port,
            c.baud,
            runner.post,
            watchdog=watchdog_settings(c),
            heartbeat_s=c.heartbeat_s,
            reply_timeout_s=c.reply_timeout_s,
        )
    except CoprocError as e:
        log.warning("co-processor unavailable (no lights, buzzer, tamper switch or watchdog): %s", e)
        return None
    stack.callback(link.close)
    return link


def coproc_signals(board: Any | None, stack: contextlib.ExitStack) -> CoprocSignals | None:
    """The signals on `board` (None without one), their thread stopped by `stack`."""
    if board is None:
        return None
    signals = CoprocSignals(board)
    stack.callback(signals.close)
    return signals


BEEPS: dict[str, tuple[int, float]] = {  # kind -> (Hz, seconds)
    "attention": (1500, 0.12),
    "success": (2000, 0.10),
    "warning": (1000, 0.30),
    "error": (400, 0.40),
}


FACE_RING = (255, (255, 255, 255))  # level, colour: the light ring while the camera looks for a face


class CoprocSignals:
    """The journeys' beeps, indicator lights, face ring, journey flag and tamper latch on the co-processor (the
    SignalPort and BoardPort). A lit indicator shows as the board's "attention" pattern, out of service as its own,
    all off as "idle". The executor calls these on the event thread, so each command is queued to this object's own
    thread, in order, and never waits for the board; `tamper` and `ack_tamper` answer (the executor's workers)."""

    def __init__(self, link: Any) -> None:
        self.link = link
        self._lit: set[str] = set()
        self._out_of_service = False
        self._queue: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._send, name="coproc-signals", daemon=True)
        self._thread.start()

    def beep(self, kind: str) -> None:
        hz, seconds = BEEPS.get(kind, BEEPS["attention"])
        self._queue.put(lambda: self.link.buzz(hz, seconds))

    def light(self, name: str, on: bool) -> None:
        (self._lit.add if on else self._lit.discard)(name)
        self._pattern()

    def out_of_service(self, on: bool) -> None:
        self._out_of_service = on
        self._pattern()

    def _pattern(self) -> None:
        pattern = "out_of_service" if self._out_of_service else "attention" if self._lit else "idle"
        self._queue.put(lambda: self.link.pattern(pattern))

    def journey(self, active: bool) -> None:
        self._queue.put(lambda: self.link.set_journey(active))

    def face_light(self, on: bool) -> None:
        level, rgb = FACE_RING if on else (0, (0, 0, 0))
        self._queue.put(lambda: self.link.light(level, rgb))

    def tamper(self) -> tuple[bool, bool]:
        status = self.link.status()
        return bool(status.tamper_open), bool(status.tamper_latched)

    def ack_tamper(self) -> None:
        self.link.ack_tamper()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5.0)

    def _send(self) -> None:
        from kiosk.drivers.coproc import CoprocError

        while (command := self._queue.get()) is not None:
            try:
                command()
            except CoprocError as e:
                log.warning("co-processor signal not delivered: %s", e)
