"""End to end: the firmware under MicroPython on a pty against the real host driver, its pins on the control pty."""

from __future__ import annotations

import os
import select
import struct
import time
import tty

import pytest

from kiosk.drivers.coproc import (
    CoprocBooted,
    CoprocPortError,
    CoprocRecovered,
    CoprocRejected,
    CoprocSilent,
    CoprocWrongVersion,
    PowerCycling,
    PresenceDetected,
    TamperClosed,
    TamperOpened,
    WatchdogSettings,
    WatchdogWarning,
    wire,
)
from kiosk.drivers.coproc.link import CoprocLink, SerialPort, connect, open_port
from kiosk.runner import DeviceFailed
from simulator.coproc import SimulatedCoproc
from tests.coproc.conftest import Events


def test_handshake_identifies_the_firmware(link: CoprocLink, events: Events) -> None:
    info = link.info()
    assert info.protocol_version == wire.PROTOCOL_VERSION
    assert info.firmware_version == "1.0.0"
    assert info.boot_reason == "power_on"
    assert set(wire.COMMANDS) <= set(info.commands)
    assert events.expect(CoprocBooted) == CoprocBooted("power_on")


def test_host_refuses_a_protocol_it_does_not_speak(port: SerialPort) -> None:
    newer_host = CoprocLink(port, protocol_version=wire.PROTOCOL_VERSION + 1)
    try:
        with pytest.raises(CoprocWrongVersion) as e:
            newer_host.open()
        assert e.value.device == "coproc" and e.value.reason == "wrong_version"
    finally:
        newer_host.close()


def test_light_ring_follows_level_and_colour(link: CoprocLink, sim: SimulatedCoproc) -> None:
    link.light(128, (255, 200, 100))
    assert sim.wait_state(lambda s: s.ring_rgb == (128, 100, 50), 2.0), sim.state()
    state = sim.state()
    assert state.ring == bytes([128, 100, 50]) * sim.pins["LIGHT_RING_PIXELS"]
    link.light(0)
    assert sim.wait_state(lambda s: s.ring_rgb == (0, 0, 0), 2.0)
    with pytest.raises(ValueError):
        link.light(256)


def test_status_pattern_drives_the_leds(link: CoprocLink, sim: SimulatedCoproc) -> None:
    link.pattern("idle")
    assert sim.wait_state(lambda s: s.green == 1 and s.red == 0, 2.0)
    link.pattern("error")
    assert sim.wait_state(lambda s: s.green == 0 and s.red == 1, 2.0)
    link.pattern("out_of_service")  # slow red blink: both levels seen within a second and a bit
    since = time.monotonic()
    assert sim.wait_state(lambda s: s.red == 0, 2.0)
    assert sim.wait_state(lambda s: s.red == 1, 2.0)
    red_lines = {
        c.text for c in sim.history() if c.host_t >= since and c.text.startswith(f"pin {sim.pins['STATUS_RED_PIN']}")
    }
    assert len(red_lines) == 2
    assert link.status().pattern == "out_of_service"


def test_buzzer_sounds_for_its_duration(link: CoprocLink, sim: SimulatedCoproc) -> None:
    link.buzz(2400, 0.2)
    assert sim.wait_state(lambda s: s.buzzer_hz == 2400, 1.0)
    assert sim.wait_state(lambda s: s.buzzer_hz == 0, 2.0)  # silenced by the board itself
    buzzer = [c for c in sim.history() if c.text.startswith(f"pwm {sim.pins['BUZZER_PIN']}")]
    on = next(c for c in buzzer if c.text.endswith(" 32768"))
    off = buzzer[-1]
    assert off.text.endswith(" 0") and off.board_ms - on.board_ms >= 200


def test_status_reports_what_was_commanded(link: CoprocLink, sim: SimulatedCoproc) -> None:
    link.light(40, (1, 2, 3))
    link.set_journey(True)
    status = link.status()
    assert status.light_level == 40 and status.light_rgb == (1, 2, 3)
    assert status.in_journey and not status.tamper_open and not status.tamper_latched
    assert not status.watchdog_armed and status.power_cycles == 0
    assert 0 < status.heap_free_bytes < 192 * 1024  # the RP2040-sized heap the simulator gives it


def test_tamper_outside_a_journey_is_reported_not_latched(
    link: CoprocLink, sim: SimulatedCoproc, events: Events
) -> None:
    sim.set_tamper_open(True)
    assert events.expect(TamperOpened) == TamperOpened(latched=False)
    sim.set_tamper_open(False)
    assert events.expect(TamperClosed) == TamperClosed(latched=False)
    assert not link.status().tamper_latched


def test_tamper_in_a_journey_latches_until_acknowledged(link: CoprocLink, sim: SimulatedCoproc, events: Events) -> None:
    link.set_journey(True)
    sim.set_tamper_open(True)
    assert events.expect(TamperOpened, timeout_s=1.0) == TamperOpened(latched=True)
    with pytest.raises(CoprocRejected) as refused:
        link.ack_tamper()  # an officer cannot clear it with the door still open
    assert refused.value.reason == "still_open"
    link.set_journey(False)
    sim.set_tamper_open(False)
    assert events.expect(TamperClosed) == TamperClosed(latched=True)
    assert link.status().tamper_latched
    link.ack_tamper()
    status = link.status()
    assert not status.tamper_latched and not status.tamper_open


def test_a_latched_tamper_survives_a_board_reset(link: CoprocLink, sim: SimulatedCoproc, events: Events) -> None:
    link.set_journey(True)
    sim.set_tamper_open(True)
    assert events.expect(TamperOpened) == TamperOpened(latched=True)
    sim.set_tamper_open(False)
    assert events.expect(TamperClosed) == TamperClosed(latched=True)
    sim.restart()  # pulling the board's power is no way to clear the alarm
    link.identify()
    assert link.status().tamper_latched
    link.ack_tamper()
    sim.restart()
    link.identify()
    assert not link.status().tamper_latched


def test_tamper_bounce_outside_a_journey_settles_to_one_report(
    link: CoprocLink, sim: SimulatedCoproc, events: Events
) -> None:
    for level in (True, False, True, False, True):
        sim.set_tamper_open(level)
    assert events.expect(TamperOpened) == TamperOpened(latched=False)
    events.none_of(TamperClosed, within_s=0.3)
    assert link.status().tamper_open


def test_presence_wakes_once_per_holdoff(link: CoprocLink, sim: SimulatedCoproc, events: Events) -> None:
    sim.set_presence(True)
    assert events.expect(PresenceDetected) == PresenceDetected()
    sim.set_presence(False)
    sim.set_presence(True)  # the same person still moving: inside the hold-off
    events.none_of(PresenceDetected, within_s=0.5)
    assert link.status().presence


def test_missed_heartbeats_warn_then_power_cycle_the_pi(link: CoprocLink, sim: SimulatedCoproc, events: Events) -> None:
    settings = WatchdogSettings(warn_after_s=0.8, grace_s=0.4, off_s=0.3, boot_grace_s=30.0)
    link.configure_watchdog(settings)
    link.start_heartbeat(0.1)
    events.none_of(WatchdogWarning, within_s=1.0)  # fed: nothing happens
    assert sim.state().pi_powered
    link.stop_heartbeat()  # the kiosk hangs
    stopped = time.monotonic()
    warning = events.expect(WatchdogWarning, timeout_s=3.0)
    assert isinstance(warning, WatchdogWarning) and 0 < warning.seconds_left <= settings.grace_s
    assert events.expect(PowerCycling, timeout_s=3.0) == PowerCycling(off_s=0.3)
    assert sim.wait_state(lambda s: not s.pi_powered, 3.0)
    assert sim.wait_state(lambda s: s.pi_powered, 3.0)
    relay = [c for c in sim.history() if c.host_t >= stopped and c.text.startswith(f"pin {sim.pins['PI_POWER_PIN']}")]
    assert [c.text for c in relay] == [f"pin {sim.pins['PI_POWER_PIN']} 0", f"pin {sim.pins['PI_POWER_PIN']} 1"]
    assert relay[1].board_ms - relay[0].board_ms >= 300  # off for off_s by the board's own clock
    link.heartbeat()  # the Pi is back
    status = link.status()
    assert status.power_cycles == 1 and status.watchdog_armed


def test_ctrl_c_and_noise_on_the_line_do_not_stop_the_firmware(link: CoprocLink, sim: SimulatedCoproc) -> None:
    other = os.open(sim.link_path, os.O_RDWR | os.O_NOCTTY)  # a second writer on the same serial line
    try:
        tty.setraw(other)
        os.write(other, b"\x03\x03\x03\x04\x1a" + bytes(range(1, 200)) + b"\x03")
        link.heartbeat()
        os.write(other, b"\x00\xff\x13\x01\x80\x00")  # a frame's start with a bad CRC
        link.light(7)
        assert sim.wait_state(lambda s: s.ring_rgb == (7, 7, 7), 2.0)
    finally:
        os.close(other)
    assert sim.running
    assert "Traceback" not in sim.stderr_text()


def test_noise_from_the_board_side_costs_nothing_but_bad_frames(
    link: CoprocLink, sim: SimulatedCoproc, events: Events
) -> None:
    sim.inject_to_host(b"\x03garbage\x00\x05\x11\x22\x33\x44\x00" + bytes(range(1, 120)))
    link.light(3)
    assert link.status().light_level == 3
    assert link.bad_frames >= 1
    sim.set_presence(True)
    assert events.expect(PresenceDetected) == PresenceDetected()


class RawHost:
    """The host end of the line at the frame level, with no driver: for what the driver never does on purpose."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)
        self.framer, self.deframer = wire.Framer(), wire.Deframer()

    def send(self, kind: int, seq: int, payload: bytes = b"") -> None:
        n = self.framer.build(kind, seq, payload, len(payload))
        os.write(self.fd, bytes(self.framer.out[:n]))

    def frames_for(self, seconds: float) -> list[bytes]:
        got: list[bytes] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([self.fd], [], [], left)
            if not readable:
                break
            for b in os.read(self.fd, 256):
                m = self.deframer.push(b)
                if m >= 0:
                    got.append(bytes(self.deframer.body[:m]))
        return got

    def result_of(self, kind: int, seq: int, payload: bytes = b"") -> int:
        """Send one command, acknowledge what comes back, return the result code answering it."""
        self.send(kind, seq, payload)
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            for f in self.frames_for(0.2):
                if f[0] != wire.K_ACK:
                    self.send(wire.K_ACK, f[1])
                if f[0] == wire.K_RESULT and f[2:4] == bytes([seq, kind]):
                    return f[4]
        raise AssertionError(f"no result for command 0x{kind:02x}")

    def close(self) -> None:
        os.close(self.fd)


def test_malformed_commands_are_answered_not_obeyed(sim: SimulatedCoproc) -> None:
    host = RawHost(sim.link_path)
    try:
        assert host.result_of(0x7F, 0) == wire.R_UNKNOWN_COMMAND
        assert host.result_of(wire.K_LIGHT, 1, b"\x10\x20\x30") == wire.R_BAD_LENGTH
        assert host.result_of(wire.K_PATTERN, 2, b"\x63") == wire.R_BAD_VALUE
        assert host.result_of(wire.K_BUZZ, 3, b"\x00\x05\x00\x64") == wire.R_BAD_VALUE  # 5 Hz
        assert host.result_of(wire.K_MAINTENANCE, 4, b"\x07") == wire.R_BAD_VALUE
        watchdog = struct.pack(wire.FMT_WATCHDOG, 1, 10, 1000, 1000, 0, 3)  # warn after 10 ms: refused
        assert host.result_of(wire.K_WATCHDOG, 5, watchdog) == wire.R_BAD_VALUE
        assert host.result_of(wire.K_HEARTBEAT, 6) == wire.R_OK  # and the board is still fine
    finally:
        host.close()
    assert sim.running
    assert not any(c.text.startswith("np ") and "102030" in c.text for c in sim.history())


def test_the_firmware_retransmits_until_acknowledged_and_drops_duplicates(sim: SimulatedCoproc) -> None:
    host = RawHost(sim.link_path)
    try:
        host.frames_for(1.5)  # let the unacknowledged BOOTED frame run out of retries
        light = bytes([9, 255, 255, 255])
        host.send(wire.K_LIGHT, 3, light)
        host.send(wire.K_LIGHT, 3, light)  # our retransmission: acknowledged again, carried out once
        got = host.frames_for(0.6)  # we never ACK the result: the firmware sends it again every 100 ms
    finally:
        host.close()
    acks = [f for f in got if f[0] == wire.K_ACK]
    results = [f for f in got if f[0] == wire.K_RESULT]
    assert acks == [bytes([wire.K_ACK, 3])] * 2
    assert len(results) >= 3
    assert {f[1] for f in results} == {results[0][1]}  # the same seq each time: one result, retransmitted
    assert results[0][2:] == bytes([3, wire.K_LIGHT, wire.R_OK])
    lines = [c for c in sim.history() if c.text.startswith(f"np {sim.pins['LIGHT_RING_PIN']} 090909")]
    assert len(lines) == 1


def test_a_board_reset_is_reported_and_its_state_restored(
    link: CoprocLink, sim: SimulatedCoproc, events: Events
) -> None:
    assert events.expect(CoprocBooted) == CoprocBooted("power_on")
    link.light(200, (10, 20, 30))
    link.set_journey(True)
    link.configure_watchdog(WatchdogSettings(warn_after_s=5.0))
    link.start_heartbeat(0.2)
    sim.restart(reset_cause=3)  # the board's own watchdog reset it
    assert events.expect(CoprocBooted, timeout_s=5.0) == CoprocBooted("watchdog")
    status = link.status()
    assert status.light_level == 200 and status.light_rgb == (10, 20, 30)
    assert status.in_journey and status.watchdog_armed
    assert link.info().boot_reason == "watchdog"
    assert sim.wait_state(lambda s: s.ring_rgb == (200 * 10 // 255, 200 * 20 // 255, 200 * 30 // 255), 2.0)


def test_a_vanished_board_is_a_device_failure(link: CoprocLink, sim: SimulatedCoproc, events: Events) -> None:
    link.start_heartbeat(0.1)
    sim.stop()  # the USB cable is pulled
    failed = events.expect(DeviceFailed, timeout_s=5.0)
    assert isinstance(failed, DeviceFailed) and failed.device == "coproc"
    assert failed.reason == "port"


def test_connect_arms_the_watchdog_and_keeps_it_fed(sim: SimulatedCoproc, events: Events) -> None:
    settings = WatchdogSettings(warn_after_s=0.5, grace_s=5.0)
    link = connect(sim.link_path, 115200, events.post, watchdog=settings, heartbeat_s=0.1)
    try:
        assert link.status().watchdog_armed
        events.none_of(WatchdogWarning, within_s=1.2)
    finally:
        link.close()
    with pytest.raises(CoprocPortError):
        link.heartbeat()  # the port went with the link


def test_connect_leaves_nothing_open_when_the_board_is_wrong(sim: SimulatedCoproc) -> None:
    with pytest.raises(CoprocSilent):
        connect("loop://", 115200, lambda e: None, watchdog=WatchdogSettings(), heartbeat_s=1.0, reply_timeout_s=0.3)


@pytest.mark.parametrize("mode", ["repl", "bootloader"])
def test_maintenance_hands_the_board_over(link: CoprocLink, sim: SimulatedCoproc, mode: str) -> None:
    link.light(50)
    link.maintenance("repl" if mode == "repl" else "bootloader")
    if mode == "repl":
        assert sim.wait_line("timer 1000", 3.0)  # the RP2040 watchdog stays fed while someone works in the REPL
    else:
        assert sim.wait_line("bootloader", 3.0)
    assert sim.wait_state(lambda s: s.ring_rgb == (0, 0, 0), 2.0)  # the light goes out with the application
    assert sim.wait_exit(3.0)


def test_a_failing_task_stops_the_firmware_rather_than_half_running(link: CoprocLink, sim: SimulatedCoproc) -> None:
    sim.break_pin("TAMPER_PIN")
    sim.set_tamper_open(True)  # the inputs task reads the pin and fails
    assert sim.wait_exit(3.0)  # on the board the hardware watchdog then resets it
    assert "broken pin" in sim.stderr_text()


def test_the_link_reconnects_when_the_board_comes_back(micropython: str, events: Events) -> None:
    first = SimulatedCoproc(micropython=micropython)
    paths = [first.start()]  # like /dev/ttyACM0, which disappears while the board resets and then returns
    link = CoprocLink(
        open_port(paths[0], 115200), events.post, owns_port=True, reopen=lambda: open_port(paths[-1], 115200)
    )
    second = SimulatedCoproc(micropython=micropython)
    try:
        link.open()
        link.light(90, (0, 0, 255))
        link.start_heartbeat(0.1)
        first.stop()
        failed = events.expect(DeviceFailed)
        assert isinstance(failed, DeviceFailed) and (failed.device, failed.reason) == ("coproc", "port")
        paths.append(second.start())
        assert events.expect(CoprocRecovered, timeout_s=5.0) == CoprocRecovered()
        assert link.status().light_rgb == (0, 0, 255)  # restored on the new board
        assert second.wait_state(lambda s: s.ring_rgb == (0, 0, 90), 2.0)
    finally:
        link.close()
        first.stop()
        second.stop()


def test_heartbeat_without_a_board_reports_silent_once(sim: SimulatedCoproc, events: Events) -> None:
    port = open_port(sim.link_path, 115200)
    link = CoprocLink(port, events.post, reply_timeout_s=0.3)
    try:
        link.open()
        sim.halt()  # the board hangs; the line stays
        link.start_heartbeat(0.05)
        failed = events.expect(DeviceFailed, timeout_s=3.0)
        assert isinstance(failed, DeviceFailed)
        assert (failed.device, failed.reason) == ("coproc", "silent")
        events.none_of(DeviceFailed, within_s=0.8)  # one report per outage, not one per heartbeat
    finally:
        link.close()
        port.close()
