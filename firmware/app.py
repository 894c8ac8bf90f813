"""The co-processor application: answers the host's commands and runs the input, watchdog and status-light tasks."""

import asyncio
import gc
import os
import struct
import time

import board
import wire
from channel import Channel, StreamPort
from hw import Hardware
from policy import A_NONE, A_POWER_OFF, A_POWER_ON, A_WARN, TamperLatch, WatchdogPolicy

FIRMWARE_VERSION = "1.0.0"
LATCH_PATH = "/tamper_latch"  # on the board's littlefs; written only when the latch sets or clears

# Per status pattern: (green, red) LED modes. 0 off, 1 on, 2 slow blink (1 Hz), 3 fast blink (5 Hz).
PATTERN_MODES = ((0, 0), (1, 0), (2, 0), (3, 0), (0, 1), (0, 2))
PATTERN_TICK_MS = 100
WATCHDOG_TICK_MS = 50
MAINTENANCE_DELAY_MS = 300  # time for the RESULT (and a retransmission or two) to reach the host before we go


def _led(mode: int, phase: int) -> int:
    if mode == 1:
        return 1
    if mode == 2:
        return 1 if (phase // 5) % 2 == 0 else 0
    if mode == 3:
        return 1 if phase % 2 == 0 else 0
    return 0


class Coproc:
    """`latch_path` is a file in flash that outlives a reset while the tamper latch is set (None: not kept)."""

    def __init__(self, hw: Hardware, port: StreamPort, latch_path: str | None = None) -> None:
        self.hw = hw
        self.channel = Channel(port, self.on_command)
        self.watchdog = WatchdogPolicy(time.ticks_ms())
        self.tamper = TamperLatch()
        self.latch_path = latch_path
        self.tamper.latched = self._latch_kept()
        self.boot_reason = hw.boot_reason()
        self.started_ms = time.ticks_ms()
        self.light = bytearray(4)  # level, red, green, blue
        self.pattern = 0
        self._pattern_changed = asyncio.Event()
        self._buzz_until = self.started_ms
        self.maintenance = 0
        self._maintenance_at = self.started_ms
        self._done = asyncio.Event()  # set when the link closes or maintenance begins: run() then returns
        self._link_error: OSError | None = None
        self._crash: BaseException | None = None
        self._buzzing = False
        self._last_presence = time.ticks_add(self.started_ms, -board.PRESENCE_HOLDOFF_MS)
        size = struct.calcsize
        # kind -> (payload length, handler); the handler answers with exactly one RESULT.
        self._commands = {
            wire.K_IDENTIFY: (0, self._identify),
            wire.K_HEARTBEAT: (0, self._heartbeat),
            wire.K_STATUS: (0, self._status),
            wire.K_LIGHT: (size(wire.FMT_LIGHT), self._light),
            wire.K_PATTERN: (size(wire.FMT_PATTERN), self._pattern),
            wire.K_BUZZ: (size(wire.FMT_BUZZ), self._buzz),
            wire.K_JOURNEY: (size(wire.FMT_JOURNEY), self._journey),
            wire.K_TAMPER_ACK: (0, self._tamper_ack),
            wire.K_WATCHDOG: (size(wire.FMT_WATCHDOG), self._configure_watchdog),
            wire.K_MAINTENANCE: (size(wire.FMT_MAINTENANCE), self._maintenance),
        }

    # Commands -----------------------------------------------------------------------------------------------
    def flags(self) -> int:
        f = 0
        if self.tamper.open:
            f |= wire.F_TAMPER_OPEN
        if self.tamper.latched:
            f |= wire.F_TAMPER_LATCHED
        if self.hw.presence_active():
            f |= wire.F_PRESENCE
        if self.watchdog.armed:
            f |= wire.F_WATCHDOG_ARMED
        if self.tamper.in_journey:
            f |= wire.F_IN_JOURNEY
        return f

    def on_command(self, kind: int, seq: int, body: bytearray, n: int) -> None:
        """Called by the channel for each new command; every command is answered with exactly one RESULT."""
        entry = self._commands.get(kind)
        if entry is None:
            self._reply(body, wire.R_UNKNOWN_COMMAND)
        elif n != entry[0]:
            self._reply(body, wire.R_BAD_LENGTH)
        else:
            entry[1](body)

    def _reply(self, command: bytearray, code: int) -> None:
        if self.channel.result(command, code) is not None:
            self.channel.commit(wire.RESULT_DATA)

    def _identify(self, body: bytearray) -> None:
        buf = self.channel.result(body, wire.R_OK)
        if buf is None:
            return
        commands = wire.COMMANDS
        struct.pack_into(
            wire.FMT_IDENTIFY_HEAD, buf, wire.RESULT_DATA, wire.PROTOCOL_VERSION, self.boot_reason, len(commands)
        )
        at = wire.RESULT_DATA + 3
        for kind in commands:
            buf[at] = kind
            at += 1
        for ch in FIRMWARE_VERSION:
            buf[at] = ord(ch)
            at += 1
        self.channel.commit(at)

    def _heartbeat(self, body: bytearray) -> None:
        self.watchdog.heartbeat(time.ticks_ms())
        buf = self.channel.result(body, wire.R_OK)
        if buf is not None:
            buf[wire.RESULT_DATA] = self.flags()
            self.channel.commit(wire.RESULT_DATA + 1)

    def _status(self, body: bytearray) -> None:
        buf = self.channel.result(body, wire.R_OK)
        if buf is None:
            return
        uptime_s = time.ticks_diff(time.ticks_ms(), self.started_ms) // 1000
        level, red, green, blue = self.light
        cycles = self.watchdog.cycles & 0xFFFF
        gc.collect()  # live data, not garbage awaiting collection; a status request is rare
        heap_free = gc.mem_free()
        values = (self.flags(), level, red, green, blue, self.pattern, cycles, uptime_s, heap_free)
        struct.pack_into(wire.FMT_STATUS, buf, wire.RESULT_DATA, *values)
        self.channel.commit(wire.RESULT_DATA + struct.calcsize(wire.FMT_STATUS))

    def _light(self, body: bytearray) -> None:
        level, red, green, blue = struct.unpack_from(wire.FMT_LIGHT, body, 2)
        self.light[0] = level
        self.light[1] = red
        self.light[2] = green
        self.light[3] = blue
        self.hw.light(level, red, green, blue)
        self._reply(body, wire.R_OK)

    def _pattern(self, body: bytearray) -> None:
        if body[2] >= len(PATTERN_MODES):
            self._reply(body, wire.R_BAD_VALUE)
            return
        self.pattern = body[2]
        self._pattern_changed.set()
        self._reply(body, wire.R_OK)

    def _buzz(self, body: bytearray) -> None:
        freq_hz, duration_ms = struct.unpack_from(wire.FMT_BUZZ, body, 2)
        if freq_hz and not 20 <= freq_hz <= 20000:
            self._reply(body, wire.R_BAD_VALUE)
            return
        self.hw.buzz(freq_hz if duration_ms else 0)
        self._buzzing = bool(freq_hz and duration_ms)
        self._buzz_until = time.ticks_add(time.ticks_ms(), duration_ms)  # from when it sounded
        self._reply(body, wire.R_OK)

    def _journey(self, body: bytearray) -> None:
        self.tamper.in_journey = body[2] != 0
        self._reply(body, wire.R_OK)

    def _tamper_ack(self, body: bytearray) -> None:
        if not self.tamper.acknowledge():
            self._reply(body, wire.R_STILL_OPEN)
            return
        self._keep_latch(False)
        self._reply(body, wire.R_OK)

    def _configure_watchdog(self, body: bytearray) -> None:
        enabled, warn_ms, grace_ms, off_ms, boot_ms, max_cycles = struct.unpack_from(wire.FMT_WATCHDOG, body, 2)
        if enabled and (warn_ms < 100 or off_ms < 100):
            self._reply(body, wire.R_BAD_VALUE)
            return
        self.watchdog.configure(bool(enabled), warn_ms, grace_ms, off_ms, boot_ms, max_cycles, time.ticks_ms())
        self._reply(body, wire.R_OK)

    def _maintenance(self, body: bytearray) -> None:
        if body[2] not in (wire.M_REPL, wire.M_BOOTLOADER):
            self._reply(body, wire.R_BAD_VALUE)
            return
        self.maintenance = body[2]
        self._maintenance_at = time.ticks_add(time.ticks_ms(), MAINTENANCE_DELAY_MS)
        self._reply(body, wire.R_OK)

    # Events -------------------------------------------------------------------------------------------------
    def _event(self, kind: int, fmt: str, a: int, b: int) -> None:
        buf = self.channel.begin(kind)
        if buf is None:
            return
        if fmt == wire.FMT_TAMPER:
            struct.pack_into(fmt, buf, 0, a, b)
        else:
            struct.pack_into(fmt, buf, 0, a)
        self.channel.commit(struct.calcsize(fmt))

    def _report_tamper(self, is_open: bool) -> None:
        was_latched = self.tamper.latched
        if self.tamper.observe(is_open):
            if self.tamper.latched and not was_latched:
                self._keep_latch(True)  # before the event: a reset must not be a way to clear the alarm
            self._event(wire.K_TAMPER, wire.FMT_TAMPER, 1 if self.tamper.open else 0, 1 if self.tamper.latched else 0)

    def _latch_kept(self) -> bool:
        if self.latch_path is None:
            return False
        try:
            with open(self.latch_path, "rb"):
                return True
        except OSError:
            return False

    def _keep_latch(self, latched: bool) -> None:
        if self.latch_path is None:
            return
        try:
            if latched:
                with open(self.latch_path, "wb") as f:
                    f.write(b"1")
            else:
                os.remove(self.latch_path)
        except OSError:
            pass  # a full or read-only filesystem must not stop the board; the latch still holds in RAM

    async def inputs_task(self) -> None:
        hw = self.hw
        self._report_tamper(hw.tamper_open())  # the state at boot, reported if the door is already open
        while True:
            await hw.edges.wait()
            hw.edges.clear()  # before the edge flags are read, so an edge from now on wakes the next wait
            if hw.presence_edge:
                hw.presence_edge = False
                now = time.ticks_ms()
                if time.ticks_diff(now, self._last_presence) >= board.PRESENCE_HOLDOFF_MS:
                    self._last_presence = now
                    self.channel.send(wire.K_PRESENCE)
            if hw.tamper_edge:
                hw.tamper_edge = False
                if not (self.tamper.in_journey and hw.tamper_open()):
                    # Outside a journey a bouncing switch is reported once it has settled.
                    await asyncio.sleep_ms(board.TAMPER_DEBOUNCE_MS)
                    if hw.tamper_edge:
                        hw.edges.set()  # bounced again while we waited: settle on the next pass
                        continue
                self._report_tamper(hw.tamper_open())

    # Periodic tasks -----------------------------------------------------------------------------------------
    async def watchdog_task(self) -> None:
        hw = self.hw
        hw.start_watchdog()
        while True:
            hw.feed_watchdog()
            now = time.ticks_ms()
            action = self.watchdog.poll(now)
            if action == A_WARN:
                self._event(wire.K_WATCHDOG_WARNING, wire.FMT_WARNING, self.watchdog.ms_until_power_cycle(now), 0)
            elif action == A_POWER_OFF:
                self._event(wire.K_POWER_CYCLE, wire.FMT_POWER_CYCLE, self.watchdog.off_ms & 0xFFFF, 0)
                hw.pi_powered(False)
                self.watchdog.powered_off(time.ticks_ms())  # off time counts from the relay, not the decision
            elif action == A_POWER_ON:
                hw.pi_powered(True)
            if self.maintenance and time.ticks_diff(now, self._maintenance_at) >= 0:
                self._done.set()
                return
            if self._buzzing and time.ticks_diff(now, self._buzz_until) >= 0:
                self._buzzing = False
                hw.buzz(0)
            if action == A_NONE:
                await asyncio.sleep_ms(WATCHDOG_TICK_MS)

    async def pattern_task(self) -> None:
        phase = 0
        while True:
            green, red = PATTERN_MODES[self.pattern]
            self.hw.status_leds(_led(green, phase), _led(red, phase))
            phase = (phase + 1) % 10
            self._pattern_changed.clear()
            try:
                await asyncio.wait_for_ms(self._pattern_changed.wait(), PATTERN_TICK_MS)
                phase = 0
            except asyncio.TimeoutError:
                pass

    async def _rx_task(self) -> None:
        try:
            await self.channel.rx_task()
        except OSError as e:  # the port closed: only under the unix port, USB CDC stdio never ends
            self._link_error = e
        self._done.set()

    def _on_task_error(self, loop: object, context: dict[str, BaseException]) -> None:
        # A task that dies would leave a half-working board (say, no tamper reports): stop everything instead.
        self._crash = context.get("exception") or RuntimeError("task failed")
        self._done.set()

    async def run(self) -> None:
        """Run until the link closes, maintenance begins or a task fails (re-raised: on the board the hardware
        watchdog, no longer fed, then resets it and the host sees BOOTED with reason "watchdog")."""
        asyncio.get_event_loop().set_exception_handler(self._on_task_error)
        ch = self.channel
        buf = ch.begin(wire.K_BOOTED)
        if buf is not None:
            buf[0] = self.boot_reason
            ch.commit(1)
        self.hw.light(0, 0, 0, 0)
        tasks = (
            asyncio.create_task(ch.tx_task()),
            asyncio.create_task(self.inputs_task()),
            asyncio.create_task(self.watchdog_task()),
            asyncio.create_task(self.pattern_task()),
            asyncio.create_task(self._rx_task()),
        )
        await self._done.wait()
        for task in tasks:
            task.cancel()
        if self._crash is not None:
            raise self._crash
        if self._link_error is not None:
            raise self._link_error
        if self.maintenance:
            self.hw.light(0, 0, 0, 0)
            self.hw.leave(self.maintenance == wire.M_BOOTLOADER)


def main() -> None:
    """The board's entry point: the link is USB CDC stdio, so nothing else may print."""
    import sys

    import micropython

    micropython.kbd_intr(-1)  # a 0x03 in a frame must not raise KeyboardInterrupt
    port = StreamPort(sys.stdin.buffer, sys.stdout.buffer)
    asyncio.run(Coproc(Hardware(), port, LATCH_PATH).run())
    micropython.kbd_intr(3)  # maintenance: the REPL (and mpremote) work again
