"""Base45 (RFC 9285): bytes to the QR alphanumeric alphabet and back, refusing every non-canonical text."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


class Base45Error(ValueError):
    """The text is not canonical Base45."""


def encode(data: bytes) -> str:
    out: list[str] = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        n, c = divmod(n, 45)
        e, d = divmod(n, 45)
        out += (ALPHABET[c], ALPHABET[d], ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += (ALPHABET[c], ALPHABET[d])
    return "".join(out)


def decode(text: str) -> bytes:
    """Decode `text`; a character outside the alphabet, a dangling character or an out-of-range group is an error."""
    try:
        values = [_VALUE[ch] for ch in text]
    except KeyError as e:
        raise Base45Error(f"character {e.args[0]!r} is not in the Base45 alphabet") from None
    if len(values) % 3 == 1:
        raise Base45Error("Base45 text length leaves a single dangling character")
    out = bytearray()
    for i in range(0, len(values), 3):
        group = values[i : i + 3]
        n = sum(v * 45**k for k, v in enumerate(group))
        if len(group) == 3:
            if n > 0xFFFF:
                raise Base45Error(f"Base45 group at {i} is out of range")
            out += n.to_bytes(2, "big")
        else:
            if n > 0xFF:
                raise Base45Error(f"Base45 final group at {i} is out of range")
            out.append(n)
    return bytes(out)
