"""Simulated fingers and character files: features seeded by a finger id, capture noise, scores, the byte layout.

A finger id (for example a test citizen's `finger` seed such as "somchai-right-index") fixes a base feature vector;
each capture adds noise that grows as the finger's quality falls, so the same finger placed twice scores high,
different fingers score about zero, and a worn finger both fails more captures and scores lower.
"""

from __future__ import annotations

import hashlib
import math
import random
import struct
from collections.abc import Sequence

FEATURES = 128
QUANT_SCALE = 32.0  # feature units per int8 step
SCORE_MAX = 300
SCORE_FLOOR_COSINE = 0.3  # cosine similarity that scores 0
CHAR_FILE_MAGIC = b"\x03\x03"
CHAR_FILE_HEADER = 4  # magic (2) + feature count (2)
MIN_CHAR_FILE_BYTES = CHAR_FILE_HEADER + FEATURES + 2  # + trailing 16-bit sum
DEFAULT_CHAR_FILE_BYTES = 512  # R30x / AS608 char file and template size
WORN_QUALITY = 0.3
WORN_MARK = "worn"  # test citizens' finger seeds say so (e.g. "boonmee-worn": an elderly manual worker)


def quality_for(finger_id: str) -> float:
    """The quality a finger has unless a test says otherwise: worn when its id says so, else clean."""
    return WORN_QUALITY if WORN_MARK in finger_id.lower().split("-") else 1.0


def base_features(finger_id: str) -> list[float]:
    rng = random.Random(hashlib.sha256(finger_id.encode()).digest())
    return [rng.gauss(0.0, 1.0) for _ in range(FEATURES)]


def noise_sigma(quality: float) -> float:
    return 0.25 + (1.0 - max(0.0, min(1.0, quality))) * 0.6


def capture(finger_id: str, quality: float, rng: random.Random) -> list[int]:
    """One noisy capture of `finger_id`, quantized to int8 features."""
    sigma = noise_sigma(quality)
    return [quantize(b + rng.gauss(0.0, sigma)) for b in base_features(finger_id)]


def quantize(value: float) -> int:
    return max(-127, min(127, round(value * QUANT_SCALE)))


def cosine(a: Sequence[int], b: Sequence[int]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
    return dot / norm if norm else 0.0


def score(a: Sequence[int], b: Sequence[int]) -> int:
    """The sensor-style score: 0 for unrelated fingers, up to SCORE_MAX for identical features."""
    return max(0, round((cosine(a, b) - SCORE_FLOOR_COSINE) / (1.0 - SCORE_FLOOR_COSINE) * SCORE_MAX))


def combine(a: Sequence[int], b: Sequence[int]) -> list[int]:
    return [max(-127, min(127, round((x + y) / 2))) for x, y in zip(a, b, strict=True)]


def capture_outcome(quality: float, rng: random.Random) -> tuple[bool, bool, bool]:
    """(image failed, too messy, too few features) for one capture: only below quality 0.8 can anything fail."""
    deficit = max(0.0, 0.8 - quality)
    return rng.random() < deficit * 0.3, rng.random() < deficit * 0.3, rng.random() < deficit * 0.2


def pack(features: Sequence[int], size: int = DEFAULT_CHAR_FILE_BYTES) -> bytes:
    """A char file of `size` bytes: header, int8 features, deterministic filler, 16-bit sum of everything before."""
    if size < MIN_CHAR_FILE_BYTES:
        raise ValueError(f"a char file needs at least {MIN_CHAR_FILE_BYTES} bytes")
    body = CHAR_FILE_MAGIC + struct.pack(">H", len(features)) + struct.pack(f">{len(features)}b", *features)
    filler = bytearray()
    seed = hashlib.sha256(body).digest()
    while len(body) + len(filler) < size - 2:
        seed = hashlib.sha256(seed).digest()
        filler += seed
    body += bytes(filler[: size - 2 - len(body)])
    return body + struct.pack(">H", sum(body) & 0xFFFF)


def unpack(data: bytes) -> list[int] | None:
    """The features of a valid char file, or None for bytes that are not one."""
    if len(data) < MIN_CHAR_FILE_BYTES or data[:2] != CHAR_FILE_MAGIC:
        return None
    (count,) = struct.unpack(">H", data[2:4])
    if count != FEATURES or struct.unpack(">H", data[-2:])[0] != sum(data[:-2]) & 0xFFFF:
        return None
    return list(struct.unpack(f">{count}b", data[CHAR_FILE_HEADER : CHAR_FILE_HEADER + count]))
