"""The seal's QR symbol in NumPy: qrcode's version fit, codewords and function patterns, placed and masked here.

qrcode's `make(fit=True)` places the data and scores each of the 8 masks in Python loops (most of a document's
render time). Here the placement order and the function patterns are computed once per version, the data bits are
placed with one assignment, and the four ISO/IEC 18004 penalty rules are scored with array operations — the same
rules qrcode scores (format and version areas light while scoring), so the same mask wins and the symbol is the
one qrcode would make, module for module (tests/printer/test_qr.py checks that).
"""

from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache

import numpy as np
import qrcode
import qrcode.base
import qrcode.constants
import qrcode.util
from numpy.typing import NDArray
from qrcode.exceptions import DataOverflowError

Matrix = NDArray[np.bool_]
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_Q
FINDER_LIKE = (
    np.array([1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0], dtype=bool),
    np.array([0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1], dtype=bool),
)
FINDER_CODES = tuple(int("".join("1" if b else "0" for b in p), 2) for p in FINDER_LIKE)  # 11 modules as bits


GF_EXP = [0] * 512
GF_LOG = [0] * 256
_x = 1
for _i in range(255):
    GF_EXP[_i] = _x
    GF_LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D  # x^8 + x^4 + x^3 + x^2 + 1, the QR field's polynomial
for _i in range(255, 512):
    GF_EXP[_i] = GF_EXP[_i - 255]


class QrTooLarge(ValueError):
    """The payload does not fit any QR version at level Q."""


class _Blank(qrcode.QRCode):  # type: ignore[misc]
    """qrcode's function patterns and format/version areas for one version and mask, without its data placement."""

    captured: list[list[bool | None]]

    def map_data(self, data: object, mask_pattern: int) -> None:
        self.captured = [row[:] for row in self.modules]


def _blank(version: int, mask: int, *, test: bool) -> list[list[bool | None]]:
    blank = _Blank(version=version, error_correction=ERROR_CORRECTION, border=0, box_size=1)
    blank.data_cache = []  # never encoded: only the patterns are wanted
    blank.makeImpl(test, mask)
    return blank.captured


@lru_cache(maxsize=8)
def _geometry(version: int) -> tuple[Matrix, Matrix, tuple[NDArray[np.intp], NDArray[np.intp]], NDArray[np.bool_]]:
    """(function cells, their values while scoring, data cells in placement order, the 8 masks over the symbol)."""
    cells = _blank(version, 0, test=True)
    n = len(cells)
    function = np.array([[c is not None for c in row] for row in cells], dtype=bool)
    scoring = np.array([[bool(c) for c in row] for row in cells], dtype=bool)
    rows: list[int] = []
    cols: list[int] = []
    row, step = n - 1, -1
    for right in range(n - 1, 0, -2):  # two-module columns, right to left, snaking up and down (ISO/IEC 18004 7.7.3)
        if right <= 6:
            right -= 1  # the vertical timing pattern is skipped
        while True:
            for col in (right, right - 1):
                if not function[row, col]:
                    rows.append(row)
                    cols.append(col)
            row += step
            if row < 0 or row >= n:
                row -= step
                step = -step
                break
    i, j = np.indices((n, n))
    masks = np.stack(
        [
            (i + j) % 2 == 0,
            i % 2 == 0,
            j % 3 == 0,
            (i + j) % 3 == 0,
            (i // 2 + j // 3) % 2 == 0,
            (i * j) % 2 + (i * j) % 3 == 0,
            ((i * j) % 2 + (i * j) % 3) % 2 == 0,
            ((i * j) % 3 + (i + j) % 2) % 2 == 0,
        ]
    )
    return function, scoring, (np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp)), masks


@lru_cache(maxsize=64)
def _final_patterns(version: int, mask: int) -> Matrix:
    return np.array([[bool(c) for c in row] for row in _blank(version, mask, test=False)], dtype=bool)


def _run_penalty(a: Matrix) -> int:
    """Rule 1 along rows: each run of 5 or more same-coloured modules scores its length - 2."""
    rows, n = a.shape
    edges = np.ones((rows, n + 1), dtype=bool)
    edges[:, 1:-1] = a[:, 1:] != a[:, :-1]
    lengths = np.diff(np.flatnonzero(edges))
    long = lengths[lengths >= 5]
    return int((long - 2).sum())


def _finder_penalty(a: Matrix) -> int:
    """Rule 3 along rows: 40 for each 1:1:3:1:1 pattern with four light modules on one side."""
    rows, n = a.shape
    if n < 11:
        return 0
    bits = a.astype(np.int32)
    codes = np.zeros((rows, n - 10), dtype=np.int32)
    for k in range(11):  # each window of 11 modules as one number, first module highest
        codes = (codes << 1) | bits[:, k : k + n - 10]
    return 40 * sum(int((codes == c).sum()) for c in FINDER_CODES)


def penalty(a: Matrix) -> int:
    """The ISO/IEC 18004 mask penalty of a symbol (as qrcode's `util.lost_point` scores it)."""
    n = a.shape[0]
    blocks = (a[:-1, :-1] == a[1:, :-1]) & (a[:-1, :-1] == a[:-1, 1:]) & (a[:-1, :-1] == a[1:, 1:])
    percent = float(a.sum()) / (n * n)
    balance = int(abs(percent * 100 - 50) / 5) * 10
    runs = _run_penalty(a) + _run_penalty(a.T)
    finders = _finder_penalty(a) + _finder_penalty(a.T)
    return runs + 3 * int(blocks.sum()) + finders + balance


class _Bits:
    """qrcode's BitBuffer interface (`put`, `put_bit`, `len`) over one Python integer."""

    def __init__(self) -> None:
        self.value = 0
        self.length = 0

    def put(self, num: int, length: int) -> None:
        self.value = (self.value << length) | (num & ((1 << length) - 1))
        self.length += length

    def put_bit(self, bit: bool) -> None:
        self.put(int(bit), 1)

    def __len__(self) -> int:
        return self.length


def _segments(data_list: list[qrcode.util.QRData], version: int) -> _Bits:
    bits = _Bits()
    sizes = qrcode.util.mode_sizes_for_version(version)
    for data in data_list:
        bits.put(data.mode, 4)
        bits.put(len(data), sizes[data.mode])
        data.write(bits)
    return bits


def _version(data_list: list[qrcode.util.QRData]) -> int:
    """The smallest version that holds the segments at level Q (qrcode's `best_fit`)."""
    start = 1
    while True:
        needed = len(_segments(data_list, start))
        version = bisect_left(qrcode.util.BIT_LIMIT_TABLE[ERROR_CORRECTION], needed, start)
        if version > 40:
            raise QrTooLarge(f"{needed} bits do not fit any QR version at level Q")
        if qrcode.util.mode_sizes_for_version(version) is qrcode.util.mode_sizes_for_version(start):
            return version
        start = version


@lru_cache(maxsize=64)
def _generator_logs(ec_count: int) -> tuple[int, ...]:
    """The logs of the Reed-Solomon generator polynomial's coefficients after the leading 1."""
    poly = [1]
    for i in range(ec_count):
        factor = GF_EXP[i]
        product = [0] * (len(poly) + 1)
        for k, c in enumerate(poly):
            product[k] ^= c
            if c:
                product[k + 1] ^= GF_EXP[(GF_LOG[c] + GF_LOG[factor]) % 255]
        poly = product
    return tuple(GF_LOG[c] for c in poly[1:])


def _error_correction(data: list[int], ec_count: int) -> list[int]:
    logs = _generator_logs(ec_count)
    remainder = [0] * ec_count
    for byte in data:
        factor = byte ^ remainder[0]
        remainder = [*remainder[1:], 0]
        if factor:
            lf = GF_LOG[factor]
            for i, lg in enumerate(logs):
                remainder[i] ^= GF_EXP[(lg + lf) % 255]
    return remainder


def _codewords(data_list: list[qrcode.util.QRData], version: int) -> list[int]:
    """Data and error-correction codewords, interleaved by block (qrcode's `create_data`)."""
    bits = _segments(data_list, version)
    blocks = qrcode.base.rs_blocks(version, ERROR_CORRECTION)
    limit = sum(b.data_count * 8 for b in blocks)
    if len(bits) > limit:
        raise QrTooLarge(f"{len(bits)} bits do not fit version {version}")
    bits.put(0, min(limit - len(bits), 4))  # terminator
    bits.put(0, -len(bits) % 8)
    for i in range((limit - len(bits)) // 8):
        bits.put(qrcode.util.PAD1 if i % 2 else qrcode.util.PAD0, 8)
    stream = bits.value.to_bytes(limit // 8, "big")
    data_blocks: list[list[int]] = []
    ec_blocks: list[list[int]] = []
    offset = 0
    for block in blocks:
        chunk = list(stream[offset : offset + block.data_count])
        offset += block.data_count
        data_blocks.append(chunk)
        ec_blocks.append(_error_correction(chunk, block.total_count - block.data_count))
    out: list[int] = []
    for group in (data_blocks, ec_blocks):
        for i in range(max(len(b) for b in group)):
            out += [b[i] for b in group if i < len(b)]
    return out


def qr_matrix(payload: str) -> Matrix:
    """The QR symbol of `payload` at error correction Q, smallest version, best mask; True = dark, no quiet zone."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=0, box_size=1)
    code.add_data(payload)
    try:
        version = _version(code.data_list)
        data = _codewords(code.data_list, version)
    except (DataOverflowError, ValueError) as e:
        raise QrTooLarge(f"a {len(payload)}-character payload does not fit any QR version at level Q") from e
    function, scoring, (rows, cols), masks = _geometry(version)
    bits = np.zeros(rows.size, dtype=bool)
    unpacked = np.unpackbits(np.frombuffer(bytes(data), dtype=np.uint8)).astype(bool)[: rows.size]
    bits[: unpacked.size] = unpacked
    placed = np.zeros_like(function)
    placed[rows, cols] = bits
    best, best_score = 0, -1
    for mask in range(8):
        candidate = np.where(function, scoring, placed ^ masks[mask])
        score = penalty(candidate)
        if best_score < 0 or score < best_score:
            best, best_score = mask, score
    result: Matrix = np.where(function, _final_patterns(version, best), placed ^ masks[best])
    return result
