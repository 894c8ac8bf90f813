"""Puts a virtual card in a vpcd reader: the card is the TCP client of vpcd's port, a connected socket is an insertion.

vpcd's framing: every message is a 2-byte big-endian length and a payload. A 1-byte payload is a control code
(00 power off, 01 power on, 02 reset, 04 "send your ATR", which vpcd also uses as its presence poll); anything
longer is a command APDU, answered with a response APDU. vpcd writes a frame's length and body separately, so
with delayed ACKs every exchange would wait ~40 ms: the card sets TCP_QUICKACK before each receive (Linux).
"""

from __future__ import annotations

import logging
import socket
import threading
from contextlib import suppress

from simulator.vcard.card import STALLED, ThaiIdCard

log = logging.getLogger(__name__)

CTRL_OFF = 0x00
CTRL_ON = 0x01
CTRL_RESET = 0x02
CTRL_ATR = 0x04
CONNECT_TIMEOUT_S = 2.0


class VirtualCard:
    """The card slot of one vpcd reader: `insert` connects a card model, `remove` pulls it out."""

    def __init__(self, port: int, host: str = "127.0.0.1", *, apdu_delay_s: float = 0.0) -> None:
        self.port = port
        self.host = host
        self.apdu_delay_s = apdu_delay_s
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._gone = threading.Event()
        self._gone.set()
        self.card: ThaiIdCard | None = None

    @property
    def inserted(self) -> bool:
        return not self._gone.is_set()

    def insert(self, card: ThaiIdCard) -> None:
        """Insert `card` (pulling out any card already in the slot first)."""
        self.remove()
        sock = socket.create_connection((self.host, self.port), timeout=CONNECT_TIMEOUT_S)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.card, self._sock = card, sock
        self._stop.clear()
        self._gone.clear()
        self._thread = threading.Thread(target=self._serve, args=(sock, card), name=f"vcard-{self.port}", daemon=True)
        self._thread.start()

    def remove(self) -> None:
        """Pull the card out (closing the socket is what vpcd sees as removal); waits for the card's thread."""
        self._stop.set()
        sock, thread = self._sock, self._thread
        if sock is not None:
            with suppress(OSError):  # the card may already have left on its own (a fault pulled it)
                sock.shutdown(socket.SHUT_RDWR)
        if thread is not None:
            thread.join()
        self._sock = self._thread = None

    def wait_removed(self, timeout_s: float) -> bool:
        """Wait until the card has left the slot (pulled by a fault, or removed); False on timeout."""
        return self._gone.wait(timeout_s)

    def _serve(self, sock: socket.socket, card: ThaiIdCard) -> None:
        try:
            while True:
                header = _recv_exact(sock, 2)
                if header is None:
                    return
                payload = _recv_exact(sock, int.from_bytes(header, "big"))
                if payload is None:
                    return
                if len(payload) == 1:
                    self._control(sock, card, payload[0])
                    continue
                if self.apdu_delay_s and self._stop.wait(self.apdu_delay_s):
                    return
                response = card.respond(payload)
                if response is None:
                    log.debug("virtual card pulled out at APDU %d", card.apdu_count)
                    return
                if response == STALLED:
                    self._stop.wait()  # mute until pulled out
                    return
                _send_frame(sock, response)
        except OSError as e:
            log.debug("virtual card connection ended: %s", e)
        finally:
            sock.close()
            self._gone.set()

    @staticmethod
    def _control(sock: socket.socket, card: ThaiIdCard, code: int) -> None:
        if code == CTRL_ATR:
            _send_frame(sock, card.atr)
        elif code in (CTRL_OFF, CTRL_ON, CTRL_RESET):
            card.reset()
        else:
            log.warning("vpcd sent unknown control code %02X", code)


def _send_frame(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(len(payload).to_bytes(2, "big") + payload)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    """`size` bytes, or None when the peer closed the connection first."""
    chunks = bytearray()
    while len(chunks) < size:
        if hasattr(socket, "TCP_QUICKACK"):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)
