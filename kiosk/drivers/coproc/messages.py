"""Payloads <-> values for the host: command payloads out, identify/status replies and board events in. No I/O.

The byte layouts are the `FMT_*` constants of `wire.py`, the module the firmware itself runs.
"""

from __future__ import annotations

import struct
from typing import cast

from kiosk.drivers.coproc import (
    BootReason,
    CoprocBooted,
    CoprocEvent,
    CoprocGarbled,
    CoprocInfo,
    CoprocStatus,
    CoprocWrongVersion,
    Maintenance,
    Pattern,
    PowerCycling,
    PresenceDetected,
    TamperClosed,
    TamperOpened,
    WatchdogSettings,
    WatchdogWarning,
    wire,
)


def boot_reason(index: int) -> BootReason:
    names = wire.BOOT_REASON_NAMES
    return cast(BootReason, names[index] if index < len(names) else "unknown")


def pattern_name(index: int) -> Pattern:
    names = wire.PATTERN_NAMES
    return cast(Pattern, names[index] if index < len(names) else "off")


# Commands ----------------------------------------------------------------------------------------------------------
def light(level: int, rgb: tuple[int, int, int]) -> bytes:
    values = (level, *rgb)
    if any(not 0 <= v <= 255 for v in values):
        raise ValueError(f"light level and colour are 0..255, not {values}")
    return struct.pack(wire.FMT_LIGHT, *values)


def pattern(name: Pattern) -> bytes:
    return struct.pack(wire.FMT_PATTERN, wire.PATTERN_NAMES.index(name))


def buzz(freq_hz: int, duration_s: float) -> bytes:
    duration_ms = round(duration_s * 1000)
    if not (20 <= freq_hz <= 20000 and 0 <= duration_ms <= 0xFFFF):
        raise ValueError(f"buzz {freq_hz} Hz for {duration_s} s is out of range")
    return struct.pack(wire.FMT_BUZZ, freq_hz, duration_ms)


def journey(active: bool) -> bytes:
    return struct.pack(wire.FMT_JOURNEY, 1 if active else 0)


def watchdog(settings: WatchdogSettings) -> bytes:
    return struct.pack(
        wire.FMT_WATCHDOG,
        1 if settings.enabled else 0,
        round(settings.warn_after_s * 1000),
        round(settings.grace_s * 1000),
        min(0xFFFF, round(settings.off_s * 1000)),
        round(settings.boot_grace_s * 1000),
        settings.max_cycles,
    )


def maintenance(mode: Maintenance) -> bytes:
    return struct.pack(wire.FMT_MAINTENANCE, wire.M_BOOTLOADER if mode == "bootloader" else wire.M_REPL)


# Replies -----------------------------------------------------------------------------------------------------------
def identify_reply(data: bytes, protocol_version: int) -> CoprocInfo:
    """Decode IDENTIFY's answer; CoprocWrongVersion for another protocol or a missing command."""
    if len(data) < 3:
        raise CoprocGarbled("identify reply too short")
    proto, reason, n = struct.unpack_from(wire.FMT_IDENTIFY_HEAD, data, 0)
    if proto != protocol_version:
        raise CoprocWrongVersion(f"firmware speaks protocol {proto}, this driver {protocol_version}")
    commands = tuple(data[3 : 3 + n])
    missing = sorted(set(wire.COMMANDS) - set(commands))
    if missing:
        raise CoprocWrongVersion("firmware lacks commands " + ", ".join(f"0x{k:02x}" for k in missing))
    return CoprocInfo(
        firmware_version=data[3 + n :].decode("ascii", "replace"),
        protocol_version=proto,
        boot_reason=boot_reason(reason),
        commands=commands,
    )


def status_reply(data: bytes) -> CoprocStatus:
    if len(data) != struct.calcsize(wire.FMT_STATUS):
        raise CoprocGarbled(f"status reply of {len(data)} bytes")
    flags, level, red, green, blue, pattern_index, cycles, uptime_s, heap_free = struct.unpack(wire.FMT_STATUS, data)
    return CoprocStatus(
        tamper_open=bool(flags & wire.F_TAMPER_OPEN),
        tamper_latched=bool(flags & wire.F_TAMPER_LATCHED),
        presence=bool(flags & wire.F_PRESENCE),
        watchdog_armed=bool(flags & wire.F_WATCHDOG_ARMED),
        in_journey=bool(flags & wire.F_IN_JOURNEY),
        light_level=level,
        light_rgb=(red, green, blue),
        pattern=pattern_name(pattern_index),
        power_cycles=cycles,
        uptime_s=uptime_s,
        heap_free_bytes=heap_free,
    )


def event(kind: int, payload: bytes) -> CoprocEvent | None:
    """The event a board frame carries; None for a kind this driver does not know. struct.error if malformed."""
    if kind == wire.K_TAMPER:
        is_open, latched = struct.unpack(wire.FMT_TAMPER, payload)
        return TamperOpened(bool(latched)) if is_open else TamperClosed(bool(latched))
    if kind == wire.K_PRESENCE:
        return PresenceDetected()
    if kind == wire.K_WATCHDOG_WARNING:
        (left_ms,) = struct.unpack(wire.FMT_WARNING, payload)
        return WatchdogWarning(left_ms / 1000)
    if kind == wire.K_POWER_CYCLE:
        (off_ms,) = struct.unpack(wire.FMT_POWER_CYCLE, payload)
        return PowerCycling(off_ms / 1000)
    if kind == wire.K_BOOTED:
        (reason,) = struct.unpack(wire.FMT_BOOTED, payload)
        return CoprocBooted(boot_reason(reason))
    return None
