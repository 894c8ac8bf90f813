"""The simulated sensor's behaviour without I/O: one command frame in, reply frames and the time it took out.

State: the finger on the window (a queue of touches), the image buffer, two character buffers, the flash library,
the password and the system parameters. Not thread-safe by itself: `simulator.finger.pty` serialises access.
"""

from __future__ import annotations

import hashlib
import random
import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.drivers.finger import SystemParameters, codec
from kiosk.drivers.finger.codec import Code, Frame, Instruction, PacketType
from simulator.finger import fingers

# score a Match or Search must reach at each security level (1 = most tolerant)
LEVEL_MIN_SCORE = {1: 30, 2: 40, 3: 50, 4: 65, 5: 80}
SYSTEM_ID = 0x0009
STATUS_BUSY, STATUS_PASS, STATUS_PWD, STATUS_IMAGE = 0x01, 0x02, 0x04, 0x08


@dataclass(frozen=True)
class SensorTimings:
    """How long each command keeps the sensor busy before it replies, in seconds."""

    gen_img_s: float = 0.0  # with a finger on the window
    gen_img_no_finger_s: float = 0.0
    img2tz_s: float = 0.0
    reg_model_s: float = 0.0
    match_s: float = 0.0
    search_s: float = 0.0
    store_s: float = 0.0
    load_s: float = 0.0
    delete_s: float = 0.0
    empty_s: float = 0.0
    other_s: float = 0.0


INSTANT = SensorTimings()
# datasheet-like: R307/AS608 capture < 0.3 s (we use 0.3), Img2Tz < 0.5 s (0.4), search 1:N < 1 s on 1000 pages
DATASHEET = SensorTimings(
    gen_img_s=0.3,
    gen_img_no_finger_s=0.05,
    img2tz_s=0.4,
    reg_model_s=0.2,
    match_s=0.05,
    search_s=0.3,
    store_s=0.05,
    load_s=0.02,
    delete_s=0.05,
    empty_s=0.1,
    other_s=0.005,
)


@dataclass
class Touch:
    """A finger on the window, for `captures` successful images (None: until lifted)."""

    finger_id: str
    quality: float = 1.0
    captures: int | None = None
    lift_polls: int = 1  # GenImg polls that see no finger after this touch ends
    rng: random.Random | None = field(default=None, compare=False, repr=False)  # set by the sensor when placed


@dataclass
class Outcome:
    """What one received frame produced: frames to send and how long the sensor was busy first."""

    frames: list[bytes] = field(default_factory=list)
    busy_s: float = 0.0
    trailer: bytes = b""  # raw bytes after the frames (the 0x55 a soft reset sends)


_Handler = Callable[[bytes], Outcome]


def touch_seed(seed: int, finger_id: str, count: int) -> int:
    """The seed of the `count`-th touch of `finger_id` on a sensor seeded `seed`."""
    return int.from_bytes(hashlib.sha256(f"{seed}/{finger_id}/{count}".encode()).digest()[:8], "big")


class SensorModel:
    def __init__(
        self,
        *,
        address: int = codec.DEFAULT_ADDRESS,
        password: int = 0,
        packet_size: int = 128,
        library_size: int = 200,
        security_level: int = 3,
        baud: int = 57600,
        template_bytes: int = fingers.DEFAULT_CHAR_FILE_BYTES,
        has_led: bool = True,
        timings: SensorTimings = INSTANT,
        seed: int = 0,
    ) -> None:
        codec.packet_size_code(packet_size)
        self.address = address
        self.password = password
        self.packet_size = packet_size
        self.library_size = library_size
        self.security_level = security_level
        self.baud = baud
        self.template_bytes = template_bytes
        self.has_led = has_led
        self.timings = timings
        self.seed = seed
        self.rng = random.Random(seed)  # GetRandomCode only: captures draw from their touch's own generator
        self.touch_counts: dict[str, int] = {}
        self.image_rng = self.rng  # the generator of the touch that made the image in the image buffer
        self.password_verified = password == 0
        self.touches: deque[Touch] = deque()
        self.lift_polls_left = 0
        self.image: tuple[str, float] | None = None
        self.buffers: dict[int, bytes | None] = {1: None, 2: None}
        self.library: dict[int, bytes] = {}
        self.led: tuple[int, int, int, int] | None = None
        self.receiving: tuple[int, bytearray] | None = None  # DownChar in progress: (buffer, bytes so far)

    # ------------------------------------------------------------------------------------------- control

    def place(self, touch: Touch, *, replace: bool) -> None:
        """Put `touch` on the window. Its captures' luck (failed, messy or sparse images, noise) is seeded by the
        sensor's seed, the finger id and how many times that finger has touched this sensor: the n-th touch of a
        finger always behaves the same, however long the host polled before or after it."""
        count = self.touch_counts.get(touch.finger_id, 0) + 1
        self.touch_counts[touch.finger_id] = count
        touch.rng = random.Random(touch_seed(self.seed, touch.finger_id, count))
        if replace or not self.touches:
            self.touches.clear()
            self.lift_polls_left = 0  # whatever lift was pending has happened by the time a new finger comes
        self.touches.append(touch)

    def lift(self) -> None:
        self.touches.clear()
        self.lift_polls_left = 0

    @property
    def finger_on(self) -> str | None:
        if self.lift_polls_left or not self.touches:
            return None
        return self.touches[0].finger_id

    def parameters(self) -> SystemParameters:
        status = (STATUS_PWD if self.password_verified and self.password else 0) | (STATUS_IMAGE if self.image else 0)
        return SystemParameters(
            status, SYSTEM_ID, self.library_size, self.security_level, self.address, self.packet_size, self.baud
        )

    # ------------------------------------------------------------------------------------------- frames

    def garbled(self) -> Outcome:
        """A frame with a bad checksum or impossible header: the sensor answers a packet error."""
        self.receiving = None
        return self._reply(Code.PACKET_ERROR)

    def handle(self, frame: Frame) -> Outcome:
        if frame.address != self.address:
            return Outcome()  # not for us: a sensor on a shared line keeps quiet
        if frame.type in (PacketType.DATA, PacketType.END_DATA):
            return self._data(frame)
        if frame.type != PacketType.COMMAND:
            return Outcome()
        self.receiving = None
        instruction, params = frame.payload[0], frame.payload[1:]
        if not self.password_verified and instruction not in (Instruction.VFY_PWD, Instruction.GET_ECHO):
            return self._reply(Code.PASSWORD_REQUIRED)
        handler = self._handlers().get(instruction)
        if handler is None:
            return self._reply(Code.PACKET_ERROR)
        try:
            return handler(params)
        except (IndexError, struct.error):
            return self._reply(Code.PACKET_ERROR)  # parameters too short for the instruction

    def _handlers(self) -> dict[int, _Handler]:
        return {
            Instruction.VFY_PWD: self._vfy_pwd,
            Instruction.READ_SYS_PARA: self._read_sys_para,
            Instruction.SET_SYS_PARA: self._set_sys_para,
            Instruction.SET_PWD: self._set_pwd,
            Instruction.SET_ADDR: self._set_addr,
            Instruction.GEN_IMG: self._gen_img,
            Instruction.IMG2TZ: self._img2tz,
            Instruction.REG_MODEL: self._reg_model,
            Instruction.MATCH: self._match,
            Instruction.SEARCH: self._search,
            Instruction.HIGH_SPEED_SEARCH: self._search,
            Instruction.STORE: self._store,
            Instruction.LOAD_CHAR: self._load_char,
            Instruction.UP_CHAR: self._up_char,
            Instruction.DOWN_CHAR: self._down_char,
            Instruction.DELETE_CHAR: self._delete_char,
            Instruction.EMPTY: self._empty,
            Instruction.TEMPLATE_NUM: self._template_num,
            Instruction.READ_INDEX_TABLE: self._read_index_table,
            Instruction.AURA_LED_CONFIG: self._aura_led,
            Instruction.GET_RANDOM_CODE: self._random_code,
            Instruction.GET_ECHO: lambda _: self._reply(Code.ECHO_OK),
            Instruction.SOFT_RESET: self._soft_reset,
            Instruction.UP_IMAGE: lambda _: self._reply(Code.IMAGE_UPLOAD_FAILED),  # no images leave this sensor
            Instruction.DOWN_IMAGE: lambda _: self._reply(Code.DATA_RECEIVE_FAILED),
        }

    def _reply(self, code: int, data: bytes = b"", busy_s: float = 0.0) -> Outcome:
        return Outcome([codec.reply(code, data, self.address)], busy_s or self.timings.other_s)

    def _buffer_id(self, params: bytes) -> int | None:
        return params[0] if params[0] in (1, 2) else None

    def _vfy_pwd(self, params: bytes) -> Outcome:
        (given,) = struct.unpack(">I", params[:4])
        self.password_verified = given == self.password
        return self._reply(Code.OK if self.password_verified else Code.WRONG_PASSWORD)

    def _set_pwd(self, params: bytes) -> Outcome:
        (self.password,) = struct.unpack(">I", params[:4])
        self.password_verified = True
        return self._reply(Code.OK)

    def _set_addr(self, params: bytes) -> Outcome:
        (self.address,) = struct.unpack(">I", params[:4])
        return self._reply(Code.OK)  # already from the new address

    def _read_sys_para(self, params: bytes) -> Outcome:
        return self._reply(Code.OK, codec.encode_parameters(self.parameters()))

    def _set_sys_para(self, params: bytes) -> Outcome:
        register, value = params[0], params[1]
        if register == 4 and 1 <= value <= 12:
            self.baud = value * codec.BAUD_UNIT
        elif register == 5 and value in LEVEL_MIN_SCORE:
            self.security_level = value
        elif register == 6 and value < len(codec.PACKET_SIZES):
            self.packet_size = codec.PACKET_SIZES[value]
        else:
            return self._reply(Code.INVALID_REGISTER)
        return self._reply(Code.OK)

    def _gen_img(self, params: bytes) -> Outcome:
        if self.lift_polls_left:
            self.lift_polls_left -= 1
            return self._reply(Code.NO_FINGER, busy_s=self.timings.gen_img_no_finger_s)
        if not self.touches:
            return self._reply(Code.NO_FINGER, busy_s=self.timings.gen_img_no_finger_s)
        touch = self.touches[0]
        rng = touch.rng or self.rng
        image_failed, _, _ = fingers.capture_outcome(touch.quality, rng)
        if image_failed:
            self.image = None
            return self._reply(Code.CAPTURE_FAILED, busy_s=self.timings.gen_img_s)
        self.image = (touch.finger_id, touch.quality)
        self.image_rng = rng
        if touch.captures is not None:
            touch.captures -= 1
            if touch.captures <= 0:
                self.touches.popleft()
                self.lift_polls_left = touch.lift_polls
        return self._reply(Code.OK, busy_s=self.timings.gen_img_s)

    def _img2tz(self, params: bytes) -> Outcome:
        buffer = self._buffer_id(params)
        busy = self.timings.img2tz_s
        if buffer is None:
            return self._reply(Code.INVALID_REGISTER)
        if self.image is None:
            return self._reply(Code.NO_IMAGE, busy_s=busy)
        finger_id, quality = self.image
        _, messy, few = fingers.capture_outcome(quality, self.image_rng)
        if messy or few:
            self.buffers[buffer] = None
            return self._reply(Code.IMAGE_MESSY if messy else Code.TOO_FEW_FEATURES, busy_s=busy)
        features = fingers.capture(finger_id, quality, self.image_rng)
        self.buffers[buffer] = fingers.pack(features, self.template_bytes)
        return self._reply(Code.OK, busy_s=busy)

    def _features(self, buffer: int) -> list[int] | None:
        data = self.buffers.get(buffer)
        return fingers.unpack(data) if data is not None else None

    def _reg_model(self, params: bytes) -> Outcome:
        busy = self.timings.reg_model_s
        a, b = self._features(1), self._features(2)
        if a is None or b is None or fingers.score(a, b) < LEVEL_MIN_SCORE[self.security_level]:
            return self._reply(Code.CANNOT_COMBINE, busy_s=busy)
        model = fingers.pack(fingers.combine(a, b), self.template_bytes)
        self.buffers[1] = self.buffers[2] = model
        return self._reply(Code.OK, busy_s=busy)

    def _match(self, params: bytes) -> Outcome:
        busy = self.timings.match_s
        a, b = self._features(1), self._features(2)
        if a is None or b is None:
            return self._reply(Code.TEMPLATE_INVALID, codec.u16(0), busy_s=busy)
        points = fingers.score(a, b)
        matched = points >= LEVEL_MIN_SCORE[self.security_level]
        return self._reply(Code.OK if matched else Code.NO_MATCH, codec.u16(points), busy_s=busy)

    def _search(self, params: bytes) -> Outcome:
        busy = self.timings.search_s
        buffer = self._buffer_id(params)
        start, count = struct.unpack(">HH", params[1:5])
        probe = self._features(buffer) if buffer else None
        if probe is None:
            return self._reply(Code.TEMPLATE_INVALID, bytes(4), busy_s=busy)
        best_page, best = 0, -1
        for page in range(start, min(start + count, self.library_size)):
            stored = self.library.get(page)
            features = fingers.unpack(stored) if stored else None
            if features is not None and (points := fingers.score(probe, features)) > best:
                best_page, best = page, points
        if best < LEVEL_MIN_SCORE[self.security_level]:
            return self._reply(Code.NOT_FOUND, bytes(4), busy_s=busy)
        return self._reply(Code.OK, codec.u16(best_page) + codec.u16(best), busy_s=busy)

    def _store(self, params: bytes) -> Outcome:
        buffer = self._buffer_id(params)
        (page,) = struct.unpack(">H", params[1:3])
        if page >= self.library_size:
            return self._reply(Code.BAD_LOCATION)
        data = self.buffers.get(buffer) if buffer else None
        if data is None or fingers.unpack(data) is None:
            return self._reply(Code.TEMPLATE_INVALID)
        self.library[page] = data
        return self._reply(Code.OK, busy_s=self.timings.store_s)

    def _load_char(self, params: bytes) -> Outcome:
        buffer = self._buffer_id(params)
        (page,) = struct.unpack(">H", params[1:3])
        if buffer is None or page >= self.library_size:
            return self._reply(Code.BAD_LOCATION)
        if page not in self.library:
            return self._reply(Code.TEMPLATE_INVALID)
        self.buffers[buffer] = self.library[page]
        return self._reply(Code.OK, busy_s=self.timings.load_s)

    def _up_char(self, params: bytes) -> Outcome:
        buffer = self._buffer_id(params)
        data = self.buffers.get(buffer) if buffer else None
        if data is None:
            return self._reply(Code.TEMPLATE_UPLOAD_FAILED)
        out = self._reply(Code.OK)
        out.frames += codec.data_packets(data, self.packet_size, self.address)
        return out

    def _down_char(self, params: bytes) -> Outcome:
        buffer = self._buffer_id(params)
        if buffer is None:
            return self._reply(Code.DATA_RECEIVE_FAILED)
        self.receiving = (buffer, bytearray())
        return self._reply(Code.OK)

    def _data(self, frame: Frame) -> Outcome:
        if self.receiving is None:
            return Outcome()  # data nobody asked for is dropped, as on the device
        buffer, received = self.receiving
        received += frame.payload
        if len(received) > 4 * self.template_bytes:
            self.receiving = None
        elif frame.type == PacketType.END_DATA:
            self.buffers[buffer] = bytes(received)
            self.receiving = None
        return Outcome()

    def _delete_char(self, params: bytes) -> Outcome:
        page, count = struct.unpack(">HH", params[:4])
        if count == 0 or page + count > self.library_size:
            return self._reply(Code.DELETE_FAILED)
        for p in range(page, page + count):
            self.library.pop(p, None)
        return self._reply(Code.OK, busy_s=self.timings.delete_s)

    def _empty(self, params: bytes) -> Outcome:
        self.library.clear()
        return self._reply(Code.OK, busy_s=self.timings.empty_s)

    def _template_num(self, params: bytes) -> Outcome:
        return self._reply(Code.OK, codec.u16(len(self.library)))

    def _read_index_table(self, params: bytes) -> Outcome:
        index_page = params[0]
        if index_page > 3:
            return self._reply(Code.INVALID_REGISTER)
        table = bytearray(32)
        for page in self.library:
            if index_page * 256 <= page < (index_page + 1) * 256:
                offset = page - index_page * 256
                table[offset // 8] |= 1 << (offset % 8)
        return self._reply(Code.OK, bytes(table))

    def _aura_led(self, params: bytes) -> Outcome:
        if not self.has_led:
            return self._reply(Code.PACKET_ERROR)
        mode, speed, color, cycles = params[0], params[1], params[2], params[3]
        if not 1 <= mode <= 6:
            return self._reply(Code.INVALID_REGISTER)
        self.led = (mode, speed, color, cycles)
        return self._reply(Code.OK)

    def _random_code(self, params: bytes) -> Outcome:
        return self._reply(Code.OK, codec.u32(self.rng.getrandbits(32)))

    def power_on(self) -> None:
        """What a reset loses: the image, both character buffers, the password check, a transfer in progress."""
        self.buffers = {1: None, 2: None}
        self.image = None
        self.receiving = None
        self.led = None
        self.password_verified = self.password == 0

    def _soft_reset(self, params: bytes) -> Outcome:
        self.power_on()
        out = self._reply(Code.OK)
        out.trailer = bytes([Code.ECHO_OK])
        return out
