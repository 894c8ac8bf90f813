"""16-bit mono PCM WAV in memory: read what espeak-ng writes (its streamed header gives no length), write a proper
one, join prompts, and measure them (RMS level and length: the tests' and the doctor's "is it really sound")."""

from __future__ import annotations

import io
import struct
import wave

import numpy as np
import numpy.typing as npt

from kiosk.drivers.audio import RenderFailed

Samples = npt.NDArray[np.int16]


def decode(wav: bytes) -> tuple[Samples, int]:
    """The samples and rate of a 16-bit mono WAV; the data chunk runs to the end when its size is a placeholder."""
    if len(wav) < 12 or wav[:4] != b"RIFF" or wav[8:12] != b"WAVE":
        raise RenderFailed("not a WAV")
    pos, rate, width, channels = 12, 0, 0, 0
    while pos + 8 <= len(wav):
        tag, size = wav[pos : pos + 4], struct.unpack("<I", wav[pos + 4 : pos + 8])[0]
        body = pos + 8
        if tag == b"fmt ":
            _, channels, rate, _, _, bits = struct.unpack("<HHIIHH", wav[body : body + 16])
            width = bits // 8
        elif tag == b"data":
            if (width, channels) != (2, 1) or not rate:
                raise RenderFailed(f"unsupported WAV: {channels} channel(s), {8 * width}-bit")
            data = wav[body : min(len(wav), body + size)]
            data = data[: len(data) // 2 * 2]
            return np.frombuffer(data, dtype="<i2").astype(np.int16), rate
        pos = body + size + (size & 1)
    raise RenderFailed("WAV without data")


def encode(samples: Samples, rate: int) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())
    return buf.getvalue()


def join(wavs: list[bytes], pause_s: float = 0.25) -> bytes:
    """One WAV of several, with a short pause between (all at the first one's rate)."""
    parts: list[Samples] = []
    rate = 0
    for wav in wavs:
        samples, r = decode(wav)
        rate = rate or r
        if r != rate:
            raise RenderFailed(f"cannot join WAVs at {rate} and {r} Hz")
        if parts:
            parts.append(np.zeros(int(rate * pause_s), dtype=np.int16))
        parts.append(samples)
    if not parts:
        raise RenderFailed("nothing to join")
    return encode(np.concatenate(parts), rate)


def duration_s(wav: bytes) -> float:
    samples, rate = decode(wav)
    return len(samples) / rate


def rms_dbfs(wav: bytes) -> float:
    """The level of the whole sound relative to full scale (silence: -inf)."""
    samples, _ = decode(wav)
    if not len(samples):
        return float("-inf")
    rms = float(np.sqrt(np.mean((samples.astype(np.float64) / 32768.0) ** 2)))
    return 20.0 * float(np.log10(rms)) if rms > 0 else float("-inf")
