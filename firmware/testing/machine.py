"""A fake `machine` for the unix port: input pins are driven and outputs observed over a line-based control channel.

Never on the board. The control channel is any stream (a pty in tests and the simulator), text lines both ways:

  in:  ``set <gpio> <0|1>``   drive an input pin (edges fire its IRQ handler)
       ``ping <token>``       answered with ``pong <token>`` once everything before it is handled
       ``break <gpio>``       from now on that pin's value() raises OSError (a hardware fault)
  out: (every line ends `` @<ticks_ms>``, the board's own time of the change)
       ``pin <gpio> <0|1>``   an output pin changed
       ``pwm <gpio> <freq_hz> <duty_u16>``
       ``np <gpio> <hex rgb of every pixel>``   a NeoPixel write (see neopixel.py)
       ``wdt <timeout_ms>``   the hardware watchdog was started
       ``reset <why>``        machine.reset() or a starved watchdog: the process then exits
       ``timer <period_ms>``  a machine.Timer was started (its callback never runs here)
       ``bootloader``         machine.bootloader(): the process then exits
       ``boot`` / ``ready``   the control channel opened / the firmware is built and starts running (unix_main)

Initial input levels come from the environment, e.g. ``FAKE_PINS=20:0,21:0``; ``FAKE_RESET_CAUSE`` sets reset_cause().
"""

import asyncio
import os
import sys
import time

PWRON_RESET = 1
WDT_RESET = 3

_pins = {}
_broken = set()
_levels = {}
_control = None


def _emit(line):
    if _control is not None:
        _control.write(f"{line} @{time.ticks_ms()}\n".encode())


def _initial_levels():
    spec = os.getenv("FAKE_PINS") or ""
    for item in spec.split(","):
        if ":" in item:
            gpio, level = item.split(":")
            _levels[int(gpio)] = int(level)


_initial_levels()


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id = id
        self._mode = mode
        self._handler = None
        self._trigger = 0
        self._v = _levels.get(id, 1 if pull == Pin.PULL_UP else 0)
        _pins[id] = self
        if mode == Pin.OUT:
            self._v = -1
            self.value(0 if value is None else value)

    def value(self, v=None):
        if self.id in _broken:
            raise OSError("broken pin " + str(self.id))
        if v is None:
            return self._v
        v = 1 if v else 0
        if self._mode == Pin.OUT and v != self._v:
            self._v = v
            _emit(f"pin {self.id} {v}")
        return None

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=IRQ_FALLING | IRQ_RISING, hard=False):
        self._handler = handler
        self._trigger = trigger

    def _drive(self, v):
        old = self._v
        self._v = v
        _levels[self.id] = v
        if self._handler is None or old == v:
            return
        if (v and self._trigger & Pin.IRQ_RISING) or (not v and self._trigger & Pin.IRQ_FALLING):
            self._handler(self)


class PWM:
    def __init__(self, pin, freq=1000, duty_u16=0):
        self._pin = pin
        self._freq = freq
        self._duty = duty_u16
        self._report()

    def _report(self):
        _emit(f"pwm {self._pin.id} {self._freq} {self._duty}")

    def freq(self, value=None):
        if value is None:
            return self._freq
        self._freq = value
        self._report()
        return None

    def duty_u16(self, value=None):
        if value is None:
            return self._duty
        self._duty = value
        self._report()
        return None


_wdt = None


class WDT:
    def __init__(self, id=0, timeout=5000):
        global _wdt
        self.timeout = timeout
        self.fed = time.ticks_ms()
        _wdt = self
        _emit(f"wdt {timeout}")

    def feed(self):
        self.fed = time.ticks_ms()


def reset_cause():
    return int(os.getenv("FAKE_RESET_CAUSE") or PWRON_RESET)


class Timer:
    PERIODIC = 1
    ONE_SHOT = 0

    def __init__(self, id=-1, mode=PERIODIC, period=-1, freq=-1, callback=None):
        _emit(f"timer {period}")


def bootloader(value=None):
    _emit("bootloader")
    sys.exit(0)


def reset():
    _emit("reset machine")
    sys.exit(1)


def unique_id():
    return b"\xe6\x61\x41\x04\x03\x51\x27\x2a"


async def _watch_wdt():
    # A starved watchdog resets the board; detected here once the stalled loop lets this task run again.
    while True:
        await asyncio.sleep_ms(250)
        if _wdt is not None and time.ticks_diff(time.ticks_ms(), _wdt.fed) > _wdt.timeout:
            _emit("reset wdt")
            sys.exit(1)


async def serve(path):
    """Run the control channel on the stream at `path` until it closes."""
    global _control
    stream = open(path, "r+b")
    _control = stream
    _emit("boot")
    watcher = asyncio.create_task(_watch_wdt())
    reader = asyncio.StreamReader(stream)
    while True:
        line = await reader.readline()
        if not line:
            watcher.cancel()
            return
        words = line.decode().split()
        if len(words) == 3 and words[0] == "set":
            gpio = int(words[1])
            level = 1 if words[2] == "1" else 0
            pin = _pins.get(gpio)
            if pin is None:
                _levels[gpio] = level
            else:
                pin._drive(level)
        elif len(words) == 2 and words[0] == "break":
            _broken.add(int(words[1]))
        elif len(words) == 2 and words[0] == "ping":
            _emit("pong " + words[1])
