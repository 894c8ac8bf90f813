"""The simulated sensor on a pseudo-terminal: raw-mode pty, optional pacing at the baud rate, fault injection,
and the thread-safe control API (place a finger, lift it, misbehave) for tests and the simulator window.

Open `sensor.path` with pyserial (or any host library) exactly as a real `/dev/ttyAMA0`:

    with SimulatedSensor.matching(settings, pace=True, timings=DATASHEET) as sensor:
        driver = FingerUart(open_port(sensor.path, 57600), settings)
        sensor.present("somchai-right-index", times=2)    # placed, lifted after one image, placed again
        template = driver.enroll().template
        sensor.place_finger("boonmee-worn")               # stays until lift(); worn ids default to quality 0.3
        sensor.inject(FaultKind.DROP)                     # the next frame the sensor sends is lost
"""

from __future__ import annotations

import enum
import logging
import os
import select
import threading
import tty
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from kiosk.drivers.finger import FingerSettings, codec
from kiosk.drivers.finger.codec import Frame, Garbled, StreamDecoder
from simulator.finger import fingers
from simulator.finger.sensor import INSTANT, Outcome, SensorModel, SensorTimings, Touch

log = logging.getLogger(__name__)

BITS_PER_BYTE = 10  # 8N1: start + 8 data + stop
PACE_CHUNK_BYTES = 32


class FaultKind(enum.Enum):
    DROP = "drop"  # the frame is never sent
    CORRUPT_CHECKSUM = "corrupt_checksum"  # the last byte is flipped
    WRONG_CODE = "wrong_code"  # a well-formed reply whose confirmation code is `code`
    GARBAGE = "garbage"  # `data` is sent in place of the frame
    TRUNCATE = "truncate"  # only the first half of the frame is sent


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    nth: int = 1  # which frame from now on it hits: 1 = the next frame the sensor sends
    code: int = 0
    data: bytes = b""


@dataclass
class SimStats:
    frames_in: int = 0
    frames_out: int = 0
    garbled_in: int = 0
    busy_s: float = 0.0  # the sum of the sensor's own processing delays
    wire_s: float = 0.0  # the sum of the pacing delays (bytes at the baud rate, both ways)
    commands: Counter[int] = field(default_factory=Counter)


def _quality(finger_id: str, quality: float | None) -> float:
    return fingers.quality_for(finger_id) if quality is None else quality


class SimulatedSensor:
    """A ZhianTec-family sensor behind a pty. Thread-safe; use as a context manager or start()/stop()."""

    def __init__(
        self,
        *,
        pace_baud: int | None = None,
        timings: SensorTimings = INSTANT,
        seed: int = 0,
        **model: Any,
    ) -> None:
        self._model = SensorModel(timings=timings, seed=seed, **model)
        self._pace_baud = pace_baud
        self._lock = threading.RLock()
        self._write_lock = threading.Lock()  # one frame's bytes are never interleaved with noise from `emit`
        self._stop = threading.Event()
        self._faults: dict[int, Fault] = {}
        self._stalled = False
        self._stats = SimStats()
        self._master = self._slave = -1
        self._wake_r = self._wake_w = -1
        self._thread: threading.Thread | None = None
        self.path = ""

    @classmethod
    def matching(
        cls,
        settings: FingerSettings,
        baud: int = 57600,
        *,
        pace: bool = False,
        timings: SensorTimings = INSTANT,
        seed: int = 0,
        **model: Any,
    ) -> SimulatedSensor:
        """A sensor that fits what the kiosk is configured for (address, password, packet size, LED, baud)."""
        return cls(
            pace_baud=baud if pace else None,
            timings=timings,
            seed=seed,
            **(
                {
                    "address": settings.address,
                    "password": settings.password,
                    "packet_size": settings.packet_size,
                    "has_led": settings.has_led,
                    "baud": baud,
                }
                | model
            ),
        )

    # ------------------------------------------------------------------------------------------- life cycle

    def start(self) -> str:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # at once: the line discipline would echo and rewrite bytes
        self._wake_r, self._wake_w = os.pipe()
        self.path = os.ttyname(self._slave)
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="finger-sim", daemon=True)
        self._thread.start()
        return self.path

    def stop(self) -> None:
        self._stop.set()
        if self._wake_w >= 0:
            os.write(self._wake_w, b"x")
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        for fd in (self._master, self._slave, self._wake_r, self._wake_w):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = self._wake_r = self._wake_w = -1

    def power_cycle(self) -> None:
        """Power off and on: buffers and password state are lost, the flash library stays, and the sensor
        announces itself with one 0x55 byte as the real ones do."""
        with self._lock:
            self._model.power_on()
        self.emit(bytes([codec.Code.ECHO_OK]))

    def unplug(self) -> None:
        """The cable is pulled: both ends of the pty close, so the host's next read or write fails."""
        self.stop()

    def __enter__(self) -> SimulatedSensor:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------------- control API

    def place_finger(self, finger_id: str, quality: float | None = None) -> None:
        """Put `finger_id` on the window until `lift()`; quality 1.0 is a clean finger, 0.3 a worn one
        (default: `fingers.quality_for(finger_id)`)."""
        with self._lock:
            self._model.place(Touch(finger_id, _quality(finger_id, quality)), replace=True)

    def present(self, finger_id: str, quality: float | None = None, *, times: int = 1, lift_polls: int = 1) -> None:
        """Queue `times` touches of `finger_id`, each lifted after one image and away for `lift_polls` polls."""
        with self._lock:
            for _ in range(times):
                touch = Touch(finger_id, _quality(finger_id, quality), captures=1, lift_polls=lift_polls)
                self._model.place(touch, replace=False)

    def lift(self) -> None:
        with self._lock:
            self._model.lift()

    @property
    def finger_on(self) -> str | None:
        with self._lock:
            return self._model.finger_on

    def inject(self, kind: FaultKind, *, nth: int = 1, code: int = 0, data: bytes = b"") -> None:
        with self._lock:
            self._faults[self._stats.frames_out + nth] = Fault(kind, nth, code, data)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._stalled = False

    def stall(self, stalled: bool = True) -> None:
        """A stalled sensor hears everything and answers nothing."""
        with self._lock:
            self._stalled = stalled

    def emit(self, data: bytes) -> None:
        """Send raw bytes now, unasked (line noise)."""
        self._write(data)

    @contextmanager
    def model(self) -> Iterator[SensorModel]:
        """The sensor's state, locked against the serving thread while the block runs."""
        with self._lock:
            yield self._model

    @property
    def library(self) -> dict[int, bytes]:
        with self._lock:
            return dict(self._model.library)

    @property
    def stats(self) -> SimStats:
        with self._lock:
            s = self._stats
            return SimStats(s.frames_in, s.frames_out, s.garbled_in, s.busy_s, s.wire_s, Counter(s.commands))

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = SimStats()
            self._faults.clear()

    # ------------------------------------------------------------------------------------------- serving

    def _serve(self) -> None:
        decoder = StreamDecoder()
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master, self._wake_r], [], [])
            if self._wake_r in ready:
                return
            try:
                data = os.read(self._master, 4096)
            except OSError:
                return
            for item in decoder.feed(data):
                self._pace(len(item.raw) if isinstance(item, Garbled) else len(codec.encode(item)))
                try:
                    self._receive(item)
                except Exception:  # a bug in the simulator must show, not silently turn it into a dead sensor
                    log.exception("simulated sensor failed on %r", item)

    def _receive(self, item: Frame | Garbled) -> None:
        with self._lock:
            if isinstance(item, Garbled):
                self._stats.garbled_in += 1
                if item.why == "noise":
                    return
                outcome = self._model.garbled()
            else:
                self._stats.frames_in += 1
                if item.type == codec.PacketType.COMMAND:
                    self._stats.commands[item.payload[0]] += 1
                outcome = self._model.handle(item)
            self._stats.busy_s += outcome.busy_s
        if outcome.busy_s and self._stop.wait(outcome.busy_s):
            return
        self._send(outcome)

    def _send(self, outcome: Outcome) -> None:
        for frame in outcome.frames:
            with self._lock:
                self._stats.frames_out += 1
                fault = self._faults.pop(self._stats.frames_out, None)
                stalled = self._stalled
            if stalled:
                continue
            self._write(self._faulty(frame, fault) if fault else frame)
        if outcome.trailer and not self._stalled:
            self._write(outcome.trailer)

    def _faulty(self, frame: bytes, fault: Fault) -> bytes:
        match fault.kind:
            case FaultKind.DROP:
                return b""
            case FaultKind.CORRUPT_CHECKSUM:
                return frame[:-1] + bytes([frame[-1] ^ 0xFF])
            case FaultKind.WRONG_CODE:
                decoded = codec.decode(frame)
                return codec.encode(Frame(decoded.address, decoded.type, bytes([fault.code]) + decoded.payload[1:]))
            case FaultKind.GARBAGE:
                return fault.data
            case FaultKind.TRUNCATE:
                return frame[: len(frame) // 2]

    def _write(self, data: bytes) -> None:
        with self._write_lock:
            if not data or self._master < 0:
                return
            if self._pace_baud is None:
                self._write_all(data)
                return
            for i in range(0, len(data), PACE_CHUNK_BYTES):
                chunk = data[i : i + PACE_CHUNK_BYTES]
                self._write_all(chunk)
                if self._pace(len(chunk)):
                    return

    def _pace(self, byte_count: int) -> bool:
        """Wait as long as `byte_count` bytes take on the wire; True when the sensor is stopping."""
        if self._pace_baud is None:
            return False
        wire_s = byte_count * BITS_PER_BYTE / self._pace_baud
        with self._lock:
            self._stats.wire_s += wire_s
        return self._stop.wait(wire_s)

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._master, view)
            except OSError as e:
                log.debug("simulated sensor cannot write: %s", e)
                return
            view = view[written:]
