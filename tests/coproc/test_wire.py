"""The shared wire module under CPython: golden bytes, COBS and CRC properties, and resynchronisation under fuzz."""

from __future__ import annotations

import binascii
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.drivers.coproc import wire

FUZZ = settings(derandomize=True, max_examples=200, deadline=None)


def frame(kind: int, seq: int, payload: bytes = b"") -> bytes:
    f = wire.Framer()
    n = f.build(kind, seq, payload, len(payload))
    return bytes(f.out[:n])


def deframe(stream: bytes, d: wire.Deframer | None = None) -> list[bytes]:
    d = d or wire.Deframer()
    bodies = []
    for b in stream:
        m = d.push(b)
        if m >= 0:
            bodies.append(bytes(d.body[:m]))
    return bodies


def test_crc_is_ccitt_false() -> None:
    assert wire.crc16(b"123456789", 9) == 0x29B1
    assert wire.crc16(b"", 0) == 0xFFFF


@FUZZ
@given(st.binary(max_size=200))
def test_crc_matches_an_independent_implementation(data: bytes) -> None:
    assert wire.crc16(data, len(data)) == binascii.crc_hqx(data, 0xFFFF)


def test_golden_frames() -> None:
    # Regression anchors: a change here breaks every board in the field.
    # Worked by hand: body, CRC (binascii.crc_hqx with init 0xFFFF), COBS blocks, delimiters.
    assert frame(wire.K_HEARTBEAT, 5).hex() == "00" + "05" + "1105" + "7de8" + "00"
    assert frame(wire.K_ACK, 0).hex() == "00" + "0201" + "03" + "2e3e" + "00"
    assert frame(wire.K_LIGHT, 1, bytes([128, 255, 0, 16])).hex() == "00" + "05130180ff" + "0410" + "704f" + "00"


def test_cobs_known_vectors() -> None:
    def enc(data: bytes) -> bytes:
        out = bytearray(len(data) + len(data) // 254 + 2)
        n = wire.cobs_encode_into(data, len(data), out, 0)
        return bytes(out[:n])

    assert enc(b"") == b"\x01"
    assert enc(b"\x00") == b"\x01\x01"
    assert enc(b"\x11\x22\x00\x33") == b"\x03\x11\x22\x02\x33"
    assert enc(bytes(range(1, 255))) == b"\xff" + bytes(range(1, 255))
    assert enc(bytes(range(1, 256))) == b"\xff" + bytes(range(1, 255)) + b"\x02\xff"


@FUZZ
@given(st.binary(max_size=600))
def test_cobs_round_trip_and_no_zeros(data: bytes) -> None:
    out = bytearray(len(data) + len(data) // 254 + 2)
    n = wire.cobs_encode_into(data, len(data), out, 0)
    assert 0 not in out[:n]
    back = bytearray(n)
    m = wire.cobs_decode_into(out, n, back)
    assert bytes(back[:m]) == data


@FUZZ
@given(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=wire.MAX_PAYLOAD))
def test_frame_round_trip(kind: int, seq: int, payload: bytes) -> None:
    raw = frame(kind, seq, payload)
    assert raw[0] == 0 and raw[-1] == 0 and 0 not in raw[1:-1]
    assert len(raw) <= wire.MAX_WIRE
    assert deframe(raw) == [bytes([kind, seq]) + payload]


def test_payload_too_long_is_refused() -> None:
    f = wire.Framer()
    big = bytes(wire.MAX_PAYLOAD + 1)
    try:
        f.build(wire.K_LIGHT, 1, big, len(big))
    except ValueError:
        return
    raise AssertionError("a payload over MAX_PAYLOAD was framed")


bodies_st = st.lists(
    st.tuples(st.integers(1, 255), st.integers(0, 255), st.binary(max_size=wire.MAX_PAYLOAD)), min_size=1, max_size=6
)


@FUZZ
@given(bodies_st, st.binary(max_size=300), st.randoms(use_true_random=False))
def test_noise_then_chunked_frames_all_arrive(
    bodies: list[tuple[int, int, bytes]], noise: bytes, rnd: random.Random
) -> None:
    stream = noise + b"".join(frame(k, s, p) for k, s, p in bodies)
    d = wire.Deframer()
    got: list[bytes] = []
    at = 0
    while at < len(stream):  # arbitrary chunking: the deframer's state carries across reads
        step = rnd.randint(1, 17)
        got += deframe(stream[at : at + step], d)
        at += step
    expected = [bytes([k, s]) + p for k, s, p in bodies]
    # Every frame behind the noise arrives intact and in order (each frame's leading 0x00 ends the noise).
    assert got[-len(expected) :] == expected
    assert len(got) == len(expected)


@FUZZ
@given(bodies_st, st.data())
def test_corrupted_frame_is_dropped_and_the_rest_arrive(
    bodies: list[tuple[int, int, bytes]], data: st.DataObject
) -> None:
    frames = [bytearray(frame(k, s, p)) for k, s, p in bodies]
    victim = data.draw(st.integers(0, len(frames) - 1))
    at = data.draw(st.integers(1, len(frames[victim]) - 2))
    frames[victim][at] ^= data.draw(st.integers(1, 255))
    d = wire.Deframer()
    got = deframe(b"".join(frames), d)
    expected = [bytes([k, s]) + p for k, s, p in bodies]
    assert got == expected[:victim] + expected[victim + 1 :]
    assert d.bad_frames >= 1


def test_overlong_garbage_is_discarded_then_resynchronised() -> None:
    d = wire.Deframer()
    good = frame(wire.K_PRESENCE, 9)
    assert deframe(b"\x55" * 1000 + good, d) == [bytes([wire.K_PRESENCE, 9])]
    assert d.bad_frames == 1


def test_ctrl_c_and_line_noise_are_just_bytes() -> None:
    assert deframe(b"\x03\x03\r\n\x00\x03" + frame(wire.K_HEARTBEAT, 2)) == [bytes([wire.K_HEARTBEAT, 2])]


def test_endpoint_sequence_wraps_and_skips_zero() -> None:
    e = wire.Endpoint()
    seqs = [e.take_seq() for _ in range(258)]
    assert seqs[:3] == [0, 1, 2]
    assert seqs[255:258] == [255, 1, 2]


def test_endpoint_acks_only_the_outstanding_frame() -> None:
    e = wire.Endpoint()
    seq = e.take_seq()
    assert not e.acked(seq + 1)
    assert e.awaiting == seq
    assert e.acked(seq)
    assert e.awaiting == wire.NO_SEQ
    assert not e.acked(seq)  # a late duplicate ACK


def test_endpoint_delivers_duplicates_once_but_a_restart_always() -> None:
    e = wire.Endpoint()
    assert e.fresh(0)
    assert e.fresh(1)
    assert not e.fresh(1)  # retransmitted because our ACK was lost
    assert e.fresh(2)
    assert e.fresh(0)  # the peer restarted
