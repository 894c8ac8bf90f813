"""The real fingerprint-sensor driver: the family's command/reply protocol over an already-open serial-like port.

Every read has a deadline and waits in the port's own read timeout (one short slice at a time), never in a tight
loop; every reply's start code, address, type, length and checksum is checked; pyserial's exceptions become
`SensorUnavailable`. After any failure the link is marked dirty and the next command first drains what is left.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from kiosk.drivers.finger import (
    BadFrame,
    BadTemplate,
    Capture,
    CaptureCancelled,
    CaptureListener,
    CaptureQuality,
    Enrolment,
    FingerError,
    FingerNotLifted,
    FingerPrompt,
    FingerSettings,
    FingerTimeout,
    LedColor,
    LedMode,
    LibraryFull,
    MatchResult,
    NoFinger,
    PoorCapture,
    PromptListener,
    SearchHit,
    SensorUnavailable,
    SystemParameters,
    codec,
    refusal,
)
from kiosk.drivers.finger.codec import Code, Frame, Instruction, PacketType
from kiosk.drivers.serial_lock import PORT_BUSY, is_port_busy

log = logging.getLogger(__name__)
T = TypeVar("T")

READ_SLICE_S = 0.05  # the longest a single port read blocks before the deadline is looked at again
MAX_TEMPLATE_BYTES = 4096  # a template longer than this is a runaway stream, not a template
DRAIN_LIMIT_S = 0.5  # the longest the driver spends discarding leftovers before a command

FEATURE_QUALITY: dict[int, CaptureQuality] = {  # Img2Tz's answers that are guidance, not failures
    Code.IMAGE_MESSY: CaptureQuality.POOR_IMAGE,
    Code.TOO_FEW_FEATURES: CaptureQuality.TOO_FEW_FEATURES,
}


class SerialPort(Protocol):
    """The part of `serial.Serial` the driver uses (anything from `serial.serial_for_url` has it)."""

    timeout: float | None

    @property
    def in_waiting(self) -> int: ...
    def read(self, size: int = 1) -> bytes: ...
    def write(self, data: bytes, /) -> int | None: ...
    def reset_input_buffer(self) -> None: ...
    def close(self) -> None: ...


def open_port(url: str, baud: int, write_timeout_s: float = 2.0) -> SerialPort:
    """Open `url` (a device, a pty path, `socket://`, `loop://`) 8N1 at `baud`; SensorUnavailable when it cannot.

    The write timeout keeps a peer that stopped reading (a wedged pty or socket) from blocking a write for ever.
    Opened exclusively: `kiosk finger ...` or `kiosk doctor` run beside the kiosk gets SensorUnavailable with reason
    `port_busy` instead of talking over it.
    """
    import serial

    try:
        port: SerialPort = serial.serial_for_url(
            url, baudrate=baud, timeout=READ_SLICE_S, write_timeout=write_timeout_s, exclusive=True
        )
    except OSError as e:  # serial.SerialException is an OSError
        if is_port_busy(e):
            raise SensorUnavailable(f"{url} is in use by another process", reason=PORT_BUSY) from e
        raise SensorUnavailable(f"cannot open {url}: {e}") from e
    except ValueError as e:
        raise SensorUnavailable(f"cannot open {url}: {e}") from e
    return port


def _now() -> float:
    return time.monotonic()


P = ParamSpec("P")
R = TypeVar("R")


def _exclusive(method: Callable[Concatenate[FingerUart, P], R]) -> Callable[Concatenate[FingerUart, P], R]:
    """One operation at a time on the line (a journey's thread and a cancelled one's may overlap); a cancel
    request is forgotten when a new outermost operation starts."""

    @functools.wraps(method)
    def exclusive(self: FingerUart, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._lock:
            if self._depth == 0:
                self._cancel.clear()
            self._depth += 1
            try:
                return method(self, *args, **kwargs)
            finally:
                self._depth -= 1

    return exclusive


class FingerUart:
    """A ZhianTec-family sensor on `port`; see `kiosk.drivers.finger.FingerSensor` for what each method does."""

    def __init__(self, port: SerialPort, settings: FingerSettings | None = None, *, read_slice_s: float = READ_SLICE_S):
        self._port = port
        self._settings = settings or FingerSettings()
        self._packet_size = self._settings.packet_size
        self._library_size: int | None = None
        self._dirty = False
        self._lock = threading.RLock()
        self._cancel = threading.Event()
        self._depth = 0
        try:
            port.timeout = read_slice_s
        except (OSError, ValueError) as e:
            raise SensorUnavailable(f"cannot set the port's read timeout: {e}") from e

    def cancel(self) -> None:
        """Ask the operation in progress (from any thread) to stop waiting for a finger or a lift:
        it raises CaptureCancelled at its next poll."""
        self._cancel.set()

    def _check_cancel(self) -> None:
        if self._cancel.is_set():
            self._cancel.clear()
            raise CaptureCancelled("the capture was cancelled")

    @property
    def settings(self) -> FingerSettings:
        return self._settings

    @property
    def packet_size(self) -> int:
        """The data-packet size in use: the configured one until `handshake` reads the sensor's own."""
        return self._packet_size

    # ------------------------------------------------------------------------------------------- bytes on the wire

    def _write(self, data: bytes) -> None:
        try:
            self._port.write(data)
        except (OSError, ValueError) as e:
            raise SensorUnavailable(f"cannot write to the sensor: {e}") from e

    def _read_some(self, most: int) -> bytes:
        """What the port has (at most `most` bytes), waiting at most one read slice for the first byte."""
        try:
            waiting = self._port.in_waiting
            return self._port.read(max(1, min(waiting, most)))
        except (OSError, ValueError) as e:
            raise SensorUnavailable(f"cannot read from the sensor: {e}") from e

    def _read_exact(self, count: int, deadline: float, doing: str) -> bytes:
        received = bytearray()
        while len(received) < count:
            if _now() >= deadline:
                raise FingerTimeout(f"{doing}: {len(received)} of {count} bytes before the deadline")
            received += self._read_some(count - len(received))
        return bytes(received)

    def _drain(self) -> None:
        """Discard leftovers of an earlier failure until the line is quiet for one read slice."""
        limit = _now() + DRAIN_LIMIT_S
        discarded = 0
        while _now() < limit:
            chunk = self._read_some(4096)
            if not chunk:
                break
            discarded += len(chunk)
        if discarded:
            log.debug("discarded %d stale bytes", discarded)
        try:
            self._port.reset_input_buffer()
        except (OSError, ValueError) as e:
            raise SensorUnavailable(f"cannot reset the input buffer: {e}") from e

    def _pause(self, until: float) -> None:
        """Wait until `until` inside the port's read timeout; bytes arriving meanwhile are stray and mark the link."""
        while _now() < until and not self._cancel.is_set():
            if self._read_some(4096):
                self._dirty = True

    def _read_frame(self, deadline: float, doing: str) -> Frame:
        first = self._read_exact(1, deadline, doing)
        if first != codec.START[:1]:
            raise BadFrame(f"{doing}: reply starts with {first.hex()}, not a start code")
        header = first + self._read_exact(codec.HEADER_BYTES - 1, deadline, doing)
        address, packet_type, length = codec.parse_header(header)
        if address != self._settings.address:
            raise BadFrame(f"{doing}: reply from address {address:#010x}")
        return codec.parse_body(address, packet_type, self._read_exact(length, deadline, doing))

    def _guarded(self, doing: str, step: Callable[[], T]) -> T:
        if self._dirty:
            self._drain()
            self._dirty = False
        try:
            return step()
        except FingerError:
            self._dirty = True
            raise

    def _command(self, instruction: Instruction, params: bytes, doing: str, data_bytes: int = 0) -> tuple[int, bytes]:
        """Send one command and return its reply's (confirmation code, data); an OK reply must carry `data_bytes`."""

        def step() -> tuple[int, bytes]:
            self._write(codec.command(instruction, params, self._settings.address))
            frame = self._read_frame(_now() + self._settings.reply_timeout_s, doing)
            if frame.type != PacketType.ACK:
                raise BadFrame(f"{doing}: packet type {frame.type:#04x} where a reply was due")
            code, data = frame.payload[0], frame.payload[1:]
            if code == Code.OK and len(data) < data_bytes:
                raise BadFrame(f"{doing}: reply carries {len(data)} bytes, need {data_bytes}")
            return code, data

        return self._guarded(doing, step)

    def _ok(self, instruction: Instruction, params: bytes, doing: str, data_bytes: int = 0) -> bytes:
        code, data = self._command(instruction, params, doing, data_bytes)
        if code != Code.OK:
            raise refusal(code, doing)
        return data

    # ------------------------------------------------------------------------------------------- set-up

    @_exclusive
    def verify_password(self) -> None:
        self._ok(Instruction.VFY_PWD, codec.u32(self._settings.password), "verify password")

    @_exclusive
    def read_parameters(self) -> SystemParameters:
        data = self._ok(Instruction.READ_SYS_PARA, b"", "read parameters", codec.SYS_PARAMS_BYTES)
        params = codec.decode_parameters(data)
        self._library_size = params.library_size
        return params

    @_exclusive
    def handshake(self) -> SystemParameters:
        """Verify the password and read the parameters; from then on use the sensor's own data-packet size.

        A sensor just powered up announces itself with one stray byte (0x55), so a garbled first answer is retried
        once after the line is drained.
        """
        try:
            self.verify_password()
        except (BadFrame, FingerTimeout) as e:
            log.info("first handshake answer unusable (%s): retrying once", e.reason)
            self.verify_password()
        params = self.read_parameters()
        if params.packet_size_bytes != self._packet_size:
            log.warning(
                "sensor uses %d-byte data packets, configured %d: using the sensor's",
                params.packet_size_bytes,
                self._packet_size,
            )
            self._packet_size = params.packet_size_bytes
        return params

    # ------------------------------------------------------------------------------------------- capture

    def _gen_img(self) -> int:
        code, _ = self._command(Instruction.GEN_IMG, b"", "capture image")
        if code not in (Code.OK, Code.NO_FINGER, Code.CAPTURE_FAILED):
            raise refusal(code, "capture image")
        return code

    @_exclusive
    def capture(self, buffer: int = 1, timeout_s: float | None = None) -> Capture:
        """Wait for a finger (polling GenImg until the deadline), then extract its features into `buffer`."""
        deadline = _now() + (self._settings.capture_timeout_s if timeout_s is None else timeout_s)
        polls = 0
        while True:
            polls += 1
            code = self._gen_img()
            if code == Code.CAPTURE_FAILED:
                return Capture(buffer, CaptureQuality.CAPTURE_FAILED, polls)
            if code == Code.OK:
                break
            self._check_cancel()
            now = _now()
            if now >= deadline:
                raise NoFinger(f"no finger within the deadline ({polls} polls)")
            self._pause(min(now + self._settings.poll_interval_s, deadline))
        code, _ = self._command(Instruction.IMG2TZ, bytes([buffer]), "extract features")
        if code == Code.OK:
            return Capture(buffer, CaptureQuality.GOOD, polls)
        quality = FEATURE_QUALITY.get(code)
        if quality is None:
            raise refusal(code, "extract features")
        return Capture(buffer, quality, polls)

    @_exclusive
    def wait_for_lift(self, timeout_s: float | None = None) -> None:
        """Return once the sensor reports no finger; FingerNotLifted when it is still there at the deadline."""
        deadline = _now() + (self._settings.capture_timeout_s if timeout_s is None else timeout_s)
        while self._gen_img() != Code.NO_FINGER:
            self._check_cancel()
            now = _now()
            if now >= deadline:
                raise FingerNotLifted("the finger was not lifted within the deadline")
            self._pause(min(now + self._settings.poll_interval_s, deadline))

    @_exclusive
    def capture_usable(
        self, buffer: int = 1, timeout_s: float | None = None, on_capture: CaptureListener | None = None
    ) -> Capture:
        """Capture until one is usable; PoorCapture after `max_poor_captures` unusable ones in a row."""
        return self._usable_capture(buffer, self._deadline(timeout_s, 1), on_capture, [])

    def _usable_capture(
        self, buffer: int, deadline: float, on_capture: CaptureListener | None, captures: list[Capture]
    ) -> Capture:
        poor = 0
        while True:
            capture = self.capture(buffer, max(0.0, deadline - _now()))
            captures.append(capture)
            if on_capture is not None:
                on_capture(capture)
            if capture.usable:
                return capture
            poor += 1
            if poor >= self._settings.max_poor_captures:
                raise PoorCapture(capture.quality)

    def _deadline(self, timeout_s: float | None, captures: int) -> float:
        return _now() + (self._settings.capture_timeout_s * captures if timeout_s is None else timeout_s)

    # ------------------------------------------------------------------------------------------- templates

    @_exclusive
    def verify_page(
        self, page: int, timeout_s: float | None = None, on_capture: CaptureListener | None = None
    ) -> MatchResult:
        """1:1 against the template in library page `page`: capture, LoadChar into buffer 2, Match."""
        self.capture_usable(1, timeout_s, on_capture)
        self.load(page, 2)
        return self.match_buffers()

    @_exclusive
    def combine(self) -> None:
        """RegModel: merge the features in buffers 1 and 2 into one template (in both buffers)."""
        self._ok(Instruction.REG_MODEL, b"", "combine captures")

    @_exclusive
    def enroll(
        self,
        timeout_s: float | None = None,
        on_capture: CaptureListener | None = None,
        on_prompt: PromptListener | None = None,
    ) -> Enrolment:
        """Two usable captures of one finger, lifted in between, scored against each other, combined and exported.

        `on_prompt` hears what the citizen must do next (place, lift, place again); `on_capture` each capture.
        """
        prompt = on_prompt or (lambda _: None)
        deadline = self._deadline(timeout_s, 3)
        captures: list[Capture] = []
        prompt(FingerPrompt.PLACE)
        self._usable_capture(1, deadline, on_capture, captures)
        prompt(FingerPrompt.LIFT)
        self.wait_for_lift(max(0.0, deadline - _now()))
        prompt(FingerPrompt.PLACE_AGAIN)
        self._usable_capture(2, deadline, on_capture, captures)
        consistency = self.match_buffers().score
        self.combine()
        return Enrolment(self.export_template(1), tuple(captures), consistency)

    @_exclusive
    def export_template(self, buffer: int = 1) -> bytes:
        """UpChar: the template in `buffer`, streamed in data packets until the last one."""

        def step() -> bytes:
            self._write(codec.command(Instruction.UP_CHAR, bytes([buffer]), self._settings.address))
            frame = self._read_frame(_now() + self._settings.reply_timeout_s, "export template")
            if frame.type != PacketType.ACK:
                raise BadFrame(f"export template: packet type {frame.type:#04x} where a reply was due")
            if frame.payload[0] != Code.OK:
                raise refusal(frame.payload[0], "export template")
            template = bytearray()
            while True:
                frame = self._read_frame(_now() + self._settings.reply_timeout_s, "export template data")
                if frame.type not in (PacketType.DATA, PacketType.END_DATA):
                    raise BadFrame(f"export template: packet type {frame.type:#04x} inside the data")
                template += frame.payload
                if len(template) > MAX_TEMPLATE_BYTES:
                    raise BadFrame(f"export template: more than {MAX_TEMPLATE_BYTES} bytes")
                if frame.type == PacketType.END_DATA:
                    return bytes(template)

        return self._guarded("export template", step)

    @_exclusive
    def import_template(self, template: bytes, buffer: int = 1) -> None:
        """DownChar: send `template` into `buffer` as data packets of the sensor's size (the sensor does not reply)."""
        if not template or len(template) > MAX_TEMPLATE_BYTES:
            raise BadTemplate(f"a template of {len(template)} bytes")
        self._ok(Instruction.DOWN_CHAR, bytes([buffer]), "import template")
        for packet in codec.data_packets(template, self._packet_size, self._settings.address):
            self._write(packet)

    @_exclusive
    def compare(self, template: bytes) -> MatchResult:
        """Match the capture in buffer 1 against `template` (loaded into buffer 2)."""
        self.import_template(template, 2)
        return self.match_buffers()

    @_exclusive
    def match_buffers(self) -> MatchResult:
        """Match: buffer 1 against buffer 2; matched only when the sensor agrees and the score reaches the threshold."""
        code, data = self._command(Instruction.MATCH, b"", "match", 2)
        if code not in (Code.OK, Code.NO_MATCH):
            raise refusal(code, "match")
        score = int.from_bytes(data[:2], "big") if len(data) >= 2 else 0
        return MatchResult(code == Code.OK and score >= self._settings.match_threshold, score)

    @_exclusive
    def verify(
        self, template: bytes, timeout_s: float | None = None, on_capture: CaptureListener | None = None
    ) -> MatchResult:
        """1:1: capture a usable finger, then compare it with `template`."""
        self.capture_usable(1, timeout_s, on_capture)
        return self.compare(template)

    # ------------------------------------------------------------------------------------------- library

    @_exclusive
    def library_size(self) -> int:
        if self._library_size is None:
            self.read_parameters()
        assert self._library_size is not None
        return self._library_size

    @_exclusive
    def search(self, buffer: int = 1, start: int = 0, count: int | None = None) -> SearchHit | None:
        """1:N over library pages [start, start+count); None when nothing reaches the threshold."""
        count = self.library_size() - start if count is None else count
        params = bytes([buffer]) + codec.u16(start) + codec.u16(count)
        code, data = self._command(Instruction.SEARCH, params, "search", 4)
        if code == Code.NOT_FOUND:
            return None
        if code != Code.OK:
            raise refusal(code, "search")
        page, score = int.from_bytes(data[0:2], "big"), int.from_bytes(data[2:4], "big")
        return SearchHit(page, score) if score >= self._settings.match_threshold else None

    @_exclusive
    def identify(self, timeout_s: float | None = None, on_capture: CaptureListener | None = None) -> SearchHit | None:
        """1:N: capture a usable finger, then search the whole library."""
        self.capture_usable(1, timeout_s, on_capture)
        return self.search(1)

    @_exclusive
    def store(self, page: int, buffer: int = 1) -> None:
        self._ok(Instruction.STORE, bytes([buffer]) + codec.u16(page), "store template")

    @_exclusive
    def load(self, page: int, buffer: int = 1) -> None:
        self._ok(Instruction.LOAD_CHAR, bytes([buffer]) + codec.u16(page), "load template")

    @_exclusive
    def delete(self, page: int, count: int = 1) -> None:
        self._ok(Instruction.DELETE_CHAR, codec.u16(page) + codec.u16(count), "delete templates")

    @_exclusive
    def empty(self) -> None:
        self._ok(Instruction.EMPTY, b"", "empty library")

    @_exclusive
    def template_count(self) -> int:
        return int.from_bytes(self._ok(Instruction.TEMPLATE_NUM, b"", "count templates", 2)[:2], "big")

    @_exclusive
    def used_pages(self) -> set[int]:
        used: set[int] = set()
        size = self.library_size()
        for index_page in range((size + 255) // 256):
            table = self._ok(Instruction.READ_INDEX_TABLE, bytes([index_page]), "read index table", 32)
            used |= {
                index_page * 256 + i * 8 + bit
                for i, byte in enumerate(table[:32])
                for bit in range(8)
                if byte >> bit & 1
            }
        return {page for page in used if page < size}

    @_exclusive
    def free_page(self) -> int:
        used = self.used_pages()
        page = next((p for p in range(self.library_size()) if p not in used), None)
        if page is None:
            raise LibraryFull("no free page in the sensor's library")
        return page

    @_exclusive
    def led(self, color: LedColor, mode: LedMode, speed: int = 0x80, cycles: int = 0) -> bool:
        """R503 aura LED; does nothing (False) on sensors configured without one."""
        if not self._settings.has_led:
            return False
        self._ok(Instruction.AURA_LED_CONFIG, bytes([mode, speed & 0xFF, color, cycles & 0xFF]), "set LED")
        return True
