"""The host's payload codec: golden command payloads, and replies and events decoded (or refused) as values."""

from __future__ import annotations

import struct
from collections.abc import Callable

import pytest

from kiosk.drivers.coproc import (
    CoprocBooted,
    CoprocGarbled,
    CoprocWrongVersion,
    PowerCycling,
    PresenceDetected,
    TamperClosed,
    TamperOpened,
    WatchdogSettings,
    WatchdogWarning,
    messages,
    wire,
)


def test_command_payloads() -> None:
    assert messages.light(128, (255, 0, 16)) == bytes([128, 255, 0, 16])
    assert messages.pattern("out_of_service") == bytes([5])
    assert messages.buzz(2000, 0.25) == bytes([0x07, 0xD0, 0x00, 0xFA])
    assert messages.journey(True) == b"\x01"
    settings = WatchdogSettings(warn_after_s=5, grace_s=30, off_s=2, boot_grace_s=120, max_cycles=3)
    assert messages.watchdog(settings).hex() == "01" + "00001388" + "00007530" + "07d0" + "0001d4c0" + "03"
    assert messages.maintenance("bootloader") == bytes([wire.M_BOOTLOADER])


@pytest.mark.parametrize(
    "call",
    [lambda: messages.light(256, (0, 0, 0)), lambda: messages.light(1, (0, -1, 0)), lambda: messages.buzz(5, 1.0)],
)
def test_out_of_range_commands_are_refused_before_the_wire(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        call()


def identify_data(proto: int = wire.PROTOCOL_VERSION, commands: bytes = bytes(wire.COMMANDS)) -> bytes:
    return struct.pack(wire.FMT_IDENTIFY_HEAD, proto, 2, len(commands)) + commands + b"1.2.3"


def test_identify_reply() -> None:
    info = messages.identify_reply(identify_data(), wire.PROTOCOL_VERSION)
    assert info.firmware_version == "1.2.3"
    assert info.boot_reason == "watchdog"
    assert info.commands == wire.COMMANDS


def test_identify_refuses_other_protocols_and_missing_commands() -> None:
    with pytest.raises(CoprocWrongVersion, match="protocol 9"):
        messages.identify_reply(identify_data(proto=9), wire.PROTOCOL_VERSION)
    with pytest.raises(CoprocWrongVersion, match="0x15"):
        messages.identify_reply(identify_data(commands=bytes(k for k in wire.COMMANDS if k != 0x15)), 1)
    with pytest.raises(CoprocGarbled):
        messages.identify_reply(b"\x01", wire.PROTOCOL_VERSION)


def test_status_reply() -> None:
    flags = wire.F_TAMPER_LATCHED | wire.F_WATCHDOG_ARMED
    data = struct.pack(wire.FMT_STATUS, flags, 10, 1, 2, 3, 4, 7, 3600, 120000)
    status = messages.status_reply(data)
    assert status.tamper_latched and status.watchdog_armed
    assert not (status.tamper_open or status.presence or status.in_journey)
    assert (status.light_level, status.light_rgb, status.pattern) == (10, (1, 2, 3), "error")
    assert (status.power_cycles, status.uptime_s, status.heap_free_bytes) == (7, 3600, 120000)
    with pytest.raises(CoprocGarbled):
        messages.status_reply(data[:-1])


def test_events() -> None:
    assert messages.event(wire.K_TAMPER, b"\x01\x01") == TamperOpened(latched=True)
    assert messages.event(wire.K_TAMPER, b"\x00\x00") == TamperClosed(latched=False)
    assert messages.event(wire.K_PRESENCE, b"") == PresenceDetected()
    assert messages.event(wire.K_WATCHDOG_WARNING, struct.pack(">I", 2500)) == WatchdogWarning(2.5)
    assert messages.event(wire.K_POWER_CYCLE, struct.pack(">H", 2000)) == PowerCycling(2.0)
    assert messages.event(wire.K_BOOTED, b"\x01") == CoprocBooted("power_on")
    assert messages.event(wire.K_BOOTED, b"\x09") == CoprocBooted("unknown")
    assert messages.event(0x7E, b"") is None
    with pytest.raises(struct.error):
        messages.event(wire.K_TAMPER, b"\x01")
