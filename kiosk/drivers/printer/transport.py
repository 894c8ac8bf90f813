"""Byte pipes to a printer: a pyserial port (UART, USB serial, pty, socket://), a raw TCP socket (port 9100), or a
USB printer-class device node (/dev/usb/lp0, Linux usblp: bidirectional printers answer status through it).

Reads and writes take a timeout; transport failures become PrinterLinkError / PrinterTimeout here, at the boundary.
"""

from __future__ import annotations

import os
import select
import socket
import time
from typing import Protocol
from urllib.parse import urlsplit

import serial

from kiosk.drivers.printer.errors import PrinterLinkError, PrinterTimeout
from kiosk.drivers.serial_lock import PORT_BUSY, is_port_busy


class Transport(Protocol):
    def write(self, data: bytes, timeout_s: float) -> None:
        """All of `data`, or PrinterTimeout when the printer holds the line (flow control) past `timeout_s`."""

    def read(self, timeout_s: float) -> bytes:
        """What has arrived, waiting up to `timeout_s` for the first byte; b'' when nothing came."""

    def close(self) -> None: ...


class SerialTransport:
    """Over an already open pyserial port (the composition root opens it with `serial.serial_for_url`)."""

    def __init__(self, port: serial.SerialBase) -> None:
        self.port = port

    def write(self, data: bytes, timeout_s: float) -> None:
        try:
            self.port.write_timeout = max(timeout_s, 0.001)
            self.port.write(data)
        except serial.SerialTimeoutException as e:
            raise PrinterTimeout("the printer did not take the data in time (flow control held)") from e
        except (serial.SerialException, OSError) as e:
            raise PrinterLinkError(f"serial write failed: {e}") from e

    def read(self, timeout_s: float) -> bytes:
        try:
            self.port.timeout = max(timeout_s, 0.0)
            # read() returns short only after the whole timeout: ask for what is waiting, or for the first byte
            data: bytes = self.port.read(self.port.in_waiting or 1)
            return data
        except (serial.SerialException, OSError) as e:
            raise PrinterLinkError(f"serial read failed: {e}") from e

    @property
    def baud(self) -> int:
        return int(self.port.baudrate)

    def set_baud(self, baud: int) -> None:
        """Run the line at `baud` from now on, forgetting what arrived before (it was heard at the old rate)."""
        try:
            self.port.baudrate = baud
            self.port.reset_input_buffer()
        except (ValueError, serial.SerialException, OSError) as e:
            raise PrinterLinkError(f"the serial port cannot run at {baud} baud: {e}") from e

    def close(self) -> None:
        self.port.close()


class SocketTransport:
    """Raw TCP to a network printer's port 9100."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def write(self, data: bytes, timeout_s: float) -> None:
        try:
            self.sock.settimeout(max(timeout_s, 0.001))
            self.sock.sendall(data)
        except TimeoutError as e:
            raise PrinterTimeout("the printer did not take the data in time") from e
        except OSError as e:
            raise PrinterLinkError(f"TCP send failed: {e}") from e

    def read(self, timeout_s: float) -> bytes:
        try:
            self.sock.settimeout(timeout_s if timeout_s > 0 else 0.0)
            data = self.sock.recv(4096)
        except (TimeoutError, BlockingIOError):
            return b""
        except OSError as e:
            raise PrinterLinkError(f"TCP receive failed: {e}") from e
        if not data:
            raise PrinterLinkError("the printer closed the TCP connection")
        return data

    def close(self) -> None:
        self.sock.close()


class FdTransport:
    """A character device opened non-blocking (/dev/usb/lpN); waits go through select() with the deadline."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def write(self, data: bytes, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        view = memoryview(data)
        try:
            while view:
                remaining = deadline - time.monotonic()
                _, writable, _ = select.select([], [self.fd], [], max(remaining, 0.0))
                if not writable:
                    raise PrinterTimeout("the printer did not take the data in time")
                view = view[os.write(self.fd, view) :]
        except OSError as e:
            raise PrinterLinkError(f"write to the printer device failed: {e}") from e

    def read(self, timeout_s: float) -> bytes:
        try:
            readable, _, _ = select.select([self.fd], [], [], max(timeout_s, 0.0))
            if not readable:
                return b""
            return os.read(self.fd, 4096)
        except BlockingIOError:
            return b""
        except OSError as e:
            raise PrinterLinkError(f"read from the printer device failed: {e}") from e

    def close(self) -> None:
        os.close(self.fd)


USBLP_SCHEME = "usblp://"


def open_transport(url: str, *, baud: int, connect_timeout_s: float = 3.0) -> Transport:
    """`tcp://host:9100` opens a socket; `/dev/usb/lpN` (or `usblp://<path>`) a USB printer-class device; anything
    else is a pyserial URL (/dev/ttyUSB0, a pty path, socket://, loop://), opened exclusively: PrinterLinkError with
    reason `port_busy` when another process holds it."""
    if url.startswith("tcp://"):
        parts = urlsplit(url)
        if not parts.hostname:
            raise PrinterLinkError(f"no host in {url!r}")
        try:
            sock = socket.create_connection((parts.hostname, parts.port or 9100), timeout=connect_timeout_s)
        except OSError as e:
            raise PrinterLinkError(f"cannot connect to {url}: {e}") from e
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return SocketTransport(sock)
    if url.startswith(("/dev/usb/lp", USBLP_SCHEME)):
        path = url.removeprefix(USBLP_SCHEME)
        try:
            return FdTransport(os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_NOCTTY))
        except OSError as e:
            raise PrinterLinkError(f"cannot open {path}: {e}") from e
    try:  # exclusively: `kiosk printer ...` or `kiosk doctor` beside the kiosk must not talk over a job
        port = serial.serial_for_url(url, baudrate=baud, timeout=0, write_timeout=connect_timeout_s, exclusive=True)
    except OSError as e:  # serial.SerialException is an OSError
        if is_port_busy(e):
            raise PrinterLinkError(f"{url} is in use by another process", reason=PORT_BUSY) from e
        raise PrinterLinkError(f"cannot open {url}: {e}") from e
    except ValueError as e:
        raise PrinterLinkError(f"cannot open {url}: {e}") from e
    return SerialTransport(port)
