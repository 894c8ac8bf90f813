"""The real co-processor driver: the firmware's framed, acknowledged protocol over an already-open serial-like port.

A reader thread owns the port's input: it checks every frame (COBS + CRC-16 via `wire`, the firmware's own module),
acknowledges the board's frames, hands command results to the waiting caller and posts the board's events. A
heartbeat thread feeds the board's watchdog and restores the commanded state after the board restarts. Commands are
stop-and-wait: one outstanding at a time, retransmitted every `retry_s` until acknowledged, answered before a deadline.
"""

from __future__ import annotations

import contextlib
import logging
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kiosk.drivers.coproc import (
    BootReason,
    Coproc,
    CoprocBooted,
    CoprocError,
    CoprocGarbled,
    CoprocInfo,
    CoprocPortError,
    CoprocRecovered,
    CoprocRejected,
    CoprocSilent,
    CoprocStatus,
    CoprocWrongVersion,
    Maintenance,
    Pattern,
    WatchdogSettings,
    messages,
    wire,
)
from kiosk.runner import DeviceFailed

log = logging.getLogger(__name__)

READ_SLICE_S = 0.05  # the longest one port read blocks before the reader looks at its stop flag again
# A RESULT in the older layout (for seq, code, data: no command kind) from firmware that predates this driver. Its
# fourth byte is a result code (< 0x10) where the current layout has a command kind (>= K_IDENTIFY), so the skew is
# told apart and refused as CoprocWrongVersion instead of misreading the kind as a code ("refused: code_16").
OLD_RESULT_LAYOUT = -1


class SerialPort(Protocol):
    """The part of `serial.Serial` the driver uses (anything from `serial.serial_for_url` has it)."""

    timeout: float | None

    @property
    def in_waiting(self) -> int: ...
    def read(self, size: int = 1) -> bytes: ...
    def write(self, data: bytes, /) -> int | None: ...
    def close(self) -> None: ...


def open_port(url: str, baud: int, write_timeout_s: float = 1.0) -> SerialPort:
    """Open `url` (a device, a pty path, `socket://`, `loop://`) at `baud`; CoprocPortError when it cannot.

    Opened exclusively: `kiosk coproc ...` run beside the kiosk gets a clear error instead of stealing its frames.
    """
    import serial

    try:
        port: SerialPort = serial.serial_for_url(
            url, baudrate=baud, timeout=READ_SLICE_S, write_timeout=write_timeout_s, exclusive=True
        )
    except (serial.SerialException, OSError, ValueError) as e:
        raise CoprocPortError(f"cannot open {url}: {e}") from e
    return port


def connect(
    url: str,
    baud: int,
    post: Callable[[object], None],
    *,
    watchdog: WatchdogSettings,
    heartbeat_s: float,
    reply_timeout_s: float = 1.0,
) -> CoprocLink:
    """The kiosk's way in: open the port, identify the board, arm its watchdog and start the heartbeat.

    Raises a CoprocError (port, silent, garbled, wrong_version) and leaves nothing open when the board is unusable;
    `close()` on the returned link stops everything and closes the port.
    """
    port = open_port(url, baud)
    link = CoprocLink(port, post, reply_timeout_s=reply_timeout_s, owns_port=True, reopen=lambda: open_port(url, baud))
    try:
        link.open()
        link.configure_watchdog(watchdog)
        link.start_heartbeat(heartbeat_s)
    except BaseException:
        link.close()
        raise
    return link


@dataclass
class _Commanded:
    """What the host last told the board, re-sent after it restarts (it keeps only its tamper latch across resets)."""

    light: tuple[int, tuple[int, int, int]] | None = None
    pattern: Pattern | None = None
    journey: bool | None = None
    watchdog: WatchdogSettings | None = None


class CoprocLink:
    """One board on one port. `post` receives the CoprocEvent dataclasses and `DeviceFailed` from driver threads.

    With `reopen` (a way to open the port again) the heartbeat thread reconnects after the port fails, e.g. when a
    board reset makes /dev/ttyACM0 disappear and come back, restores the commanded state and posts CoprocRecovered.
    """

    def __init__(
        self,
        port: SerialPort,
        post: Callable[[object], None] | None = None,
        *,
        reply_timeout_s: float = 1.0,
        retry_s: float = 0.1,
        protocol_version: int = wire.PROTOCOL_VERSION,
        owns_port: bool = False,
        reopen: Callable[[], SerialPort] | None = None,
    ) -> None:
        self._port = port
        self._owns_port = owns_port
        self._reopen = reopen
        port.timeout = READ_SLICE_S  # the reader must wake to notice close()
        self._post = post or (lambda event: None)
        self.reply_timeout_s = reply_timeout_s
        self.retry_s = retry_s
        self.protocol_version = protocol_version
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()
        self._request_lock = threading.Lock()
        self._endpoint = wire.Endpoint()
        self._framer = wire.Framer()
        self._acker = wire.Framer()
        self._deframer = wire.Deframer()
        self._want = (wire.NO_SEQ, 0)  # the seq and kind of the command awaiting its RESULT
        self._result: tuple[int, bytes] | None = None
        self._port_error: CoprocPortError | None = None
        self._bytes_in = 0
        self._stop = threading.Event()
        self._reader: threading.Thread | None = None
        self._heartbeat: threading.Thread | None = None
        self._heartbeat_stop = threading.Event()
        self._heartbeat_wake = threading.Event()
        self._booted: BootReason | None = None
        self._commanded = _Commanded()
        self._info: CoprocInfo | None = None

    # Life cycle ------------------------------------------------------------------------------------------------
    def open(self) -> CoprocInfo:
        """Start reading, identify the board and refuse firmware this driver does not understand."""
        if self._reader is None:
            self._start_reader()
        return self.identify()

    def close(self) -> None:
        """Stop the heartbeat and the reader; close the port only if this link owns it (see `connect`)."""
        self.stop_heartbeat()
        self._stop.set()
        if self._reader is not None:
            self._reader.join(timeout=2.0)
            self._reader = None
        if self._owns_port:
            self._port.close()

    def __enter__(self) -> CoprocLink:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start_heartbeat(self, interval_s: float) -> None:
        """Feed the board's watchdog every `interval_s` from a thread; failures are posted as DeviceFailed."""
        if self._heartbeat is not None:
            return
        self._heartbeat_stop.clear()
        self._heartbeat = threading.Thread(
            target=self._heartbeat_loop, args=(interval_s,), name="coproc-heartbeat", daemon=True
        )
        self._heartbeat.start()

    def stop_heartbeat(self) -> None:
        if self._heartbeat is None:
            return
        self._heartbeat_stop.set()
        self._heartbeat_wake.set()
        self._heartbeat.join(timeout=self.reply_timeout_s + 2.0)
        self._heartbeat = None

    @property
    def bad_frames(self) -> int:
        return self._deframer.bad_frames

    # Commands --------------------------------------------------------------------------------------------------
    def identify(self) -> CoprocInfo:
        info = messages.identify_reply(self._request(wire.K_IDENTIFY), self.protocol_version)
        self._info = info
        return info

    def info(self) -> CoprocInfo:
        return self._info or self.identify()

    def status(self) -> CoprocStatus:
        return messages.status_reply(self._request(wire.K_STATUS))

    def heartbeat(self) -> None:
        self._request(wire.K_HEARTBEAT)

    # What is commanded is recorded before it is sent: a command lost to an outage is re-sent by `restore()`.
    def light(self, level: int, rgb: tuple[int, int, int] = (255, 255, 255)) -> None:
        payload = messages.light(level, rgb)
        self._commanded.light = (level, rgb)
        self._request(wire.K_LIGHT, payload)

    def pattern(self, name: Pattern) -> None:
        payload = messages.pattern(name)
        self._commanded.pattern = name
        self._request(wire.K_PATTERN, payload)

    def buzz(self, freq_hz: int, duration_s: float) -> None:
        self._request(wire.K_BUZZ, messages.buzz(freq_hz, duration_s))

    def set_journey(self, active: bool) -> None:
        """Tell the board a citizen is (or no longer is) in a journey: opening the enclosure then latches."""
        self._commanded.journey = active
        self._request(wire.K_JOURNEY, messages.journey(active))

    def ack_tamper(self) -> None:
        """An officer clears the tamper latch; CoprocRejected(code="still_open") while the enclosure is open."""
        self._request(wire.K_TAMPER_ACK)

    def configure_watchdog(self, settings: WatchdogSettings) -> None:
        payload = messages.watchdog(settings)
        self._commanded.watchdog = settings
        self._request(wire.K_WATCHDOG, payload)

    def maintenance(self, mode: Maintenance) -> None:
        """Hand the board over: "repl" stops the application so mpremote can reach it (Ctrl-C works again);
        "bootloader" reboots it into the RP2040's UF2 loader. The board stops watching the Pi and the enclosure."""
        self._request(wire.K_MAINTENANCE, messages.maintenance(mode))

    def restore(self) -> None:
        """Re-identify and re-send everything commanded so far (after the board restarted)."""
        self.identify()
        c = self._commanded
        if c.watchdog is not None:
            self.configure_watchdog(c.watchdog)
        if c.journey is not None:
            self.set_journey(c.journey)
        if c.light is not None:
            self.light(*c.light)
        if c.pattern is not None:
            self.pattern(c.pattern)

    # The request/answer exchange ------------------------------------------------------------------------------
    def _request(self, kind: int, payload: bytes = b"") -> bytes:
        """Send one command, retransmitting until acknowledged; return its result data or raise a typed error."""
        with self._request_lock:
            with self._cond:
                seq = self._endpoint.take_seq()
                self._want = (seq, kind)
                self._result = None
                before = (self._deframer.bad_frames, self._deframer.frames, self._bytes_in)
            n = self._framer.build(kind, seq, payload, len(payload))
            frame = bytes(self._framer.out[:n])
            deadline = time.monotonic() + self.reply_timeout_s
            acked = False
            while True:
                if not acked:
                    self._write(frame)
                with self._cond:
                    until = deadline if acked else min(deadline, time.monotonic() + self.retry_s)
                    self._cond.wait_for(self._answered(seq, acked), timeout=max(0.0, until - time.monotonic()))
                    if self._port_error is not None:
                        raise self._port_error
                    result = self._result
                    if self._endpoint.awaiting != seq:
                        acked = True
                    if result is not None:
                        self._want = (wire.NO_SEQ, 0)
                        self._endpoint.abandon()
                        break
                    if time.monotonic() >= deadline:
                        self._want = (wire.NO_SEQ, 0)
                        self._endpoint.abandon()
                        raise self._no_answer(kind, before, acked)
        code, data = result
        if code == OLD_RESULT_LAYOUT:
            raise CoprocWrongVersion(
                f"command 0x{kind:02x}: the firmware answers in an older RESULT layout (no command kind): "
                "update the board"
            )
        if code != wire.R_OK:
            name = wire.RESULT_NAMES[code] if code < len(wire.RESULT_NAMES) else f"code_{code}"
            raise CoprocRejected(f"command 0x{kind:02x} refused: {name}", code=name)
        return data

    def _answered(self, seq: int, acked: bool) -> Callable[[], bool]:
        def answered() -> bool:
            if self._result is not None or self._port_error is not None:
                return True
            return not acked and self._endpoint.awaiting != seq

        return answered

    def _no_answer(self, kind: int, before: tuple[int, int, int], acked: bool) -> CoprocError:
        """Garbled if what came back was not frames (bad ones, or bytes that never formed one), else silent."""
        what = f"command 0x{kind:02x}"
        bad = self._deframer.bad_frames - before[0]
        frames = self._deframer.frames - before[1]
        if bad or (self._bytes_in > before[2] and not frames):
            return CoprocGarbled(f"{what}: no valid answer in {self.reply_timeout_s} s ({bad} bad frames)")
        if acked:
            return CoprocSilent(f"{what}: acknowledged but not answered within {self.reply_timeout_s} s")
        return CoprocSilent(f"{what}: no answer within {self.reply_timeout_s} s")

    def _write(self, data: bytes) -> None:
        import serial

        with self._write_lock:
            try:
                self._port.write(data)
            except (serial.SerialException, OSError) as e:
                raise CoprocPortError(f"write failed: {e}") from e

    # The reader thread -----------------------------------------------------------------------------------------
    def _start_reader(self) -> None:
        self._stop = threading.Event()
        self._reader = threading.Thread(
            target=self._read_loop, args=(self._port, self._deframer, self._stop), name="coproc-reader", daemon=True
        )
        self._reader.start()
        self._write(b"\x00")  # ends whatever partial frame the board may hold

    def _read_loop(self, port: SerialPort, deframer: wire.Deframer, stop: threading.Event) -> None:
        import serial

        push = deframer.push
        while not stop.is_set():
            try:
                data = port.read(port.in_waiting or 1)
            except (serial.SerialException, OSError, TypeError) as e:
                # pyserial raises TypeError from inside read() when the port is closed under it.
                with self._cond:
                    self._port_error = CoprocPortError(f"read failed: {e}")
                    self._cond.notify_all()
                if self._heartbeat is None:  # otherwise the heartbeat reports it, once per outage
                    self._post(DeviceFailed("coproc", "port", str(e)))
                return
            self._bytes_in += len(data)
            for b in data:
                m = push(b)
                if m >= 0:
                    try:
                        self._on_body(bytes(deframer.body[:m]))
                    except CoprocPortError:
                        log.warning("could not acknowledge a frame: port failed")

    def _on_body(self, body: bytes) -> None:
        kind, seq = body[0], body[1]
        if kind == wire.K_ACK:
            with self._cond:
                if self._endpoint.acked(seq):
                    self._cond.notify_all()
            return
        n = self._acker.build(wire.K_ACK, seq, b"", 0)
        self._write(bytes(self._acker.out[:n]))
        with self._cond:
            if not self._endpoint.fresh(seq):
                return
            if kind == wire.K_RESULT:
                head = 2 + wire.RESULT_DATA
                if len(body) >= head and (body[2], body[3]) == self._want:  # answers this very command
                    self._result = (body[4], body[head:])
                    self._cond.notify_all()
                elif len(body) >= 4 and body[2] == self._want[0] and body[3] < wire.K_IDENTIFY:
                    self._result = (OLD_RESULT_LAYOUT, b"")
                    self._cond.notify_all()
                return
        self._on_event(kind, body[2:])

    def _on_event(self, kind: int, payload: bytes) -> None:
        try:
            event = messages.event(kind, payload)
        except struct.error:
            log.warning("ignoring malformed event 0x%02x (%d bytes)", kind, len(payload))
            return
        if event is None:
            log.warning("ignoring unknown frame kind 0x%02x from the co-processor", kind)
        elif isinstance(event, CoprocBooted):
            self._on_booted(event.reason)
        else:
            self._post(event)

    def _on_booted(self, reason: BootReason) -> None:
        if self._heartbeat is None:
            self._post(CoprocBooted(reason))
            return
        self._booted = reason  # the heartbeat thread restores the board's state, then posts
        self._heartbeat_wake.set()

    # The heartbeat thread --------------------------------------------------------------------------------------
    def _reconnect(self) -> None:
        """Open the port again after it failed (CoprocPortError while it is still absent), then restore the board."""
        assert self._reopen is not None
        with self._request_lock:
            self._stop.set()
            if self._reader is not None:
                self._reader.join(timeout=2.0)
            with contextlib.suppress(Exception):
                self._port.close()  # first: the port is opened exclusively, and may be the same device node
            port = self._reopen()
            port.timeout = READ_SLICE_S
            self._port = port
            self._owns_port = True
            with self._cond:
                self._deframer = wire.Deframer()
                self._endpoint.peer_last = wire.NO_SEQ  # possibly a new board: its first frame is fresh
                self._port_error = None
            self._start_reader()
        log.info("co-processor port reopened")
        self.restore()

    def _heartbeat_loop(self, interval_s: float) -> None:
        failing = False
        while not self._heartbeat_stop.is_set():
            try:
                if self._port_error is not None and self._reopen is not None:
                    self._reconnect()
                booted = self._booted
                if booted is not None:
                    self._booted = None
                    self.restore()
                    self._post(CoprocBooted(booted))
                self.heartbeat()
                if failing:
                    log.info("co-processor answering again")
                    self._post(CoprocRecovered())
                failing = False
            except CoprocError as e:
                if not failing:
                    log.warning("co-processor heartbeat failed: %s", e)
                    self._post(DeviceFailed(e.device, e.reason, str(e)))
                failing = True
            self._heartbeat_wake.wait(interval_s)
            self._heartbeat_wake.clear()


def _implements_the_interface(link: CoprocLink) -> Coproc:
    return link  # mypy checks CoprocLink against the Coproc protocol here
