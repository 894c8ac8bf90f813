"""The sensor family's packet format as pure functions: frames, checksums, data-packet streams, parameter blocks.

`EF 01 | address (4) | type (1) | length (2) | payload | checksum (2)`, big-endian; length counts payload + checksum;
checksum = low 16 bits of (type + both length bytes + payload bytes). No I/O here: the driver and the simulated
sensor share it.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from kiosk.drivers.finger import BadFrame, SystemParameters

START = b"\xef\x01"
HEADER_BYTES = 9  # start (2) + address (4) + type (1) + length (2)
CHECKSUM_BYTES = 2
DEFAULT_ADDRESS = 0xFFFFFFFF
PACKET_SIZES = (32, 64, 128, 256)  # ReadSysPara's packet-size code is the index
MAX_LENGTH = max(PACKET_SIZES) + CHECKSUM_BYTES  # the longest frame the family sends: a full 256-byte data packet
BAUD_UNIT = 9600  # ReadSysPara reports the baud rate as a multiple of this
SYS_PARAMS_BYTES = 16


class PacketType(enum.IntEnum):
    COMMAND = 0x01
    DATA = 0x02
    ACK = 0x07
    END_DATA = 0x08


class Instruction(enum.IntEnum):
    GEN_IMG = 0x01
    IMG2TZ = 0x02
    MATCH = 0x03
    SEARCH = 0x04
    REG_MODEL = 0x05
    STORE = 0x06
    LOAD_CHAR = 0x07
    UP_CHAR = 0x08
    DOWN_CHAR = 0x09
    UP_IMAGE = 0x0A
    DOWN_IMAGE = 0x0B
    DELETE_CHAR = 0x0C
    EMPTY = 0x0D
    SET_SYS_PARA = 0x0E
    READ_SYS_PARA = 0x0F
    SET_PWD = 0x12
    VFY_PWD = 0x13
    GET_RANDOM_CODE = 0x14
    SET_ADDR = 0x15
    HIGH_SPEED_SEARCH = 0x1B
    TEMPLATE_NUM = 0x1D
    READ_INDEX_TABLE = 0x1F
    AURA_LED_CONFIG = 0x35
    SOFT_RESET = 0x3D
    GET_ECHO = 0x53


class Code(enum.IntEnum):
    """Confirmation codes (the first payload byte of every reply)."""

    OK = 0x00
    PACKET_ERROR = 0x01
    NO_FINGER = 0x02
    CAPTURE_FAILED = 0x03
    IMAGE_MESSY = 0x06
    TOO_FEW_FEATURES = 0x07
    NO_MATCH = 0x08
    NOT_FOUND = 0x09
    CANNOT_COMBINE = 0x0A
    BAD_LOCATION = 0x0B
    TEMPLATE_INVALID = 0x0C
    TEMPLATE_UPLOAD_FAILED = 0x0D
    DATA_RECEIVE_FAILED = 0x0E
    IMAGE_UPLOAD_FAILED = 0x0F
    DELETE_FAILED = 0x10
    EMPTY_FAILED = 0x11
    WRONG_PASSWORD = 0x13
    NO_IMAGE = 0x15
    FLASH_ERROR = 0x18
    INVALID_REGISTER = 0x1A
    LIBRARY_FULL = 0x1F
    ADDRESS_INCORRECT = 0x20
    PASSWORD_REQUIRED = 0x21
    ECHO_OK = 0x55  # GetEcho and the byte a sensor sends after power-up or a soft reset


@dataclass(frozen=True)
class Frame:
    address: int
    type: int
    payload: bytes


def checksum(packet_type: int, payload: bytes) -> int:
    length = len(payload) + CHECKSUM_BYTES
    return (packet_type + (length >> 8) + (length & 0xFF) + sum(payload)) & 0xFFFF


def encode(frame: Frame) -> bytes:
    length = len(frame.payload) + CHECKSUM_BYTES
    if not 1 <= len(frame.payload) <= MAX_LENGTH - CHECKSUM_BYTES:
        raise ValueError(f"payload of {len(frame.payload)} bytes does not fit a frame")
    header = START + struct.pack(">IBH", frame.address, frame.type, length)
    return header + frame.payload + struct.pack(">H", checksum(frame.type, frame.payload))


def command(instruction: int, params: bytes = b"", address: int = DEFAULT_ADDRESS) -> bytes:
    return encode(Frame(address, PacketType.COMMAND, bytes([instruction]) + params))


def reply(code: int, data: bytes = b"", address: int = DEFAULT_ADDRESS) -> bytes:
    return encode(Frame(address, PacketType.ACK, bytes([code]) + data))


def data_packets(data: bytes, packet_size: int, address: int = DEFAULT_ADDRESS) -> list[bytes]:
    """`data` as a stream of data packets of `packet_size` bytes, the last one typed END_DATA."""
    if packet_size not in PACKET_SIZES:
        raise ValueError(f"packet size {packet_size} is not one of {PACKET_SIZES}")
    if not data:
        raise ValueError("no data to send")
    chunks = [data[i : i + packet_size] for i in range(0, len(data), packet_size)]
    last = len(chunks) - 1
    return [
        encode(Frame(address, PacketType.END_DATA if i == last else PacketType.DATA, chunk))
        for i, chunk in enumerate(chunks)
    ]


def parse_header(header: bytes) -> tuple[int, int, int]:
    """(address, type, length) of a 9-byte header; BadFrame when it cannot start a frame of this family."""
    if len(header) != HEADER_BYTES:
        raise BadFrame(f"header of {len(header)} bytes")
    if header[:2] != START:
        raise BadFrame(f"bad start code {header[:2].hex()}")
    address, packet_type, length = struct.unpack(">IBH", header[2:])
    if packet_type not in PacketType.__members__.values():
        raise BadFrame(f"unknown packet type {packet_type:#04x}")
    if not CHECKSUM_BYTES + 1 <= length <= MAX_LENGTH:
        raise BadFrame(f"impossible length {length}")
    return address, packet_type, length


def parse_body(address: int, packet_type: int, body: bytes) -> Frame:
    """The frame whose header gave (`address`, `packet_type`) and whose payload + checksum is `body`."""
    payload, received = body[:-CHECKSUM_BYTES], body[-CHECKSUM_BYTES:]
    expected = checksum(packet_type, payload)
    if struct.unpack(">H", received)[0] != expected:
        raise BadFrame(f"checksum {received.hex()} != {expected:04x}")
    return Frame(address, packet_type, payload)


def decode(raw: bytes) -> Frame:
    """Exactly one frame from `raw`; BadFrame on anything else."""
    address, packet_type, length = parse_header(raw[:HEADER_BYTES])
    if len(raw) != HEADER_BYTES + length:
        raise BadFrame(f"frame of {len(raw)} bytes, header says {HEADER_BYTES + length}")
    return parse_body(address, packet_type, raw[HEADER_BYTES:])


@dataclass(frozen=True)
class Garbled:
    """What a stream decoder yields for bytes that failed to form a frame (so a sensor can answer PACKET_ERROR)."""

    raw: bytes
    why: str


class StreamDecoder:
    """Incremental decoding of a byte stream into frames, skipping noise before a start code."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> Iterator[Frame | Garbled]:
        self._buffer += data
        while True:
            start = self._buffer.find(START)
            if start < 0:
                # keep a trailing EF: it may be the first half of a start code
                keep = 1 if self._buffer.endswith(START[:1]) else 0
                if len(self._buffer) > keep:
                    yield Garbled(bytes(self._buffer[: len(self._buffer) - keep]), "noise")
                    del self._buffer[: len(self._buffer) - keep]
                return
            if start > 0:
                yield Garbled(bytes(self._buffer[:start]), "noise")
                del self._buffer[:start]
            if len(self._buffer) < HEADER_BYTES:
                return
            try:
                address, packet_type, length = parse_header(bytes(self._buffer[:HEADER_BYTES]))
            except BadFrame as e:
                yield Garbled(bytes(self._buffer[:2]), str(e))
                del self._buffer[:2]
                continue
            end = HEADER_BYTES + length
            if len(self._buffer) < end:
                return
            raw = bytes(self._buffer[:end])
            del self._buffer[:end]
            try:
                yield parse_body(address, packet_type, raw[HEADER_BYTES:])
            except BadFrame as e:
                yield Garbled(raw, str(e))

    @property
    def pending(self) -> int:
        return len(self._buffer)


def encode_parameters(params: SystemParameters) -> bytes:
    return struct.pack(
        ">HHHHIHH",
        params.status_register,
        params.system_id,
        params.library_size,
        params.security_level,
        params.address,
        packet_size_code(params.packet_size_bytes),
        params.baud // BAUD_UNIT,
    )


def decode_parameters(block: bytes) -> SystemParameters:
    if len(block) < SYS_PARAMS_BYTES:
        raise BadFrame(f"system parameters of {len(block)} bytes, need {SYS_PARAMS_BYTES}")
    status, system_id, library, level, address, size_code, baud_n = struct.unpack(">HHHHIHH", block[:16])
    if size_code >= len(PACKET_SIZES):
        raise BadFrame(f"unknown packet size code {size_code}")
    return SystemParameters(status, system_id, library, level, address, PACKET_SIZES[size_code], baud_n * BAUD_UNIT)


def packet_size_code(packet_size: int) -> int:
    if packet_size not in PACKET_SIZES:
        raise ValueError(f"packet size {packet_size} is not one of {PACKET_SIZES}")
    return PACKET_SIZES.index(packet_size)


def u16(value: int) -> bytes:
    return struct.pack(">H", value)


def u32(value: int) -> bytes:
    return struct.pack(">I", value)
