"""The executor and the co-processor's events with an in-memory board (the firmware itself: tests/coproc/test_kiosk.py):
the journey flag, the light ring and status pattern following the screens, the lock, the officer's clearing, the
initial enclosure state, and an outage that leaves the kiosk working."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import pytest

from kiosk.drivers.coproc import (
    CoprocRecovered,
    CoprocRejected,
    CoprocSilent,
    PresenceDetected,
    TamperClosed,
    TamperOpened,
)
from kiosk.flows.attempts import holder_key
from kiosk.flows.host import JourneyHost
from kiosk.runner import DeviceFailed, FakeClock, Runner
from tests.flows.fakes import IDENTITY, FakeFace, FakeLocal, Screens, fake_ports
from tests.flows.kit import SECRET, DrivenKiosk

PIN = "246810"


@dataclass
class FakeBoard:
    """Records what the executor commanded; the enclosure and its latch as a board would keep them."""

    is_open: bool = False
    latched: bool = False
    silent: bool = False
    calls: list[tuple[str, object]] = field(default_factory=list)

    def beep(self, kind: str) -> None:
        self.calls.append(("beep", kind))

    def light(self, name: str, on: bool) -> None:
        self.calls.append(("light", (name, on)))

    def journey(self, active: bool) -> None:
        self.calls.append(("journey", active))

    def face_light(self, on: bool) -> None:
        self.calls.append(("ring", on))

    def out_of_service(self, on: bool) -> None:
        self.calls.append(("out_of_service", on))

    def tamper(self) -> tuple[bool, bool]:
        if self.silent:
            raise CoprocSilent("no answer")
        return self.is_open, self.latched

    def ack_tamper(self) -> None:
        if self.silent:
            raise CoprocSilent("no answer")
        if self.is_open:
            raise CoprocRejected("command 0x17 refused: still_open", code="still_open")
        self.latched = False

    def of(self, kind: str) -> list[object]:
        return [v for k, v in self.calls if k == kind]


class Kiosk(DrivenKiosk):
    def __init__(self, board: FakeBoard, face: FakeFace | None = None) -> None:
        self.clock = FakeClock()
        self.runner = Runner(self.clock, tick_s=0.002)
        self.screens = Screens()
        self.board = board
        self.local = FakeLocal(officers={holder_key(IDENTITY.cid, SECRET): ("OFF-7", "Officer Malee", PIN)})
        ports = fake_ports(local=self.local, signals=board, board=board, face=face or FakeFace())
        self.host = JourneyHost(self.runner, self.screens, ports, secret=SECRET)

    def close(self) -> None:
        self.host.close()
        self.runner.close()


@pytest.fixture
def board() -> FakeBoard:
    return FakeBoard()


@pytest.fixture
def kiosk(board: FakeBoard) -> Any:
    k = Kiosk(board)
    yield k
    k.close()


def test_a_journey_tells_the_board_and_the_ring_lights_the_face(board: FakeBoard) -> None:
    hold = threading.Event()
    k = Kiosk(board, FakeFace(hold=hold))
    try:
        k.tap("start").tap("language", "th").tap("service", "own_data").on("consent")
        assert board.of("journey") == [True]
        k.tap("accept").insert_card().on("face_capture")
        assert board.of("ring") == [True]
        hold.set()
        k.on("own_data")
        assert board.of("ring") == [True, False]
        k.tap("cancel").tap("cancel").remove_card().on("attract")
        assert board.of("journey") == [True, False]
        assert ("beep", "success") in board.calls  # verified
    finally:
        hold.set()
        k.close()


def test_tamper_in_a_journey_ends_it_and_locks_until_the_officer_clears(kiosk: Kiosk, board: FakeBoard) -> None:
    kiosk.tap("start").tap("language", "en").tap("service", "own_data").on("consent")
    board.is_open = board.latched = True
    kiosk.post(TamperOpened(latched=True)).on("out_of_service", reason="tamper")
    assert board.of("journey") == [True, False] and board.of("out_of_service") == [True]
    kiosk.tap("start")
    assert kiosk.screens.last[0] == "out_of_service"

    kiosk.insert_card().on("passcode").digits(PIN).on("out_of_service", reason="tamper_open")  # still open
    assert ("beep", "error") in board.calls
    kiosk.remove_card().on("out_of_service", reason="tamper")

    board.is_open = False
    kiosk.post(TamperClosed(latched=True))
    assert kiosk.screens.last == ("out_of_service", {"reason": "tamper"})
    kiosk.insert_card().on("passcode").digits(PIN).on("remove_card")
    assert not board.latched
    kiosk.remove_card().on("attract")
    assert board.of("out_of_service")[-1] is False
    kiosk.tap("start").on("language")  # back in service
    kiosk.host.flush()
    assert next(a[1].get("outcome") for a in kiosk.local.audits if a[0] == "journey_ended") == "tampered"


def test_a_wrong_pin_does_not_clear_the_latch(kiosk: Kiosk, board: FakeBoard) -> None:
    board.latched = True
    kiosk.post(TamperClosed(latched=True)).on("out_of_service", reason="tamper")
    kiosk.insert_card().on("passcode").digits("111111").on("passcode")
    assert kiosk.screens.last[1].get("error") == "wrong" and board.latched
    kiosk.remove_card().on("error")  # the card was held: the journey ends with a notice
    kiosk.tap("done").on("out_of_service", reason="tamper")


def test_a_latch_kept_across_a_restart_locks_the_kiosk_at_start() -> None:
    board = FakeBoard(latched=True)
    k = Kiosk(board)
    try:
        k.on("out_of_service", reason="tamper")
    finally:
        k.close()


def test_presence_wakes_attract_only(kiosk: Kiosk) -> None:
    kiosk.post(PresenceDetected()).on("language")
    kiosk.tap("language", "th").on("menu")
    kiosk.post(PresenceDetected())
    assert kiosk.screens.last[0] == "menu"


def test_an_outage_keeps_the_kiosk_working_and_a_recovery_asks_the_enclosure_again(
    kiosk: Kiosk, board: FakeBoard
) -> None:
    kiosk.post(DeviceFailed("coproc", "silent", "no answer"))
    assert not kiosk.host.board_up
    kiosk.tap("start").on("language")  # everything else works
    board.is_open = True  # opened while the link was down
    kiosk.post(CoprocRecovered())
    kiosk.on("out_of_service", reason="tamper")
    assert kiosk.host.board_up


def test_a_silent_acknowledgement_ends_the_clearing_but_is_no_outage(kiosk: Kiosk, board: FakeBoard) -> None:
    board.latched = True
    kiosk.post(TamperClosed(latched=True)).on("out_of_service", reason="tamper")
    board.silent = True
    kiosk.insert_card().on("passcode").digits(PIN).on("error")
    assert kiosk.screens.last[1].get("device") == "coproc" and board.latched
    assert kiosk.host.board_up  # one command's answer; only the heartbeat reports an outage
    kiosk.remove_card().on("out_of_service", reason="tamper")
