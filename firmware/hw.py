"""The board's peripherals behind plain methods: light ring, status LEDs, buzzer, Pi power relay, tamper and presence.

Interrupt handlers only record an edge and set a flag; the inputs task reads levels and decides.
"""

import asyncio

import machine
import neopixel
from machine import PWM, Pin

import board


class Hardware:
    """`edges` is set (from interrupt context) on every input edge: a ThreadSafeFlag on the board; the unix-port
    launcher passes an asyncio.Event instead (its fake pins fire from a task, and there a pending ThreadSafeFlag
    turns the event loop's poll into ~3 ms sleeps)."""

    def __init__(self, edges: asyncio.ThreadSafeFlag | asyncio.Event | None = None) -> None:
        self.ring = neopixel.NeoPixel(Pin(board.LIGHT_RING_PIN, Pin.OUT), board.LIGHT_RING_PIXELS)
        self.green = Pin(board.STATUS_GREEN_PIN, Pin.OUT, value=0)
        self.red = Pin(board.STATUS_RED_PIN, Pin.OUT, value=0)
        self.buzzer = PWM(Pin(board.BUZZER_PIN, Pin.OUT), freq=2000, duty_u16=0)
        self.pi_power = Pin(board.PI_POWER_PIN, Pin.OUT, value=board.PI_POWER_ON_LEVEL)
        self.tamper = Pin(board.TAMPER_PIN, Pin.IN, Pin.PULL_UP)
        self.presence = Pin(board.PRESENCE_PIN, Pin.IN, Pin.PULL_DOWN)
        self.edges = edges if edges is not None else asyncio.ThreadSafeFlag()
        self.tamper_edge = False
        self.presence_edge = False
        self.tamper.irq(self._on_tamper, Pin.IRQ_RISING | Pin.IRQ_FALLING)
        self.presence.irq(self._on_presence, Pin.IRQ_RISING)
        self._wdt: machine.WDT | None = None
        self._feeder: machine.Timer | None = None

    def _on_tamper(self, pin: Pin) -> None:
        self.tamper_edge = True
        self.edges.set()

    def _on_presence(self, pin: Pin) -> None:
        self.presence_edge = True
        self.edges.set()

    def light(self, level: int, red: int, green: int, blue: int) -> None:
        self.ring.fill((red * level // 255, green * level // 255, blue * level // 255))
        self.ring.write()

    def status_leds(self, green: int, red: int) -> None:
        if self.green.value() != green:
            self.green.value(green)
        if self.red.value() != red:
            self.red.value(red)

    def buzz(self, freq_hz: int) -> None:
        if freq_hz:
            self.buzzer.freq(freq_hz)
            self.buzzer.duty_u16(board.BUZZER_DUTY_U16)
        else:
            self.buzzer.duty_u16(0)

    def pi_powered(self, on: bool) -> None:
        level = board.PI_POWER_ON_LEVEL if on else 1 - board.PI_POWER_ON_LEVEL
        self.pi_power.value(level)

    def tamper_open(self) -> bool:
        return self.tamper.value() == board.TAMPER_OPEN_LEVEL

    def presence_active(self) -> bool:
        return self.presence.value() == board.PRESENCE_ACTIVE_LEVEL

    def start_watchdog(self) -> None:
        self._wdt = machine.WDT(timeout=board.HARDWARE_WDT_MS)

    def feed_watchdog(self) -> None:
        if self._wdt is not None:
            self._wdt.feed()

    def leave(self, to_bootloader: bool) -> None:
        """Hand the board to maintenance. The RP2040's watchdog cannot be stopped once started, so for the REPL a
        timer keeps feeding it; the bootloader resets the chip anyway."""
        if to_bootloader:
            machine.bootloader()
        wdt = self._wdt
        if wdt is not None:
            self._feeder = machine.Timer(-1, mode=machine.Timer.PERIODIC, period=1000, callback=lambda t: wdt.feed())

    def boot_reason(self) -> int:
        """An index into wire.BOOT_REASON_NAMES."""
        cause = machine.reset_cause()
        if cause == machine.PWRON_RESET:
            return 1
        if cause == machine.WDT_RESET:
            return 2
        return 3 if cause else 0
