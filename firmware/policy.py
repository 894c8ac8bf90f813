"""The co-processor's decisions over time: when a silent Pi is warned about and power-cycled, and when tamper latches.

Pure state machines: time arrives as `time.ticks_ms()` values, actions leave as return values, no pins touched.
"""

from time import ticks_diff

try:
    from typing import TYPE_CHECKING
except ImportError:  # MicroPython has no typing module; the annotations below are never evaluated there
    TYPE_CHECKING = False
if TYPE_CHECKING:
    from _mpy_shed.time_mp import _TicksMs as Ticks

A_NONE = 0
A_WARN = 1
A_POWER_OFF = 2
A_POWER_ON = 3

S_DISARMED = 0
S_WATCHING = 1
S_WARNED = 2
S_POWER_OFF = 3
S_GAVE_UP = 4  # max_cycles power cycles in a row brought no heartbeat back: stop cycling until one arrives


class WatchdogPolicy:
    """Missed heartbeats -> warn -> (grace) -> power off -> (off time) -> power on -> (boot grace) -> watch again."""

    def __init__(self, now: Ticks) -> None:
        self.state = S_DISARMED
        self.enabled = False
        self.warn_after_ms = 5000
        self.grace_ms = 30000
        self.off_ms = 2000
        self.boot_grace_ms = 120000
        self.max_cycles = 3
        self.cycles = 0
        self._streak = 0
        self._since = now
        self._allow_ms = 0

    def configure(
        self,
        enabled: bool,
        warn_after_ms: int,
        grace_ms: int,
        off_ms: int,
        boot_grace_ms: int,
        max_cycles: int,
        now: Ticks,
    ) -> None:
        self.warn_after_ms = warn_after_ms
        self.grace_ms = grace_ms
        self.off_ms = off_ms
        self.boot_grace_ms = boot_grace_ms
        self.max_cycles = max_cycles
        self.enabled = enabled
        if self.state == S_POWER_OFF:
            return  # the Pi is off: finish the cycle first (power-on then honours `enabled`)
        self.state = S_WATCHING if enabled else S_DISARMED
        self._since = now
        self._allow_ms = 0
        self._streak = 0

    @property
    def armed(self) -> bool:
        return self.state != S_DISARMED

    def heartbeat(self, now: Ticks) -> None:
        if self.state in (S_DISARMED, S_POWER_OFF):
            return
        self.state = S_WATCHING
        self._since = now
        self._allow_ms = 0
        self._streak = 0

    def powered_off(self, now: Ticks) -> None:
        """The relay actually opened at `now` (after A_POWER_OFF): the off time counts from here."""
        if self.state == S_POWER_OFF:
            self._since = now

    def ms_until_power_cycle(self, now: Ticks) -> int:
        left = self._allow_ms + self.warn_after_ms + self.grace_ms - ticks_diff(now, self._since)
        return left if left > 0 else 0

    def poll(self, now: Ticks) -> int:
        """The action due at `now`; call at least every few tens of ms while armed."""
        state = self.state
        if state in (S_DISARMED, S_GAVE_UP):
            return A_NONE
        elapsed = ticks_diff(now, self._since)
        if state == S_POWER_OFF:
            if elapsed < self.off_ms:
                return A_NONE
            self.state = S_WATCHING if self.enabled else S_DISARMED
            self._since = now
            self._allow_ms = self.boot_grace_ms
            return A_POWER_ON
        warn_at = self._allow_ms + self.warn_after_ms
        if state == S_WATCHING:
            if elapsed < warn_at:
                return A_NONE
            self.state = S_WARNED
            return A_WARN
        if elapsed < warn_at + self.grace_ms:
            return A_NONE
        if self._streak >= self.max_cycles:
            self.state = S_GAVE_UP
            return A_NONE
        self.state = S_POWER_OFF
        self._since = now
        self._streak += 1
        self.cycles += 1
        return A_POWER_OFF


class TamperLatch:
    """The enclosure switch's reported state; opening during a journey latches until an officer acknowledges it."""

    def __init__(self) -> None:
        self.open = False
        self.latched = False
        self.in_journey = False

    def observe(self, is_open: bool) -> bool:
        """Record a (debounced or immediate) level; True if it changed and must be reported."""
        if is_open == self.open:
            return False
        self.open = is_open
        if is_open and self.in_journey:
            self.latched = True
        return True

    def acknowledge(self) -> bool:
        """Clear the latch; refused (False) while the enclosure is still open."""
        if self.open:
            return False
        self.latched = False
        return True
