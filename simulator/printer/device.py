"""The simulated ESC/POS printer's behaviour, independent of the wire: bytes in, answers out, dots on the roll.

Reception tokenizes commands as bytes arrive and answers real-time commands (DLE EOT n, buffer clear) at once; the
print engine works through the other commands in order and answers `GS r` and `GS ( H` fn 48 (process ID) only
when it reaches them, i.e. after printing everything before them. Faults (paper out, cover open at a chosen byte
offset; overheat; silence; unsolicited status; garbage) are set through the thread-safe control methods.

Real-time commands are recognised at command boundaries only, never inside raster data (where a real printer that
scans the raw stream could misread `10 04 n`).
"""

from __future__ import annotations

import enum
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image

from kiosk.drivers.printer import codec
from kiosk.drivers.printer.codec import PrinterStatus
from simulator.printer.roll import TEXT_LINE_DOTS, PaperRoll

Send = Callable[[bytes], None]
DOTS_PER_MM = 8  # 203 dpi


class Fault(enum.Enum):
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OVERHEAT = "overheat"


class Op(enum.Enum):
    INIT = "init"
    RASTER = "raster"
    FEED_DOTS = "feed_dots"
    FEED_LINES = "feed_lines"
    TEXT = "text"
    NEWLINE = "newline"
    CUT = "cut"
    PAPER_STATUS = "paper_status"  # GS r 1
    PROCESS_ID = "process_id"  # GS ( H fn 48: data = the 4-byte ID
    IGNORED = "ignored"  # understood, no effect on paper (modes, ASB enable...)


@dataclass(frozen=True)
class Command:
    op: Op
    start: int  # byte offset in the stream of the first byte
    end: int  # offset after the last byte
    arg: int = 0
    data: bytes = b""
    width_bytes: int = 0
    rows: int = 0


@dataclass
class SimStats:
    bytes_received: int = 0
    commands: int = 0
    raster_bands: int = 0
    max_band_rows: int = 0
    realtime_queries: int = 0
    unknown_bytes: int = 0
    cuts: int = 0
    cleared_commands: int = 0
    log: list[str] = field(default_factory=list)


# ESC x n and GS x n commands with one parameter byte and no effect on the simulated paper
ESC_ONE_ARG = frozenset(b"!-3EGMRSVadtr{")
GS_ONE_ARG = frozenset(b"!BHbfhwa")
GS_TWO_ARG = frozenset(b"LW")


class Incomplete(Exception):
    """The command at the head of the buffer needs more bytes."""


class SimulatedPrinter:
    """Thread-safe. Attach a `send` callback (the pty or TCP port does) to receive the printer's answers."""

    def __init__(
        self,
        width_dots: int = 384,
        *,
        buffer_bytes: int | None = None,
        print_speed_mm_s: float | None = None,
        process_id: bool = True,
        bauds: frozenset[int] | None = None,
    ) -> None:
        self.width_dots = width_dots
        # the serial rates its UART runs at (the port follows the host among them); None: any
        self.bauds = bauds
        # answers GS ( H fn 48 (Epson and most compatibles); False: a printer that takes the command and says nothing
        self.process_id = process_id
        # the receive buffer: when full, the port stops reading (flow control); None = no limit
        self.buffer_bytes = buffer_bytes
        # None: print at once; else an engine thread takes rows / 8 / speed seconds per raster band or feed
        self.print_speed_mm_s = print_speed_mm_s
        self.roll = PaperRoll(width_dots)
        self.stats = SimStats()
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._send: Send | None = None
        self._rx = bytearray()
        self._rx_offset = 0  # stream offset of self._rx[0]
        self._queue: deque[Command] = deque()
        self._line = bytearray()
        self._faults_at: list[tuple[int, Fault]] = []
        self._status = PrinterStatus()
        self._paused = False
        self._silent = False
        self._silent_at: int | None = None
        self._asb_enabled = False
        self.chatter = b""  # sent before every answer: garbage and unsolicited status the host must tolerate
        # (offset, bytes): noise put inside every process-ID answer after its first `offset` bytes
        self.answer_noise: tuple[int, bytes] | None = None
        self._listeners: list[Callable[[], None]] = []
        self._closing = False
        self._engine: threading.Thread | None = None
        if print_speed_mm_s is not None:
            if print_speed_mm_s <= 0:
                raise ValueError("print_speed_mm_s must be positive")
            self._engine = threading.Thread(target=self._paced_engine, name="printer-sim-engine", daemon=True)
            self._engine.start()

    def close(self) -> None:
        """Stop the paced engine thread (no-op for an instant printer)."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        if self._engine is not None:
            self._engine.join(timeout=5)
            self._engine = None

    # ------------------------------------------------------------------------------------------- wiring

    def attach(self, send: Send | None) -> None:
        with self._lock:
            self._send = send

    def add_listener(self, fn: Callable[[], None]) -> None:
        """`fn()` is called (under the printer's lock: keep it short) whenever the roll or status changes."""
        with self._lock:
            self._listeners.append(fn)

    def receive(self, data: bytes) -> None:
        """Bytes from the host, as they arrive on the wire."""
        with self._lock:
            if self._silent:
                return
            if self._silent_at is not None and self.bytes_received + len(data) >= self._silent_at:
                data = data[: max(0, self._silent_at - self.bytes_received)]
                self._silent_at = None
                self._silent = True
            self.stats.bytes_received += len(data)
            self._rx += data
            self._tokenize()
            self._run()

    # ------------------------------------------------------------------------------------------- control API

    @property
    def status(self) -> PrinterStatus:
        with self._lock:
            return self._status

    @property
    def bytes_received(self) -> int:
        with self._lock:
            return self._rx_offset + len(self._rx)

    def fault_at(self, fault: Fault, at_byte: int) -> None:
        """`fault` happens when the engine reaches stream offset `at_byte` (a mid-band offset cuts the band)."""
        with self._lock:
            self._faults_at.append((at_byte, fault))
            self._faults_at.sort(key=lambda f: f[0])

    def fault_after(self, fault: Fault, n_bytes: int) -> None:
        """`fault` after `n_bytes` more bytes from the host."""
        with self._lock:
            self.fault_at(fault, self.bytes_received + n_bytes)

    def run_out_of_paper(self) -> None:
        self._set(paper_out=True)

    def load_paper(self) -> None:
        """A new roll: printing resumes with whatever is still buffered (unless the host cleared it)."""
        self._set(paper_out=False, paper_near_end=False)

    def set_near_end(self, near_end: bool = True) -> None:
        self._set(paper_near_end=near_end)

    def open_cover(self) -> None:
        self._set(cover_open=True)

    def close_cover(self) -> None:
        self._set(cover_open=False)

    def set_overheat(self, hot: bool = True) -> None:
        self._set(overheat=hot)

    def set_silent(self, silent: bool = True) -> None:
        """A hung or switched-off printer: takes nothing in, answers nothing."""
        with self._lock:
            self._silent = silent

    def silent_after(self, n_bytes: int) -> None:
        """Hang after taking `n_bytes` more bytes from the host: the rest is lost, nothing is answered any more."""
        with self._lock:
            self._silent_at = self.bytes_received + n_bytes

    def pause(self) -> None:
        """Hold the print engine (data is buffered, real-time status still answered): a slow print, made explicit."""
        with self._lock:
            self._paused = True

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            self._run()

    def inject(self, data: bytes) -> None:
        """Send raw bytes to the host: line noise, a boot banner."""
        with self._lock:
            self._emit(data, chatter=False)

    def send_asb(self) -> None:
        """An unsolicited automatic status back block with the current status."""
        with self._lock:
            self._emit(self._status.asb_bytes(), chatter=False)

    def documents(self) -> list[Image.Image]:
        with self._lock:
            return self.roll.documents()

    def roll_image(self) -> Image.Image:
        with self._lock:
            return self.roll.image()

    def current_document(self) -> Image.Image:
        with self._lock:
            return self.roll.current()

    def wait_idle(self, timeout_s: float) -> bool:
        """Block until every received command has been printed (or the printer stopped); for tests and the window."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._queue or self._stopped(), timeout=timeout_s)

    def buffered_bytes(self) -> int:
        """Bytes received and not yet printed."""
        with self._lock:
            return len(self._rx) + sum(c.end - c.start for c in self._queue)

    def wait_for_room(self, give_up: threading.Event) -> None:
        """Block the receiving side while the buffer is full (a real printer raises BUSY or sends XOFF)."""
        with self._changed:
            self._changed.wait_for(
                lambda: give_up.is_set() or self.buffer_bytes is None or self.buffered_bytes() < self.buffer_bytes
            )

    def room_bytes(self, most: int) -> int:
        """How much the receiving side may read now (at least 1 once `wait_for_room` returned)."""
        with self._lock:
            if self.buffer_bytes is None:
                return most
            return max(1, min(most, self.buffer_bytes - self.buffered_bytes()))

    def wake(self) -> None:
        with self._changed:
            self._changed.notify_all()

    @property
    def queued_commands(self) -> int:
        with self._lock:
            return len(self._queue)

    # ------------------------------------------------------------------------------------------- internals

    def _set(self, **changes: bool) -> None:
        with self._lock:
            before = self._status
            self._status = replace(self._status, **changes)
            if self._asb_enabled and self._status != before:
                self._emit(self._status.asb_bytes(), chatter=False)
            self._notify()
            self._run()

    def _emit(self, data: bytes, *, chatter: bool = True) -> None:
        if self._silent or self._send is None:
            return
        self._send((self.chatter if chatter else b"") + data)

    def _notify(self) -> None:
        self._changed.notify_all()
        for fn in self._listeners:
            fn()

    def _stopped(self) -> bool:
        s = self._status
        return s.paper_out or s.cover_open or s.overheat or s.cutter_error or s.unrecoverable_error

    # ---- reception: tokens, real-time commands

    def _tokenize(self) -> None:
        while self._rx:
            try:
                length, command = self._parse_head(bytes(self._rx))
            except Incomplete:
                return
            start = self._rx_offset
            del self._rx[:length]
            self._rx_offset += length
            if command is not None:
                self._queue.append(_at(command, start, start + length))
                self.stats.commands += 1

    def _parse_head(self, buf: bytes) -> tuple[int, Command | None]:
        """(length, command) of the command at the head of `buf`; real-time ones run here and give None."""
        b = buf[0]
        if b == codec.DLE:
            return self._parse_dle(buf)
        if b == codec.ESC:
            return _parse_esc(buf)
        if b == codec.GS:
            return _parse_gs(buf)
        if b == codec.LF:
            return 1, Command(Op.NEWLINE, 0, 0)
        if b == 0x0D:
            return 1, None
        if b < 0x20 or b == 0x7F:
            self.stats.unknown_bytes += 1
            return 1, None
        n = 1
        while n < len(buf) and buf[n] >= 0x20 and buf[n] != 0x7F:
            n += 1
        return n, Command(Op.TEXT, 0, 0, data=buf[:n])

    def _parse_dle(self, buf: bytes) -> tuple[int, Command | None]:
        need(buf, 2)
        if buf[1] == codec.EOT:
            need(buf, 3)
            self.stats.realtime_queries += 1
            if buf[2] in (1, 2, 3, 4):
                self._emit(bytes([self._status.realtime_bytes()[buf[2] - 1]]))
            return 3, None
        if buf[1] == codec.DC4:
            need(buf, 3)
            if buf[2] == 0x08:
                need(buf, 10)
                if buf[:10] == codec.CLEAR_BUFFERS:
                    self._clear_buffers()
                return 10, None
            need(buf, 5)
            return 5, None
        if buf[1] == 0x05:  # DLE ENQ n
            need(buf, 3)
            return 3, None
        self.stats.unknown_bytes += 1
        return 1, None

    def _clear_buffers(self) -> None:
        self.stats.cleared_commands += len(self._queue)
        self._queue.clear()
        self._line.clear()
        self.stats.log.append("buffers cleared")

    # ---- the print engine

    def _run(self) -> None:
        if self._engine is not None:
            self._changed.notify_all()  # the paced engine does the work
            return
        while self._queue and not self._paused and not self._stopped():
            command = self._queue[0]
            fault = self._fault_within(command)
            if fault is not None:
                self._faults_at.remove(fault)
                at_byte, kind = fault
                if command.op is Op.RASTER:
                    self._queue[0] = self._raster_until(command, at_byte)
                self.stats.log.append(f"{kind.value} at byte {at_byte}")
                self._set(**{kind.value: True})
                return
            self._queue.popleft()
            self._execute(command)
        self._notify()

    def _print_time_s(self, c: Command) -> float:
        rows = {Op.RASTER: c.rows, Op.FEED_DOTS: c.arg, Op.FEED_LINES: c.arg * TEXT_LINE_DOTS}.get(c.op, 0)
        if c.op is Op.NEWLINE:
            rows = TEXT_LINE_DOTS
        assert self.print_speed_mm_s is not None
        return rows / DOTS_PER_MM / self.print_speed_mm_s

    def _paced_engine(self) -> None:
        """The engine for a printer with a print speed: a command's effect shows once its paper has moved."""
        with self._changed:
            while not self._closing:
                if not self._queue or self._paused or self._stopped():
                    self._changed.wait()
                    continue
                command = self._queue[0]
                fault = self._fault_within(command)
                if fault is not None:
                    self._faults_at.remove(fault)
                    if command.op is Op.RASTER:
                        self._queue[0] = self._raster_until(command, fault[0])
                    self.stats.log.append(f"{fault[1].value} at byte {fault[0]}")
                    self._set(**{fault[1].value: True})
                    continue
                if not self._wait_printing(command):
                    continue  # cleared, stopped or paused meanwhile: look again
                self._queue.popleft()
                self._execute(command)
                self._notify()

    def _wait_printing(self, command: Command) -> bool:
        deadline = time.monotonic() + self._print_time_s(command)
        while (remaining := deadline - time.monotonic()) > 0:
            self._changed.wait(remaining)
            if self._closing or self._paused or self._stopped() or not self._queue or self._queue[0] is not command:
                return False
        return True

    def _raster_until(self, c: Command, at_byte: int) -> Command:
        """Print the rows of band `c` received before `at_byte`; the rest stays queued for when printing resumes."""
        data_start = c.start + 8
        rows = max(0, min(c.rows, (at_byte - data_start) // c.width_bytes)) if c.width_bytes else 0
        if rows:
            self._execute(replace(c, rows=rows, data=c.data[: rows * c.width_bytes]))
        return replace(c, start=at_byte, rows=c.rows - rows, data=c.data[rows * c.width_bytes :])

    def _fault_within(self, command: Command) -> tuple[int, Fault] | None:
        for at_byte, kind in self._faults_at:
            if at_byte < command.end:
                return at_byte, kind
        return None

    def _execute(self, c: Command) -> None:
        match c.op:
            case Op.INIT:
                self._line.clear()
            case Op.RASTER:
                self._raster(c)
            case Op.FEED_DOTS:
                self._flush_line()
                self.roll.feed(c.arg)
            case Op.FEED_LINES:
                self._flush_line()
                self.roll.feed(c.arg * TEXT_LINE_DOTS)
            case Op.TEXT:
                self._line += c.data
            case Op.NEWLINE:
                self._flush_line(always=True)
            case Op.CUT:
                self._flush_line()
                self.roll.cut()
                self.stats.cuts += 1
            case Op.PAPER_STATUS:
                self._emit(bytes([self._status.paper_sensor_byte()]))
            case Op.PROCESS_ID:
                if self.process_id:
                    answer = codec.process_id_answer(c.data)
                    if self.answer_noise is not None:
                        at, noise = self.answer_noise
                        answer = answer[:at] + noise + answer[at:]
                    self._emit(answer)
            case Op.IGNORED:
                if c.data[:2] == b"\x1da":
                    self._asb_enabled = c.arg != 0

    def _raster(self, c: Command) -> None:
        self._flush_line()
        rows = c.rows
        packed = np.frombuffer(c.data, dtype=np.uint8)[: rows * c.width_bytes].reshape(rows, c.width_bytes)
        self.roll.burn(np.unpackbits(packed, axis=1).astype(bool))
        self.stats.raster_bands += 1
        self.stats.max_band_rows = max(self.stats.max_band_rows, rows)

    def _flush_line(self, *, always: bool = False) -> None:
        if self._line or always:
            self.roll.text_line(self._line.decode("cp874", errors="replace"))
            self._line.clear()


def need(buf: bytes, n: int) -> None:
    if len(buf) < n:
        raise Incomplete


def _at(c: Command, start: int, end: int) -> Command:
    return replace(c, start=start, end=end)


def _parse_esc(buf: bytes) -> tuple[int, Command | None]:
    need(buf, 2)
    op = buf[1]
    if op == ord("@"):
        return 2, Command(Op.INIT, 0, 0)
    if op == ord("2"):
        return 2, Command(Op.IGNORED, 0, 0, data=buf[:2])
    need(buf, 3)
    if op == ord("J"):
        return 3, Command(Op.FEED_DOTS, 0, 0, arg=buf[2])
    if op == ord("d"):
        return 3, Command(Op.FEED_LINES, 0, 0, arg=buf[2])
    if op in ESC_ONE_ARG:
        return 3, Command(Op.IGNORED, 0, 0, arg=buf[2], data=buf[:3])
    return 2, Command(Op.IGNORED, 0, 0, data=buf[:2])  # unknown: skip ESC and its command byte


def _parse_gs(buf: bytes) -> tuple[int, Command | None]:
    need(buf, 2)
    op = buf[1]
    if op == ord("v"):
        need(buf, 8)
        width_bytes = buf[4] | buf[5] << 8
        rows = buf[6] | buf[7] << 8
        size = 8 + width_bytes * rows
        need(buf, size)
        return size, Command(Op.RASTER, 0, 0, data=buf[8:size], width_bytes=width_bytes, rows=rows)
    if op == ord("V"):
        need(buf, 3)
        if buf[2] in (65, 66):
            need(buf, 4)
            return 4, Command(Op.CUT, 0, 0, arg=buf[3])
        return 3, Command(Op.CUT, 0, 0)
    if op == ord("r"):
        need(buf, 3)
        return 3, Command(Op.PAPER_STATUS, 0, 0, arg=buf[2])
    if op == ord("("):  # GS ( x pL pH <pL + 256 pH bytes>: fn 48 of GS ( H asks for a process ID answer
        need(buf, 5)
        size = 5 + (buf[3] | buf[4] << 8)
        need(buf, size)
        if buf[2] == ord("H") and size == 11 and buf[5:7] == b"00":
            return size, Command(Op.PROCESS_ID, 0, 0, data=buf[7:11])
        return size, Command(Op.IGNORED, 0, 0, data=buf[:size])
    if op in GS_ONE_ARG:
        need(buf, 3)
        return 3, Command(Op.IGNORED, 0, 0, arg=buf[2], data=buf[:3])
    if op in GS_TWO_ARG:
        need(buf, 4)
        return 4, Command(Op.IGNORED, 0, 0, data=buf[:4])
    return 2, Command(Op.IGNORED, 0, 0, data=buf[:2])
