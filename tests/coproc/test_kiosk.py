"""The co-processor in the kiosk, end to end: the firmware under MicroPython on a pty, connected by the composition
root's own `_coproc` (watchdog from `[coproc]`) and `_signals`, driving the journeys' executor with in-memory ports
for everything else. Tamper during a journey ends it and locks the kiosk (latched on the board); an officer clears
the latch with card + PIN, refused while the case is open; presence wakes attract; an outage leaves the kiosk up."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Iterator

import pytest

from kiosk.app import CoprocSignals, _coproc, _signals
from kiosk.config import Config
from kiosk.drivers.coproc.link import CoprocLink
from kiosk.flows.attempts import holder_key
from kiosk.flows.host import JourneyHost
from kiosk.runner import FakeClock, Runner
from simulator.coproc import SimulatedCoproc
from tests.flows.fakes import IDENTITY, FakeFace, FakeLocal, Screens, fake_ports
from tests.flows.kit import SECRET, DrivenKiosk

OFFICER_PIN = "246810"


class Kiosk(DrivenKiosk):
    """The executor on a real runner (fake clock: no inactivity deadline fires), the board behind the real link."""

    def __init__(self, cfg: Config, face: FakeFace) -> None:
        self.stack = contextlib.ExitStack()
        self.clock = FakeClock()
        self.runner = Runner(self.clock, tick_s=0.005)
        self.stack.callback(self.runner.close)
        self.screens = Screens()
        link = _coproc(cfg, self.runner, self.stack)
        assert isinstance(link, CoprocLink), "the composition root could not connect the board"
        self.link = link
        board = _signals(link, self.stack)
        assert isinstance(board, CoprocSignals)
        local = FakeLocal(officers={holder_key(IDENTITY.cid, SECRET): ("OFF-7", "Officer Malee", OFFICER_PIN)})
        self.local = local
        self.ports = fake_ports(local=local, face=face, signals=board, board=board)
        self.host = JourneyHost(self.runner, self.screens, self.ports, secret=SECRET)
        self.stack.callback(self.host.close)

    def close(self) -> None:
        self.stack.close()

    def officer_signs_in(self) -> Kiosk:
        return self.insert_card().on("passcode").digits(OFFICER_PIN)


@pytest.fixture
def cfg(sim: SimulatedCoproc) -> Config:
    base = Config()
    coproc = dataclasses.replace(base.coproc, port=sim.link_path, heartbeat_s=0.2, watchdog_warn_s=2.0)
    return dataclasses.replace(base, coproc=coproc)


@pytest.fixture
def hold() -> threading.Event:
    return threading.Event()


@pytest.fixture
def kiosk(cfg: Config, hold: threading.Event) -> Iterator[Kiosk]:
    k = Kiosk(cfg, FakeFace(hold=hold))
    try:
        yield k
    finally:
        hold.set()
        k.close()


def test_the_composition_root_arms_the_watchdog_from_the_config(kiosk: Kiosk, sim: SimulatedCoproc) -> None:
    status = kiosk.link.status()
    assert status.watchdog_armed and not status.in_journey and not status.tamper_latched
    assert kiosk.screens.last[0] == "attract"


def test_tamper_during_a_journey_locks_the_kiosk_until_an_officer_clears_it_with_the_case_closed(
    kiosk: Kiosk, sim: SimulatedCoproc, hold: threading.Event
) -> None:
    kiosk.tap("start").tap("language", "th").tap("service", "own_data").on("consent").tap("accept")
    kiosk.insert_card().on("face_capture")
    assert sim.wait_state(lambda s: s.ring_rgb == (255, 255, 255), 3.0), "the ring lights the face"
    assert kiosk.link.status().in_journey

    sim.set_tamper_open(True)
    kiosk.on("out_of_service", reason="tamper")
    assert sim.wait_state(lambda s: s.ring_rgb == (0, 0, 0), 3.0), "the ring goes dark with the journey"
    assert sim.wait_state(lambda s: s.red == 1 and s.green == 0, 3.0), "the status LEDs say out of service"
    status = kiosk.link.status()
    assert status.tamper_latched and status.pattern == "out_of_service" and not status.in_journey
    assert kiosk.ports.face is not None and kiosk.ports.face.cancelled  # type: ignore[attr-defined]
    hold.set()  # the capture in flight answers late: it must not reach anyone
    kiosk.host.flush()
    ended = [a[1] for a in kiosk.local.audits if a[0] == "journey_ended"]
    assert ended and ended[-1]["outcome"] == "tampered"

    kiosk.remove_card()  # the citizen's card goes; the kiosk stays locked
    assert kiosk.screens.last == ("out_of_service", {"reason": "tamper"})

    # An officer tries with the case still open: the board refuses, and the kiosk says why.
    kiosk.officer_signs_in().on("out_of_service", reason="tamper_open")
    assert sim.wait_state(lambda s: s.buzzer_hz == 400, 3.0), "an error beep"
    assert kiosk.link.status().tamper_latched
    kiosk.remove_card().on("out_of_service", reason="tamper")

    # Closing the case is not enough: the latch holds.
    sim.set_tamper_open(False)
    assert sim.sync()
    kiosk.until(lambda: not kiosk.host.home.lock.open)
    assert kiosk.screens.last == ("out_of_service", {"reason": "tamper"})
    kiosk.tap("start").on("out_of_service", reason="tamper")

    kiosk.officer_signs_in().on("remove_card")
    assert not kiosk.link.status().tamper_latched
    kiosk.remove_card().on("attract")
    assert sim.wait_state(lambda s: s.red == 0, 3.0)
    assert kiosk.link.status().pattern == "idle"
    kiosk.host.flush()
    events = [a[0] for a in kiosk.local.audits]
    assert {"tamper_latched", "tamper_clear_refused", "tamper_cleared", "back_in_service"} <= set(events)


def test_an_opening_outside_a_journey_lifts_when_the_case_closes(kiosk: Kiosk, sim: SimulatedCoproc) -> None:
    sim.set_tamper_open(True)
    kiosk.on("out_of_service", reason="tamper")
    assert not kiosk.link.status().tamper_latched
    sim.set_tamper_open(False)
    kiosk.on("attract")


def test_presence_wakes_the_attract_screen(kiosk: Kiosk, sim: SimulatedCoproc) -> None:
    sim.set_presence(True)
    kiosk.on("language")


def test_a_board_outage_leaves_the_kiosk_working_and_its_return_is_noticed(kiosk: Kiosk, sim: SimulatedCoproc) -> None:
    sim.halt()
    kiosk.until(lambda: not kiosk.host.board_up)
    kiosk.tap("start").on("language")  # the journeys do not need the board
    sim.restart()
    kiosk.until(lambda: kiosk.host.board_up)
    assert kiosk.link.status().watchdog_armed  # the link restored what was commanded
