"""The simulated printer's wires: a raw-mode pseudo-terminal (serial) and a TCP listener (port 9100 style).

Open `PtyPort.path` with pyserial, or connect to `tcp://127.0.0.1:<TcpPort.port>`, exactly as to a real printer.
"""

from __future__ import annotations

import abc
import logging
import os
import select
import socket
import threading
import time
import tty
from types import TracebackType
from typing import Literal

from simulator.printer.device import SimulatedPrinter
from simulator.printer.uart import decode_at, line_rate

log = logging.getLogger(__name__)
READ_CHUNK = 65536
BITS_PER_BYTE = 10  # 8N1 on a serial line
PACED_READS_PER_S = 200  # a paced port reads 5 ms of the wire at a time


class _Port(abc.ABC):
    def __init__(self, printer: SimulatedPrinter) -> None:
        self.printer = printer
        self._wake_r, self._wake_w = -1, -1
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def _start_thread(self, name: str) -> None:
        self._wake_r, self._wake_w = os.pipe()
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    @abc.abstractmethod
    def _serve(self) -> None:
        """Carry bytes between the wire and the printer until stopped."""

    def _stop_thread(self) -> None:
        self._stop.set()
        self.printer.wake()
        if self._wake_w >= 0:
            os.write(self._wake_w, b"x")
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        for fd in (self._wake_r, self._wake_w):
            if fd >= 0:
                os.close(fd)
        self._wake_r = self._wake_w = -1

    def stop(self) -> None:
        self._stop_thread()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class PtyPort(_Port):
    """The printer on a pseudo-terminal; the host opens `path` (a /dev/pts/N) as its serial port.

    The line runs at the rate the host sets on the pty (pyserial's `baudrate`). The printer's UART follows it when
    it is one of the printer's `bauds` (None: any rate), as an auto-baud UART locks on a rate it supports; at any
    other rate it keeps its own, and each side decodes the other's bytes at the wrong rate (`uart.decode_at`): the
    printer sees garbage or nothing, and what it sends arrives as garbage. `mismatch = "garbage"`: the printer
    reports the receive errors with a status block (as an ASB printer does), which the host hears as garbage;
    `"silent"`: it says nothing. `paced`: take bytes no faster than the line's rate (8N1: 10 bits a byte), so the
    host's writes block as on a real wire once the pty's buffer is full; False: as fast as the pty carries them."""

    def __init__(
        self, printer: SimulatedPrinter, *, paced: bool = False, mismatch: Literal["silent", "garbage"] = "silent"
    ) -> None:
        super().__init__(printer)
        self._master = self._slave = -1
        self.path = ""
        self.paced = paced
        self.mismatch = mismatch
        self.printer_rate = min(printer.bauds) if printer.bauds else 0  # the rate the printer's UART runs at
        self.mismatched_bytes = 0  # bytes the host sent at a rate the printer does not run at
        self._wire_free_at = 0.0  # monotonic time the paced wire has carried everything read so far

    def start(self) -> str:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # at once: the line discipline would echo and rewrite bytes
        self.path = os.ttyname(self._slave)
        self.printer.attach(self._write)
        self._start_thread("printer-sim-pty")
        return self.path

    def __enter__(self) -> PtyPort:
        self.start()
        return self

    def line_rate(self) -> int:
        """The rate the host's side of the line runs at now."""
        return line_rate(self._slave)

    def _in_step(self, rate: int) -> bool:
        """Whether the printer's UART runs at the line's `rate` (locking on it when it is one of the printer's)."""
        bauds = self.printer.bauds
        if bauds is None:
            return True
        if rate in bauds:
            self.printer_rate = rate
        return rate == self.printer_rate

    def _write(self, data: bytes) -> None:
        rate = self.line_rate()
        if not self._in_step(rate):
            data = decode_at(data, self.printer_rate, rate)
        view = memoryview(data)
        while view:
            n = os.write(self._master, view)
            view = view[n:]

    def _serve(self) -> None:
        while not self._stop.is_set():
            self.printer.wait_for_room(self._stop)
            ready, _, _ = select.select([self._master, self._wake_r], [], [])
            if self._wake_r in ready:
                return
            rate = self.line_rate()
            chunk = max(1, rate // BITS_PER_BYTE // PACED_READS_PER_S) if self.paced and rate else READ_CHUNK
            try:
                data = os.read(self._master, self.printer.room_bytes(chunk))
            except OSError as e:  # EIO: no process holds the other end any more
                log.debug("pty read: %s", e)
                return
            if self.paced and rate:
                self._pace(len(data), rate)
            if self._in_step(rate):
                self.printer.receive(data)
                continue
            self.mismatched_bytes += len(data)
            self.printer.receive(decode_at(data, rate, self.printer_rate))
            if self.mismatch == "garbage":
                self.printer.send_asb()

    def _pace(self, n_bytes: int, rate: int) -> None:
        """Deliver `n_bytes` only when a wire at `rate` would have carried them."""
        now = time.monotonic()
        self._wire_free_at = max(self._wire_free_at, now) + n_bytes * BITS_PER_BYTE / rate
        if self._wire_free_at > now:
            self._stop.wait(self._wire_free_at - now)

    def stop(self) -> None:
        self.printer.attach(None)
        self._stop_thread()
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1


class TcpPort(_Port):
    """The printer on TCP (127.0.0.1 only), one host connection at a time, as a network printer's port 9100."""

    def __init__(self, printer: SimulatedPrinter, port: int = 0) -> None:
        super().__init__(printer)
        self._requested_port = port
        self._listener: socket.socket | None = None
        self._conn: socket.socket | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def start(self) -> str:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self._requested_port))
        self._listener.listen(1)
        self.port = self._listener.getsockname()[1]
        self._start_thread("printer-sim-tcp")
        return self.url

    def __enter__(self) -> TcpPort:
        self.start()
        return self

    def _serve(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            ready, _, _ = select.select([self._listener.fileno(), self._wake_r], [], [])
            if self._wake_r in ready:
                return
            conn, _ = self._listener.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._conn = conn
            self.printer.attach(conn.sendall)
            try:
                self._serve_connection(conn)
            finally:
                self.printer.attach(None)
                self._conn = None
                conn.close()

    def _serve_connection(self, conn: socket.socket) -> None:
        while not self._stop.is_set():
            self.printer.wait_for_room(self._stop)
            ready, _, _ = select.select([conn.fileno(), self._wake_r], [], [])
            if self._wake_r in ready:
                return
            try:
                data = conn.recv(self.printer.room_bytes(READ_CHUNK))
            except OSError:
                return
            if not data:
                return
            self.printer.receive(data)

    def stop(self) -> None:
        self._stop_thread()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
