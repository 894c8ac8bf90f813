"""Golden bytes and round trips for the pure frame codec."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.drivers.finger import BadFrame, SystemParameters, codec
from kiosk.drivers.finger.codec import Code, Frame, Garbled, Instruction, PacketType, StreamDecoder


def test_golden_commands_match_the_datasheet_examples() -> None:
    assert codec.command(Instruction.GEN_IMG) == bytes.fromhex("EF01FFFFFFFF010003010005")
    assert codec.command(Instruction.VFY_PWD, codec.u32(0)) == bytes.fromhex("EF01FFFFFFFF0100071300000000001B")
    assert codec.command(Instruction.READ_SYS_PARA) == bytes.fromhex("EF01FFFFFFFF0100030F0013")
    assert codec.reply(Code.OK) == bytes.fromhex("EF01FFFFFFFF0700030000 0A".replace(" ", ""))


def test_checksum_keeps_only_the_low_16_bits() -> None:
    payload = b"\xff" * 256
    assert codec.checksum(PacketType.DATA, payload) == (2 + 1 + 2 + 255 * 256) & 0xFFFF
    assert codec.decode(codec.encode(Frame(1, PacketType.DATA, payload))).payload == payload


@pytest.mark.parametrize("size", codec.PACKET_SIZES)
def test_data_packets_split_at_the_packet_size_and_end_with_an_end_packet(size: int) -> None:
    data = bytes(range(256)) * 2 + b"tail"
    packets = codec.data_packets(data, size, address=0x12345678)
    frames = [codec.decode(p) for p in packets]
    assert [f.type for f in frames] == [PacketType.DATA] * (len(frames) - 1) + [PacketType.END_DATA]
    assert all(len(f.payload) == size for f in frames[:-1])
    assert all(f.address == 0x12345678 for f in frames)
    assert b"".join(f.payload for f in frames) == data


def test_bad_packet_size_is_refused() -> None:
    with pytest.raises(ValueError):
        codec.data_packets(b"x", 100)


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (bytes.fromhex("EE01FFFFFFFF070003000 00A".replace(" ", "")), "start"),
        (bytes.fromhex("EF01FFFFFFFF050003000008"), "type"),
        (bytes.fromhex("EF01FFFFFFFF07FFFF00000A"), "length"),
        (bytes.fromhex("EF01FFFFFFFF070003000 00B".replace(" ", "")), "checksum"),
        (bytes.fromhex("EF01FFFFFFFF07000300"), "short"),
    ],
)
def test_decode_rejects_malformed_frames(raw: bytes, why: str) -> None:
    with pytest.raises(BadFrame):
        codec.decode(raw)


def test_parameters_round_trip_and_decode_packet_size_and_baud() -> None:
    params = SystemParameters(0x0004, 0x0009, 200, 3, 0xFFFFFFFF, 128, 57600)
    block = codec.encode_parameters(params)
    assert block == bytes.fromhex("0004 0009 00C8 0003 FFFFFFFF 0002 0006".replace(" ", ""))
    assert codec.decode_parameters(block) == params
    with pytest.raises(BadFrame):
        codec.decode_parameters(block[:10])


def test_stream_decoder_skips_noise_reports_corruption_and_waits_for_more() -> None:
    good = codec.command(Instruction.TEMPLATE_NUM)
    corrupt = good[:-1] + b"\x00"
    decoder = StreamDecoder()
    items = list(decoder.feed(b"\x00\x13" + good + corrupt + good[:5]))
    assert isinstance(items[0], Garbled) and items[0].why == "noise"
    assert items[1] == Frame(0xFFFFFFFF, PacketType.COMMAND, bytes([Instruction.TEMPLATE_NUM]))
    assert isinstance(items[2], Garbled) and "checksum" in items[2].why
    assert len(items) == 3 and decoder.pending == 5
    assert list(decoder.feed(good[5:])) == [items[1]]


@given(
    address=st.integers(0, 0xFFFFFFFF),
    packet_type=st.sampled_from(list(PacketType)),
    payload=st.binary(min_size=1, max_size=256),
    split=st.integers(0, 300),
)
def test_any_frame_survives_encode_and_a_split_stream(
    address: int, packet_type: int, payload: bytes, split: int
) -> None:
    raw = codec.encode(Frame(address, packet_type, payload))
    decoder = StreamDecoder()
    items = [*decoder.feed(raw[:split]), *decoder.feed(raw[split:])]
    assert items == [Frame(address, packet_type, payload)]
