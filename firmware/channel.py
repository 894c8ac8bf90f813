"""The firmware end of the link: reads the port, acknowledges and de-duplicates frames, queues and retransmits replies.

The port is injected: `StreamPort` wraps any pair of pollable streams (USB CDC stdio on the board, a UART, or a pty
under the unix port), so the same code runs everywhere.
"""

import asyncio
import select
import struct

import wire

try:
    from typing import TYPE_CHECKING
except ImportError:  # MicroPython has no typing module; the annotations below are never evaluated there
    TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Protocol

    class Stream(Protocol):
        def readinto(self, buf: bytearray) -> int | None: ...
        def write(self, buf: bytearray | memoryview) -> int | None: ...

    Handler = Callable[[int, int, bytearray, int], None]  # kind, seq, body, payload length


class StreamPort:
    """A byte port over pollable streams: waits without spinning, then drains what is already there."""

    def __init__(self, rx: "Stream", tx: "Stream") -> None:
        self._rx = rx
        self._tx = tx
        self._reader = asyncio.StreamReader(rx)
        self._poll = select.poll()
        self._poll.register(rx, select.POLLIN)
        self._one = bytearray(1)

    async def read_into(self, buf: bytearray) -> int:
        """Wait for at least one byte; return how many (up to len(buf)) were put in buf."""
        first = await self._reader.read(1)
        if not first:
            raise OSError("port closed")
        buf[0] = first[0]
        n = 1
        one = self._one
        while n < len(buf) and self._poll.poll(0):
            if not self._rx.readinto(one):
                break
            buf[n] = one[0]
            n += 1
        return n

    def write(self, data: bytearray | memoryview) -> None:
        self._tx.write(data)


class Channel:
    """Stop-and-wait reliable delivery over one port, with a fixed ring of outgoing slots allocated at start-up."""

    def __init__(
        self, port: StreamPort, handler: "Handler", slots: int = 8, retry_ms: int = 100, max_tries: int = 10
    ) -> None:
        self._port = port
        self._handler = handler  # handler(kind, seq, body, n): body[2:n + 2] is the payload
        self.retry_ms = retry_ms
        self.max_tries = max_tries
        self._deframer = wire.Deframer()
        self._framer = wire.Framer()
        self._acker = wire.Framer()
        self._endpoint = wire.Endpoint()
        self._rx = bytearray(64)
        self._kinds = bytearray(slots)
        self._lengths = bytearray(slots)
        self._slots = [bytearray(wire.MAX_PAYLOAD) for _ in range(slots)]
        self._head = 0
        self._count = 0
        self._reserved = -1
        self._queued = asyncio.Event()
        self._acked = asyncio.Event()
        self.dropped = 0
        self.abandoned = 0

    # Outgoing ------------------------------------------------------------------------------------------------
    def begin(self, kind: int) -> bytearray | None:
        """Reserve the next free slot for a frame of `kind`; returns its payload buffer, or None if the ring is full."""
        if self._count >= len(self._slots):
            self.dropped += 1
            self._reserved = -1
            return None
        i = (self._head + self._count) % len(self._slots)
        self._kinds[i] = kind
        self._reserved = i
        return self._slots[i]

    def commit(self, n: int) -> None:
        """Queue the slot reserved by `begin` with n payload bytes."""
        if self._reserved < 0:
            return
        self._lengths[self._reserved] = n
        self._reserved = -1
        self._count += 1
        self._queued.set()

    def send(self, kind: int) -> None:
        """Queue a frame with no payload."""
        if self.begin(kind) is not None:
            self.commit(0)

    def result(self, command: bytearray, code: int) -> bytearray | None:
        """Reserve a RESULT answering the command frame `command` (kind, seq, ...); data goes from
        wire.RESULT_DATA, then `commit(wire.RESULT_DATA + len(data))`."""
        buf = self.begin(wire.K_RESULT)
        if buf is not None:
            struct.pack_into(wire.FMT_RESULT_HEAD, buf, 0, command[1], command[0], code)
        return buf

    async def tx_task(self) -> None:
        framer = self._framer
        endpoint = self._endpoint
        while True:
            if self._count == 0:
                self._queued.clear()
                await self._queued.wait()
                continue
            i = self._head
            n = framer.build(self._kinds[i], endpoint.take_seq(), self._slots[i], self._lengths[i])
            frame = memoryview(framer.out)[:n]
            tries = 0
            while endpoint.awaiting != wire.NO_SEQ:
                if tries >= self.max_tries:
                    endpoint.abandon()
                    self.abandoned += 1
                    break
                self._acked.clear()
                self._port.write(frame)
                tries += 1
                try:
                    await asyncio.wait_for_ms(self._acked.wait(), self.retry_ms)
                except asyncio.TimeoutError:
                    pass
            self._head = (i + 1) % len(self._slots)
            self._count -= 1

    # Incoming ------------------------------------------------------------------------------------------------
    async def rx_task(self) -> None:
        deframer = self._deframer
        buf = self._rx
        while True:
            n = await self._port.read_into(buf)
            for i in range(n):
                m = deframer.push(buf[i])
                if m >= 0:
                    self._on_body(deframer.body, m)

    def _on_body(self, body: bytearray, m: int) -> None:
        kind = body[0]
        seq = body[1]
        if kind == wire.K_ACK:
            if self._endpoint.acked(seq):
                self._acked.set()
            return
        n = self._acker.build(wire.K_ACK, seq, body, 0)
        self._port.write(memoryview(self._acker.out)[:n])
        if self._endpoint.fresh(seq):
            self._handler(kind, seq, body, m - 2)

    @property
    def bad_frames(self) -> int:
        return self._deframer.bad_frames
