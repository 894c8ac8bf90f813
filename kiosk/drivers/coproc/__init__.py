"""The co-processor's interface for the rest of the kiosk: the events it posts, its state, commands and error tree.

The board (RP2040 running `firmware/`) drives the face light ring, status LEDs and buzzer, watches the enclosure's
tamper switch and a presence sensor, and power-cycles the Pi when the heartbeat stops. The wire format lives in
`wire.py`, the very file the firmware runs; `messages.py` turns payloads into the values below and back; `link.py`
is the driver over an injected serial port (`link.connect` for the composition root); `commands.py` is `kiosk coproc`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from kiosk.errors import DeviceError

Pattern = Literal["off", "idle", "busy", "attention", "error", "out_of_service"]
BootReason = Literal["unknown", "power_on", "watchdog", "reset"]
Maintenance = Literal["repl", "bootloader"]


# Events posted to the runner (from the driver's reader thread) --------------------------------------------------
@dataclass(frozen=True)
class TamperOpened:
    """The enclosure was opened. `latched` if a journey was running: it stays latched until `ack_tamper()`."""

    latched: bool


@dataclass(frozen=True)
class TamperClosed:
    """The enclosure was closed again; a latch (if any) still needs `ack_tamper()`."""

    latched: bool


@dataclass(frozen=True)
class PresenceDetected:
    """Someone is in front of the kiosk (at most one event per firmware hold-off, ~2 s): wake from attract mode."""


@dataclass(frozen=True)
class WatchdogWarning:
    """The board has missed heartbeats; it will power-cycle the Pi after `seconds_left` unless they resume."""

    seconds_left: float


@dataclass(frozen=True)
class PowerCycling:
    """The board is cutting the Pi's power now for `off_s` (best effort: the host is about to lose power)."""

    off_s: float


@dataclass(frozen=True)
class CoprocBooted:
    """The board (re)started; the driver has already restored light, pattern, journey and watchdog settings."""

    reason: BootReason


@dataclass(frozen=True)
class CoprocRecovered:
    """The board answers again after a DeviceFailed("coproc", ...); its commanded state has been restored."""


CoprocEvent = (
    TamperOpened | TamperClosed | PresenceDetected | WatchdogWarning | PowerCycling | CoprocBooted | CoprocRecovered
)


# Results ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CoprocInfo:
    firmware_version: str
    protocol_version: int
    boot_reason: BootReason
    commands: tuple[int, ...]


@dataclass(frozen=True)
class CoprocStatus:
    tamper_open: bool
    tamper_latched: bool
    presence: bool
    watchdog_armed: bool
    in_journey: bool
    light_level: int
    light_rgb: tuple[int, int, int]
    pattern: Pattern
    power_cycles: int
    uptime_s: int
    heap_free_bytes: int


@dataclass(frozen=True)
class WatchdogSettings:
    """The board's policy for a silent Pi: warn after `warn_after_s` without a heartbeat, power-cycle `grace_s` later.

    The power stays off for `off_s`; after power returns the Pi gets `boot_grace_s` extra to start heartbeating again,
    and after `max_cycles` fruitless cycles in a row the board stops cycling until a heartbeat arrives.
    """

    enabled: bool = True
    warn_after_s: float = 3.0
    grace_s: float = 30.0
    off_s: float = 2.0
    boot_grace_s: float = 120.0
    max_cycles: int = 3


# Errors ----------------------------------------------------------------------------------------------------------
class CoprocError(DeviceError):
    device = "coproc"
    reason = "failed"


class CoprocSilent(CoprocError):
    """No valid answer before the deadline: unplugged, not running our firmware, or hung."""

    reason = "silent"


class CoprocGarbled(CoprocError):
    """Bytes arrived but no valid frame answered: wrong baud rate, noise, or something else on the port."""

    reason = "garbled"


class CoprocWrongVersion(CoprocError):
    """The firmware speaks another protocol version or lacks a command this driver needs: update the board."""

    reason = "wrong_version"


class CoprocRejected(CoprocError):
    """The firmware understood the command and refused it (e.g. tamper acknowledged while the door is open)."""

    reason = "rejected"  # replaced by the firmware's result code name, e.g. "still_open"

    def __init__(self, message: str = "", *, code: str = "rejected") -> None:
        super().__init__(message or code, reason=code)
        self.code = code


class CoprocPortError(CoprocError):
    """The serial port itself failed (device gone, I/O error)."""

    reason = "port"


# The interface ---------------------------------------------------------------------------------------------------
class Coproc(Protocol):
    def open(self) -> CoprocInfo: ...

    def close(self) -> None: ...

    def info(self) -> CoprocInfo: ...

    def status(self) -> CoprocStatus: ...

    def heartbeat(self) -> None: ...

    def light(self, level: int, rgb: tuple[int, int, int] = (255, 255, 255)) -> None: ...

    def pattern(self, name: Pattern) -> None: ...

    def buzz(self, freq_hz: int, duration_s: float) -> None: ...

    def set_journey(self, active: bool) -> None: ...

    def ack_tamper(self) -> None: ...

    def configure_watchdog(self, settings: WatchdogSettings) -> None: ...

    def maintenance(self, mode: Maintenance) -> None: ...
