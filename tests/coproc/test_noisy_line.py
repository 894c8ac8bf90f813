"""The protocol under a noisy line: the real firmware and the real driver with 2 % of bytes corrupted both ways.

Every command must still be carried out exactly once and every event delivered exactly once, by retransmission and
duplicate suppression on both sides (about one frame in seven is lost at this rate).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.drivers.coproc import PresenceDetected, TamperClosed, TamperOpened
from kiosk.drivers.coproc.link import CoprocLink, open_port
from simulator.coproc import SimulatedCoproc
from tests.coproc.conftest import Events


@pytest.fixture(params=[7, 8])
def noisy(micropython: str, request: pytest.FixtureRequest) -> Iterator[SimulatedCoproc]:
    board = SimulatedCoproc(micropython=micropython, line_error_rate=0.02, seed=request.param)
    board.start()
    try:
        yield board
    finally:
        board.stop()


def test_commands_and_events_survive_a_noisy_line(noisy: SimulatedCoproc, events: Events) -> None:
    link = CoprocLink(open_port(noisy.link_path, 115200), events.post, reply_timeout_s=3.0, owns_port=True)
    try:
        link.open()
        for level in range(1, 41):
            link.light(level, (255, 255, 255))
        status = link.status()
        assert status.light_level == 40
        rings = [c.text for c in noisy.history() if c.text.startswith(f"np {noisy.pins['LIGHT_RING_PIN']} ")]
        assert len(rings) == 1 + 40  # the boot-time "off" and each command exactly once, never a duplicate
        for _ in range(3):
            noisy.set_tamper_open(True)
            assert events.expect(TamperOpened, timeout_s=5.0) == TamperOpened(latched=False)
            noisy.set_tamper_open(False)
            assert events.expect(TamperClosed, timeout_s=5.0) == TamperClosed(latched=False)
        noisy.set_presence(True)
        assert events.expect(PresenceDetected, timeout_s=5.0) == PresenceDetected()
        seen = events.drain(within_s=0.5)  # and no duplicate deliveries trailing behind
        assert sum(isinstance(e, TamperOpened) for e in seen) == 3
        assert sum(isinstance(e, TamperClosed) for e in seen) == 3
        assert sum(isinstance(e, PresenceDetected) for e in seen) == 1
        assert link.bad_frames > 0  # the line really was noisy
    finally:
        link.close()
