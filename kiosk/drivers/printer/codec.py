"""ESC/POS as pure bytes, shared by the driver and the simulated printer: commands out, status bytes in. No I/O."""

from __future__ import annotations

import enum
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image

ESC = 0x1B
GS = 0x1D
DLE = 0x10
EOT = 0x04
DC4 = 0x14
LF = 0x0A

INIT = bytes([ESC, 0x40])  # ESC @
PAPER_SENSOR_STATUS = bytes([GS, 0x72, 0x01])  # GS r 1: answered only once everything before it is processed
# DLE DC4 fn=8: clear the receive and print buffers (real-time), so a failed copy's remainder is never printed later.
CLEAR_BUFFERS = bytes([DLE, DC4, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08])
# GS ( H pL pH fn=48 m=48 d1..d4: "transmit the process ID response" once everything before it has been processed
# (for printing data: once printed). Epson ESC/POS reference, GS ( H <Function 48>: format 1D 28 48 06 00 30 30
# d1 d2 d3 d4, 32 <= d <= 126. The answer is a "Header to NUL" block: 37H (header), 22H (identifier), d1..d4, 00H;
# a field probe of an Epson-compatible printer (XP-S260M) logged exactly `37 22 50 30 30 31 00` for ID "P001".
PROCESS_ID_PREFIX = bytes([GS, 0x28, 0x48, 0x06, 0x00, 0x30, 0x30])
PROCESS_ID_HEADER = 0x37
PROCESS_ID_IDENTIFIER = 0x22
PROCESS_ID_LENGTH = 4
PROCESS_ID_ALPHABET = bytes(range(0x30, 0x7B))  # '0'..'z': printable, within the command's 32..126
MAX_BAND_ROWS = 0xFFFF
ASB_ALL = 0x0E  # online/offline, errors, roll paper sensor (not the drawer)


def enable_asb(flags: int = ASB_ALL) -> bytes:
    """GS a n: have the printer report status changes unsolicited (4-byte blocks); 0 turns it off."""
    return bytes([GS, 0x61, flags])


MAX_FEED_DOTS = 255


def process_id_request(process_id: bytes) -> bytes:
    """GS ( H fn 48: the printer answers `process_id_answer(process_id)` after processing everything before it."""
    if len(process_id) != PROCESS_ID_LENGTH or any(not 0x20 <= b <= 0x7E for b in process_id):
        raise ValueError(f"a process ID is {PROCESS_ID_LENGTH} printable ASCII bytes, not {process_id!r}")
    return PROCESS_ID_PREFIX + process_id


def process_id_answer(process_id: bytes) -> bytes:
    """What the printer sends back for GS ( H fn 48: header 37H, identifier 22H, the ID, NUL."""
    return bytes([PROCESS_ID_HEADER, PROCESS_ID_IDENTIFIER]) + process_id + b"\x00"


def new_process_id(previous: bytes | None = None) -> bytes:
    """A fresh random ID (never the previous one), so a stale or noisy answer cannot confirm this job."""
    while True:
        candidate = bytes(secrets.choice(PROCESS_ID_ALPHABET) for _ in range(PROCESS_ID_LENGTH))
        if candidate != previous:
            return candidate


def status_request(n: int) -> bytes:
    """DLE EOT n (n = 1..4): answered at once, even offline or mid-job."""
    if n not in (1, 2, 3, 4):
        raise ValueError(f"DLE EOT n: n is 1..4, not {n}")
    return bytes([DLE, EOT, n])


def dots_of(image: Image.Image) -> NDArray[np.bool_]:
    """The image as printer dots: True = burn (black)."""
    gray = np.asarray(image.convert("L"))
    return gray < 128


def raster_band(dots: NDArray[np.bool_]) -> bytes:
    """GS v 0 m=0 for `dots` (rows x width); the width is padded to whole bytes, 1 bits are black."""
    rows = dots.shape[0]
    if rows > MAX_BAND_ROWS:
        raise ValueError(f"a band has at most {MAX_BAND_ROWS} rows")
    packed = np.packbits(dots, axis=1)
    width_bytes = packed.shape[1]
    header = bytes([GS, 0x76, 0x30, 0x00, width_bytes & 0xFF, width_bytes >> 8, rows & 0xFF, rows >> 8])
    return header + packed.tobytes()


def raster_bands(image: Image.Image, band_rows: int) -> Iterator[bytes]:
    """The image as consecutive GS v 0 commands of at most `band_rows` rows each (printers buffer a band at a time)."""
    if not 1 <= band_rows <= MAX_BAND_ROWS:
        raise ValueError("band_rows out of range")
    dots = dots_of(image)
    for top in range(0, dots.shape[0], band_rows):
        yield raster_band(dots[top : top + band_rows])


def trimmed(dots: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The band without its white right-hand side: raster data is printed from the left edge (after ESC @, which
    resets the justification to left), so a narrower band puts every dot in the same place."""
    columns = np.where(dots.any(axis=0))[0]
    if columns.size == 0:
        return dots[:, :8]
    return dots[:, : -(-(int(columns[-1]) + 1) // 8) * 8]


def raster_commands(
    image: Image.Image, band_rows: int, min_blank_rows: int = 0, *, trim_right: bool = False
) -> Iterator[bytes]:
    """Like `raster_bands`, but runs of at least `min_blank_rows` white rows become paper feeds (ESC J), which take
    3 bytes instead of a full row of zeros each: a text document is 40-50 % blank rows. 0 sends every row.
    With `trim_right`, each band is cut after its last inked byte column."""
    return streamed_raster_commands([image], band_rows, min_blank_rows, trim_right=trim_right)


def streamed_raster_commands(
    strips: Iterable[Image.Image], band_rows: int, min_blank_rows: int = 0, *, trim_right: bool = False
) -> Iterator[bytes]:
    """`raster_commands` of the image the `strips` make stacked top to bottom, each command given as soon as the
    rows it depends on have come: the same bytes, however the image is cut into strips."""
    encoder = RasterEncoder(band_rows, min_blank_rows, trim_right=trim_right)
    for strip in strips:
        yield from encoder.feed(dots_of(strip))
    yield from encoder.finish()


class RasterEncoder:
    """Raster rows in, commands out as soon as they are decided: a band once `band_rows` rows (or the end) are
    here, a blank run once the next inked row (or the end) is."""

    def __init__(self, band_rows: int, min_blank_rows: int = 0, *, trim_right: bool = False) -> None:
        if not 1 <= band_rows <= MAX_BAND_ROWS:
            raise ValueError("band_rows out of range")
        self.band_rows = band_rows
        self.min_blank_rows = min_blank_rows
        self._fit = trimmed if trim_right else (lambda band: band)
        self._dots: NDArray[np.bool_] | None = None

    def feed(self, dots: NDArray[np.bool_]) -> list[bytes]:
        """The commands the rows so far decide (`dots`: rows x width, True = burn)."""
        self._dots = dots if self._dots is None else np.concatenate([self._dots, dots])
        return self._drain(final=False)

    def finish(self) -> list[bytes]:
        """The commands for the rows still held: the image ends here."""
        return self._drain(final=True)

    def _drain(self, *, final: bool) -> list[bytes]:
        dots = self._dots
        if dots is None:
            return []
        out: list[bytes] = []
        height = dots.shape[0]
        inked: NDArray[np.bool_] = np.asarray(dots.any(axis=1), dtype=bool)
        row = 0
        while row < height:
            if self.min_blank_rows <= 0:
                if row + self.band_rows > height and not final:
                    break
                out.append(raster_band(self._fit(dots[row : row + self.band_rows])))
                row += self.band_rows
                continue
            if not inked[row]:
                end = row
                while end < height and not inked[end]:
                    end += 1
                if end == height and not final:
                    break  # the run may go on in rows still to come
                if end - row >= self.min_blank_rows:
                    out.append(feed_dots(end - row))
                    row = end
                    continue
            if row + self.band_rows > height and not final:
                break  # the band may reach into rows still to come
            end = _band_end(inked, row, self.band_rows, self.min_blank_rows)
            out.append(raster_band(self._fit(dots[row:end])))
            row = end
        self._dots = dots[row:]
        return out


def _band_end(inked: NDArray[np.bool_], start: int, band_rows: int, min_blank_rows: int) -> int:
    """Where the band from `start` ends: at `band_rows`, the image's end, or the start of a long blank run."""
    limit = min(start + band_rows, int(inked.shape[0]))
    blank_run = 0
    for r in range(start, limit):
        blank_run = 0 if inked[r] else blank_run + 1
        if blank_run >= min_blank_rows:
            return int(r - blank_run + 1)
    return limit


def feed_dots(n: int) -> bytes:
    """ESC J n: print the line buffer and feed n dots (n split into commands of at most 255)."""
    out = bytearray()
    while n > 0:
        step = min(n, MAX_FEED_DOTS)
        out += bytes([ESC, 0x4A, step])
        n -= step
    return bytes(out)


def cut(*, partial: bool = True) -> bytes:
    """GS V m: cut here (m = 1 partial, leaving a hinge so the paper does not fall; m = 0 full)."""
    return bytes([GS, 0x56, 0x01 if partial else 0x00])


# ---- what the printer sends back --------------------------------------------------------------------------------


def is_realtime_status(b: int) -> bool:
    """A DLE EOT answer: bits 1 and 4 set, bits 0 and 7 clear (0xx1xx10)."""
    return b & 0x93 == 0x12


def is_asb_first(b: int) -> bool:
    """The first byte of an automatic status back block: bit 4 set, bits 0, 1, 7 clear (0xx1xx00)."""
    return b & 0x93 == 0x10


def is_asb_rest(b: int) -> bool:
    """Bytes 2..4 of an ASB block and a GS r answer: bits 4 and 7 clear."""
    return b & 0x90 == 0


class ResponseKind(enum.Enum):
    REALTIME = "realtime"  # an answer to DLE EOT n
    PAPER = "paper"  # an answer to GS r 1
    PROCESS_ID = "process_id"  # an answer to GS ( H fn 48; data = the 4-byte ID
    ASB = "asb"  # 4 unsolicited bytes
    GARBAGE = "garbage"  # anything else: line noise, a printer's boot banner


@dataclass(frozen=True)
class Response:
    kind: ResponseKind
    data: bytes


MAX_INTERLEAVED = 32  # foreign bytes a process-ID answer may have inside it before the candidate is dropped
_ANSWER_LENGTH = 3 + PROCESS_ID_LENGTH


class _Frame:
    """A process-ID answer being received, from its 37H header on.

    Read two ways at once: strictly (37 22 d1..d4 00 with printable d, whatever the ID: a clean answer, even a stale
    one, is consumed whole instead of being misread as status bytes), and, when an ID is expected, tolerantly: the
    expected 7 bytes in order with at most MAX_INTERLEAVED foreign bytes (line noise, an ASB block) among them.
    Foreign bytes go on to the ordinary classifier at once, so a status answer never waits behind a candidate.
    """

    def __init__(self, expected: bytes | None) -> None:
        self.raw = bytearray([PROCESS_ID_HEADER])
        self.expected = process_id_answer(expected) if expected is not None else None
        self.strict = True
        self.matched = 1  # bytes of `expected` found so far (the header)
        self.held: list[int] = []  # raw indexes kept back while the strict reading may still succeed
        self.passed = 0  # foreign bytes sent on

    def strict_fits(self, b: int) -> bool:
        i = len(self.raw)
        if i == 1:
            return b == PROCESS_ID_IDENTIFIER
        if i < _ANSWER_LENGTH - 1:
            return 0x20 <= b <= 0x7E
        return b == 0


class ResponseParser:
    """Turns the printer's byte stream into responses, tolerating ASB blocks and garbage anywhere.

    An ASB candidate that breaks off before its 4th byte was garbage: its first byte is dropped and the others are
    read again, so an answer that happened to follow a stray 0x10 is not lost. `expect_process_id(id)` makes the
    parser find that ID's answer even with noise inside it (see `_Frame`).
    """

    def __init__(self) -> None:
        self._asb = bytearray()
        self._frame: _Frame | None = None
        self._expected: bytes | None = None

    def expect_process_id(self, process_id: bytes | None) -> None:
        """The process ID whose answer is awaited (None: none)."""
        self._expected = process_id

    @property
    def in_answer(self) -> bool:
        """Bytes of a process-ID answer candidate are being held back."""
        return self._frame is not None

    def flush(self) -> list[Response]:
        """Give up the answer candidate (the line went quiet inside it: printers send an answer in one burst) and
        classify what it held back, so a status answer that followed a stray 37H is not kept waiting."""
        out: list[Response] = []
        frame, self._frame = self._frame, None
        if frame is not None:
            out.append(Response(ResponseKind.GARBAGE, bytes(frame.raw[:1])))
            for i in range(1, len(frame.raw)):
                if i in frame.held or self._matched_index(frame, i):
                    self._push(frame.raw[i], out)
        return out

    def feed(self, data: bytes) -> list[Response]:
        out: list[Response] = []
        for b in data:
            self._push(b, out)
        return out

    def _push(self, b: int, out: list[Response]) -> None:
        if self._frame is not None:
            self._push_frame(self._frame, b, out)
        elif not self._asb and b == PROCESS_ID_HEADER:
            self._frame = _Frame(self._expected)
        else:
            self._push_plain(b, out)

    def _push_frame(self, frame: _Frame, b: int, out: list[Response]) -> None:
        fits = frame.strict and frame.strict_fits(b)
        matches = frame.expected is not None and b == frame.expected[frame.matched]
        index = len(frame.raw)
        frame.raw.append(b)
        if fits and index == _ANSWER_LENGTH - 1:
            self._frame = None
            out.append(Response(ResponseKind.PROCESS_ID, bytes(frame.raw[2:-1])))
            return
        if matches:
            frame.matched += 1
            if frame.matched == _ANSWER_LENGTH:
                assert frame.expected is not None
                self._frame = None
                out.append(Response(ResponseKind.PROCESS_ID, frame.expected[2:-1]))
                for i in frame.held:
                    self._push(frame.raw[i], out)
                return
        if fits:
            if not matches:
                frame.held.append(index)
            return
        if frame.strict:  # the strict reading failed: what it kept back is foreign after all
            frame.strict = False
            for i in frame.held:
                self._push_plain(frame.raw[i], out)
            frame.held.clear()
        if not matches:
            self._push_plain(b, out)
            frame.passed += 1
        if frame.expected is None or frame.passed > MAX_INTERLEAVED:
            self._frame = None
            out.append(Response(ResponseKind.GARBAGE, bytes(frame.raw[:1])))
            # the matched bytes were not an answer: read them again (one may start the real answer)
            for i in range(1, len(frame.raw)):
                if self._matched_index(frame, i):
                    self._push(frame.raw[i], out)

    @staticmethod
    def _matched_index(frame: _Frame, i: int) -> bool:
        """Whether raw byte `i` was taken as part of the expected answer (and so not yet passed on)."""
        if frame.expected is None:
            return False
        j = 1
        for k in range(1, i + 1):
            if j < len(frame.expected) and frame.raw[k] == frame.expected[j]:
                if k == i:
                    return True
                j += 1
        return False

    def _push_plain(self, b: int, out: list[Response]) -> None:
        if self._asb:
            if is_asb_rest(b):
                self._asb.append(b)
                if len(self._asb) == 4:
                    out.append(Response(ResponseKind.ASB, bytes(self._asb)))
                    self._asb.clear()
                return
            pending = bytes(self._asb[1:]) + bytes([b])
            out.append(Response(ResponseKind.GARBAGE, bytes(self._asb[:1])))
            self._asb.clear()
            for x in pending:  # inside an answer candidate these are foreign bytes still: not the candidate's again
                (self._push_plain if self._frame is not None else self._push)(x, out)
            return
        if is_realtime_status(b):
            out.append(Response(ResponseKind.REALTIME, bytes([b])))
        elif is_asb_first(b):
            self._asb.append(b)
        elif is_asb_rest(b):
            out.append(Response(ResponseKind.PAPER, bytes([b])))
        else:
            out.append(Response(ResponseKind.GARBAGE, bytes([b])))


# ---- status ----------------------------------------------------------------------------------------------------

# DLE EOT 1 (printer)
N1_OFFLINE = 0x08
# DLE EOT 2 (offline cause)
N2_COVER_OPEN = 0x04
N2_FEEDING = 0x08
N2_PAPER_END_STOP = 0x20
N2_ERROR = 0x40
# DLE EOT 3 (error cause)
N3_RECOVERABLE = 0x04
N3_CUTTER = 0x08
N3_UNRECOVERABLE = 0x20
N3_AUTO_RECOVERABLE = 0x40  # e.g. the head overheated
# DLE EOT 4 (roll paper sensors)
N4_NEAR_END = 0x0C
N4_PAPER_END = 0x60
# GS r 1
GSR_NEAR_END = 0x03
GSR_PAPER_END = 0x0C
# ASB bytes 1..3
ASB1_OFFLINE = 0x08
ASB1_COVER_OPEN = 0x20
ASB2_CUTTER = 0x08
ASB2_UNRECOVERABLE = 0x20
ASB2_AUTO_RECOVERABLE = 0x40
ASB3_NEAR_END = 0x03
ASB3_PAPER_END = 0x0C


@dataclass(frozen=True)
class PrinterStatus:
    offline: bool = False
    cover_open: bool = False
    paper_out: bool = False
    paper_near_end: bool = False
    cutter_error: bool = False
    unrecoverable_error: bool = False
    overheat: bool = False  # auto-recoverable error: the head is too hot, printing resumes when it cools

    @classmethod
    def from_realtime(cls, n1: int, n2: int, n3: int, n4: int) -> PrinterStatus:
        """From the answers to DLE EOT 1, 2, 3, 4."""
        return cls(
            offline=bool(n1 & N1_OFFLINE),
            cover_open=bool(n2 & N2_COVER_OPEN),
            paper_out=bool(n2 & N2_PAPER_END_STOP) or bool(n4 & N4_PAPER_END),
            paper_near_end=bool(n4 & N4_NEAR_END),
            cutter_error=bool(n3 & N3_CUTTER),
            unrecoverable_error=bool(n3 & N3_UNRECOVERABLE),
            overheat=bool(n3 & N3_AUTO_RECOVERABLE),
        )

    @classmethod
    def from_asb(cls, block: bytes) -> PrinterStatus:
        b1, b2, b3, _ = block
        return cls(
            offline=bool(b1 & ASB1_OFFLINE),
            cover_open=bool(b1 & ASB1_COVER_OPEN),
            paper_out=bool(b3 & ASB3_PAPER_END),
            paper_near_end=bool(b3 & ASB3_NEAR_END),
            cutter_error=bool(b2 & ASB2_CUTTER),
            unrecoverable_error=bool(b2 & ASB2_UNRECOVERABLE),
            overheat=bool(b2 & ASB2_AUTO_RECOVERABLE),
        )

    @property
    def ready(self) -> bool:
        return not (
            self.offline
            or self.cover_open
            or self.paper_out
            or self.cutter_error
            or self.unrecoverable_error
            or self.overheat
        )

    def realtime_bytes(self) -> tuple[int, int, int, int]:
        """The answers to DLE EOT 1..4 this status gives (what a printer, or the simulator, sends)."""
        offline = self.offline or self.cover_open or self.paper_out or not self._error_free()
        n1 = 0x12 | (N1_OFFLINE if offline else 0)
        n2 = 0x12
        n2 |= N2_COVER_OPEN if self.cover_open else 0
        n2 |= N2_PAPER_END_STOP if self.paper_out else 0
        n2 |= N2_ERROR if not self._error_free() else 0
        n3 = 0x12
        n3 |= N3_CUTTER if self.cutter_error else 0
        n3 |= N3_UNRECOVERABLE if self.unrecoverable_error else 0
        n3 |= N3_AUTO_RECOVERABLE if self.overheat else 0
        n4 = 0x12
        n4 |= N4_NEAR_END if self.paper_near_end or self.paper_out else 0
        n4 |= N4_PAPER_END if self.paper_out else 0
        return n1, n2, n3, n4

    def asb_bytes(self) -> bytes:
        offline = self.offline or self.cover_open or self.paper_out or not self._error_free()
        b1 = 0x10 | (ASB1_OFFLINE if offline else 0) | (ASB1_COVER_OPEN if self.cover_open else 0)
        b2 = (ASB2_CUTTER if self.cutter_error else 0) | (ASB2_UNRECOVERABLE if self.unrecoverable_error else 0)
        b2 |= ASB2_AUTO_RECOVERABLE if self.overheat else 0
        b3 = (ASB3_NEAR_END if self.paper_near_end or self.paper_out else 0) | (ASB3_PAPER_END if self.paper_out else 0)
        return bytes([b1, b2, b3, 0x00])

    def paper_sensor_byte(self) -> int:
        """The answer to GS r 1."""
        near = GSR_NEAR_END if self.paper_near_end or self.paper_out else 0
        return near | (GSR_PAPER_END if self.paper_out else 0)

    def _error_free(self) -> bool:
        return not (self.cutter_error or self.unrecoverable_error or self.overheat)
