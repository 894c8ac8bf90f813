"""The co-processor link's wire format, shared byte-for-byte by the firmware and the host driver.

Framing: every frame is ``0x00 COBS(kind seq payload crc16) 0x00``. COBS removes every zero byte from the frame, so
0x00 only ever delimits: a receiver that sees noise throws away at most the frame it is in and resynchronises on the
next delimiter. The CRC is CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, big-endian on the wire) over kind, seq and
payload. Reliability: every frame except ACK carries a sequence number and is acknowledged with ``ACK seq``; a sender
keeps one frame outstanding and retransmits it until acknowledged; a receiver acknowledges duplicates again but delivers
them once. Sequence 0 marks the first frame after a (re)start and is always delivered; then 1..255 wrap.

This module is written in the subset of Python that MicroPython runs (no typing, dataclasses, enum, slice steps or
keyword arguments to built-ins) and allocates nothing per byte: buffers are made once in the constructors.
"""

PROTOCOL_VERSION = 1

MAX_PAYLOAD = 64
MAX_BODY = 2 + MAX_PAYLOAD  # kind, seq, payload
MAX_FRAME = MAX_BODY + 2  # + CRC-16
MAX_ENCODED = MAX_FRAME + 1 + MAX_FRAME // 254  # COBS overhead, without delimiters
MAX_WIRE = MAX_ENCODED + 2  # with the leading and trailing delimiter

NO_SEQ = -1

# Frame kinds. ACK is the only kind without a sequence number of its own: its seq is the one it acknowledges.
K_ACK = 0x01
# Host -> firmware commands; the firmware answers every one with K_RESULT.
K_IDENTIFY = 0x10  # -> proto u8, boot reason u8, n u8, n command kinds, firmware version (ASCII, rest)
K_HEARTBEAT = 0x11  # -> flags u8; feeds the Pi watchdog
K_STATUS = 0x12  # -> FMT_STATUS; does not feed the watchdog
K_LIGHT = 0x13  # FMT_LIGHT: level, red, green, blue
K_PATTERN = 0x14  # FMT_PATTERN: index into PATTERN_NAMES
K_BUZZ = 0x15  # FMT_BUZZ: frequency Hz, duration ms
K_JOURNEY = 0x16  # FMT_JOURNEY: 1 while a citizen is in a journey (tamper then latches)
K_TAMPER_ACK = 0x17  # clears the tamper latch; refused with R_STILL_OPEN while the enclosure is open
K_WATCHDOG = 0x18  # FMT_WATCHDOG: enabled, warn after ms, grace ms, power-off ms, boot grace ms, max cycles
K_MAINTENANCE = 0x19  # FMT_MAINTENANCE: M_REPL (stop, Ctrl-C works again: mpremote) or M_BOOTLOADER (UF2 flashing)
# Firmware -> host.
K_RESULT = 0x20  # FMT_RESULT_HEAD (for seq, for kind, code) + data from RESULT_DATA
K_BOOTED = 0x30  # FMT_BOOTED: boot reason
K_TAMPER = 0x31  # FMT_TAMPER: open, latched
K_PRESENCE = 0x32  # no payload
K_WATCHDOG_WARNING = 0x33  # FMT_WARNING: ms until the Pi is power-cycled
K_POWER_CYCLE = 0x34  # FMT_POWER_CYCLE: ms the Pi's power stays off (best effort: the host is about to lose power)

COMMANDS = (
    K_IDENTIFY,
    K_HEARTBEAT,
    K_STATUS,
    K_LIGHT,
    K_PATTERN,
    K_BUZZ,
    K_JOURNEY,
    K_TAMPER_ACK,
    K_WATCHDOG,
    K_MAINTENANCE,
)

FMT_RESULT_HEAD = ">BBB"
RESULT_DATA = 3
FMT_IDENTIFY_HEAD = ">BBB"
FMT_FLAGS = ">B"
FMT_STATUS = ">BBBBBBHII"  # flags, level, red, green, blue, pattern, power cycles, uptime s, free heap bytes
FMT_LIGHT = ">BBBB"
FMT_PATTERN = ">B"
FMT_BUZZ = ">HH"
FMT_JOURNEY = ">B"
FMT_WATCHDOG = ">BIIHIB"
FMT_MAINTENANCE = ">B"
FMT_BOOTED = ">B"
FMT_TAMPER = ">BB"
FMT_WARNING = ">I"
FMT_POWER_CYCLE = ">H"

# Result codes.
R_OK = 0
R_UNKNOWN_COMMAND = 1
R_BAD_LENGTH = 2
R_BAD_VALUE = 3
R_STILL_OPEN = 4
RESULT_NAMES = ("ok", "unknown_command", "bad_length", "bad_value", "still_open")

M_REPL = 1
M_BOOTLOADER = 2

# Status flags (heartbeat and status replies).
F_TAMPER_OPEN = 0x01
F_TAMPER_LATCHED = 0x02
F_PRESENCE = 0x04
F_WATCHDOG_ARMED = 0x08
F_IN_JOURNEY = 0x10

PATTERN_NAMES = ("off", "idle", "busy", "attention", "error", "out_of_service")
BOOT_REASON_NAMES = ("unknown", "power_on", "watchdog", "reset")


def crc16(data: bytes | bytearray | memoryview, n: int) -> int:
    """CRC-16/CCITT-FALSE of the first n bytes (the check value of b'123456789' is 0x29B1)."""
    crc = 0xFFFF
    for i in range(n):
        x = ((crc >> 8) ^ data[i]) & 0xFF
        x ^= x >> 4
        crc = ((crc << 8) ^ (x << 12) ^ (x << 5) ^ x) & 0xFFFF
    return crc


def cobs_encode_into(src: bytes | bytearray | memoryview, n: int, dst: bytearray | memoryview, at: int) -> int:
    """COBS-encode src[:n] into dst from index `at`; returns the index after the last byte written."""
    code_at = at
    out = at + 1
    code = 1
    for i in range(n):
        b = src[i]
        if b:
            dst[out] = b
            out += 1
            code += 1
        if not b or code == 0xFF:
            dst[code_at] = code
            code = 1
            code_at = out
            if not b or i + 1 < n:
                out += 1
    dst[code_at] = code
    return out


def cobs_decode_into(src: bytes | bytearray | memoryview, n: int, dst: bytearray | memoryview) -> int:
    """Decode COBS src[:n] (no delimiter) into dst; returns the decoded length, or -1 if src is not valid COBS."""
    i = 0
    out = 0
    limit = len(dst)
    while i < n:
        code = src[i]
        if code == 0:
            return -1
        i += 1
        end = i + code - 1
        if end > n or out + code > limit + 1:
            return -1
        while i < end:
            b = src[i]
            if b == 0:
                return -1
            dst[out] = b
            out += 1
            i += 1
        if code != 0xFF and i < n:
            if out >= limit:
                return -1
            dst[out] = 0
            out += 1
    return out


class Framer:
    """Builds one wire frame at a time into its own buffer (`out`), so retransmitting costs no allocation."""

    def __init__(self) -> None:
        self.body = bytearray(MAX_FRAME)
        self.out = bytearray(MAX_WIRE)
        self.length = 0

    def build(self, kind: int, seq: int, payload: bytes | bytearray | memoryview, n: int) -> int:
        """Frame `payload[:n]`; returns the wire length, the frame being `out[:length]`."""
        if n > MAX_PAYLOAD:
            raise ValueError("payload too long")
        body = self.body
        body[0] = kind
        body[1] = seq & 0xFF
        for i in range(n):
            body[2 + i] = payload[i]
        m = 2 + n
        crc = crc16(body, m)
        body[m] = crc >> 8
        body[m + 1] = crc & 0xFF
        out = self.out
        out[0] = 0
        end = cobs_encode_into(body, m + 2, out, 1)
        out[end] = 0
        self.length = end + 1
        return self.length


class Deframer:
    """Turns a byte stream into checked frame bodies, one byte at a time; noise costs at most the frame it hits."""

    def __init__(self) -> None:
        self.raw = bytearray(MAX_ENCODED)
        self.body = bytearray(MAX_ENCODED)
        self._n = 0
        self._overflow = False
        self.frames = 0
        self.bad_frames = 0

    def push(self, b: int) -> int:
        """Feed one byte; returns the length of a valid body now in `body` (kind, seq, payload; CRC removed) or -1."""
        if b:
            if self._n < MAX_ENCODED:
                self.raw[self._n] = b
                self._n += 1
            else:
                self._overflow = True
            return -1
        n = self._n
        self._n = 0
        if self._overflow:
            self._overflow = False
            self.bad_frames += 1
            return -1
        if n == 0:
            return -1  # back-to-back delimiters: idle, not an error
        m = cobs_decode_into(self.raw, n, self.body)
        if m < 4:
            self.bad_frames += 1
            return -1
        body = self.body
        if crc16(body, m - 2) != (body[m - 2] << 8) | body[m - 1]:
            self.bad_frames += 1
            return -1
        self.frames += 1
        return m - 2


class Endpoint:
    """One side's sequence numbers: the seq of its outstanding frame and the last seq delivered from the peer."""

    def __init__(self) -> None:
        self._next = 0
        self.awaiting = NO_SEQ
        self.peer_last = NO_SEQ

    def take_seq(self) -> int:
        """The seq for the next reliable frame; it becomes the one awaiting acknowledgement."""
        seq = self._next
        self._next = 1 if seq == 255 else seq + 1
        self.awaiting = seq
        return seq

    def acked(self, seq: int) -> bool:
        """Record an ACK; True if it acknowledges the outstanding frame (stale or stray ACKs are ignored)."""
        if seq == self.awaiting:
            self.awaiting = NO_SEQ
            return True
        return False

    def abandon(self) -> None:
        self.awaiting = NO_SEQ

    def fresh(self, seq: int) -> bool:
        """True if a received frame is new and must be delivered; False for a retransmitted duplicate."""
        if seq == 0 or seq != self.peer_last:
            self.peer_last = seq
            return True
        return False
