"""The serial line's rate as a UART sees it: the rate the host set on the pty, and what a receiver at another rate
decodes of bytes sent 8N1 (the garbage of a baud mismatch, framing errors dropped)."""

from __future__ import annotations

import termios

# termios speed constants (what tcgetattr reports) -> bits per second; BOTHER (a custom rate) is not among them
SPEEDS: dict[int, int] = {
    getattr(termios, name): int(name[1:])
    for name in dir(termios)
    if name.startswith("B") and name[1:].isdigit() and int(name[1:]) > 0
}
BITS_PER_FRAME = 10  # start, 8 data bits LSB first, stop
EDGE_SEARCH_STEPS = 16  # a receiver looks for the start bit's falling edge 16 times a bit (16x oversampling)


def line_rate(fd: int) -> int:
    """The rate the host set on the terminal `fd` (0 when it is a custom rate)."""
    return SPEEDS.get(termios.tcgetattr(fd)[5], 0)


def frames(data: bytes) -> list[int]:
    """The line levels of `data` sent 8N1, one per bit time (1 = idle/mark)."""
    bits: list[int] = []
    for b in data:
        bits += [0, *((b >> i) & 1 for i in range(8)), 1]
    return bits


def decode_at(data: bytes, sent_baud: int, read_baud: int) -> bytes:
    """What a UART reading at `read_baud` takes from `data` sent at `sent_baud`: each frame starts at a falling
    edge, bits are sampled mid-bit at its own rate, a frame whose stop bit is not a mark is dropped."""
    if sent_baud == read_baud:
        return data
    bits = frames(data)
    sent_bit, read_bit = 1.0 / sent_baud, 1.0 / read_baud

    def level(t: float) -> int:
        i = int(t / sent_bit)
        return bits[i] if 0 <= i < len(bits) else 1

    out = bytearray()
    t, end, step = 0.0, len(bits) * sent_bit, sent_bit / EDGE_SEARCH_STEPS
    while t < end:
        if level(t) or level(t + read_bit / 2):  # idle, or a glitch shorter than half a bit
            t += step
            continue
        value = sum(level(t + read_bit * (1.5 + i)) << i for i in range(8))
        if level(t + read_bit * 9.5):
            out.append(value)
        t += read_bit * 9.5
    return bytes(out)
