"""ESC/POS codec: golden command bytes, status bytes from the domain table, robust parsing of what printers send."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from kiosk.drivers.printer import codec
from kiosk.drivers.printer.codec import PrinterStatus, ResponseKind, ResponseParser


def test_raster_band_golden_bytes() -> None:
    img = Image.new("1", (16, 2), 1)
    img.putpixel((0, 0), 0)  # top-left black
    img.putpixel((15, 1), 0)  # bottom-right black
    (band,) = codec.raster_bands(img, 255)
    assert band == bytes.fromhex("1d76300002000200") + bytes([0x80, 0x00, 0x00, 0x01])


def test_raster_pads_width_to_whole_bytes_and_splits_bands() -> None:
    img = Image.new("1", (10, 300), 0)  # all black
    bands = list(codec.raster_bands(img, 128))
    assert [b[6] | b[7] << 8 for b in bands] == [128, 128, 44]
    assert all(b[4] == 2 for b in bands)  # 10 dots -> 2 bytes a row
    assert bands[0][8:10] == bytes([0xFF, 0xC0])  # padding bits are white


def test_feed_cut_status_commands() -> None:
    assert codec.feed_dots(300) == bytes.fromhex("1b4aff1b4a2d")
    assert codec.feed_dots(0) == b""
    assert codec.cut() == bytes.fromhex("1d5601")
    assert codec.cut(partial=False) == bytes.fromhex("1d5600")
    assert codec.status_request(4) == bytes.fromhex("100404")
    assert bytes.fromhex("1d7201") == codec.PAPER_SENSOR_STATUS
    with pytest.raises(ValueError):
        codec.status_request(5)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ((0x12, 0x12, 0x12, 0x12), PrinterStatus()),
        ((0x12, 0x12, 0x12, 0x1E), PrinterStatus(paper_near_end=True)),
        ((0x1A, 0x32, 0x12, 0x7E), PrinterStatus(offline=True, paper_out=True, paper_near_end=True)),
        ((0x1A, 0x16, 0x12, 0x12), PrinterStatus(offline=True, cover_open=True)),
        ((0x1A, 0x52, 0x52, 0x12), PrinterStatus(offline=True, overheat=True)),
    ],
)
def test_status_from_the_domain_table(answers: tuple[int, int, int, int], expected: PrinterStatus) -> None:
    status = PrinterStatus.from_realtime(*answers)
    assert status == expected
    assert status.realtime_bytes() == answers  # what the simulator sends is what printers send


def test_asb_round_trip() -> None:
    for status in (PrinterStatus(), PrinterStatus(offline=True, cover_open=True), PrinterStatus(paper_out=True)):
        block = status.asb_bytes()
        parsed = ResponseParser().feed(block)
        assert [r.kind for r in parsed] == [ResponseKind.ASB]
        got = PrinterStatus.from_asb(parsed[0].data)
        assert (got.cover_open, got.paper_out) == (status.cover_open, status.paper_out)


def test_parser_sorts_answers_from_asb_and_garbage() -> None:
    asb = PrinterStatus(paper_near_end=True).asb_bytes()
    stream = b"\xff\x80" + asb + b"\x12" + b"\xaa" + b"\x00" + b"\x1e"
    kinds = [(r.kind, r.data) for r in ResponseParser().feed(stream)]
    assert kinds == [
        (ResponseKind.GARBAGE, b"\xff"),
        (ResponseKind.GARBAGE, b"\x80"),
        (ResponseKind.ASB, asb),
        (ResponseKind.REALTIME, b"\x12"),
        (ResponseKind.GARBAGE, b"\xaa"),
        (ResponseKind.PAPER, b"\x00"),
        (ResponseKind.REALTIME, b"\x1e"),
    ]


def test_parser_recovers_an_answer_swallowed_by_a_false_asb_start() -> None:
    parser = ResponseParser()
    assert parser.feed(b"\x10\x00") == []  # could be the start of an ASB block
    out = parser.feed(b"\x12")  # a real-time answer breaks it: 0x10 was garbage, 0x00 a GS r answer
    assert [(r.kind, r.data) for r in out] == [
        (ResponseKind.GARBAGE, b"\x10"),
        (ResponseKind.PAPER, b"\x00"),
        (ResponseKind.REALTIME, b"\x12"),
    ]


def test_parser_handles_any_byte_stream() -> None:
    rng = np.random.default_rng(7)
    data = rng.integers(0, 256, 5000, dtype=np.uint8).tobytes()
    parser = ResponseParser()
    consumed = sum(len(r.data) for chunk in range(0, 5000, 37) for r in parser.feed(data[chunk : chunk + 37]))
    assert 5000 - 3 <= consumed <= 5000  # at most an unfinished ASB candidate is pending


def test_blank_runs_become_feeds_and_short_gaps_stay_raster() -> None:
    img = Image.new("1", (16, 100), 1)
    for y in (0, 5, 60):  # ink, a 4-row gap (kept), a 54-row gap (fed), ink, 39 blank rows at the end (fed)
        img.putpixel((3, y), 0)
    out = list(codec.raster_commands(img, 128, min_blank_rows=16))
    assert out[0][:4] == bytes.fromhex("1d763000") and out[0][6] == 6  # rows 0..5 in one band
    assert out[1] == codec.feed_dots(54)
    assert out[2][6] == 1  # row 60
    assert out[3] == codec.feed_dots(39)
    total_rows = sum(b[6] | b[7] << 8 for b in out if b[:2] == b"\x1dv") + 54 + 39
    assert total_rows == 100
    assert list(codec.raster_commands(img, 128, 0)) == list(codec.raster_bands(img, 128))


def test_trimmed_bands_end_after_their_last_inked_byte() -> None:
    img = Image.new("1", (384, 20), 1)
    img.putpixel((70, 3), 0)  # last ink in byte column 8
    (band,) = codec.raster_commands(img, 128, 0, trim_right=True)
    assert band[4] == 9 and len(band) == 8 + 9 * 20
    unpacked = np.unpackbits(np.frombuffer(band[8:], dtype=np.uint8)).reshape(20, 72).astype(bool)
    assert (unpacked == codec.dots_of(img)[:, :72]).all()


_answers = st.one_of(
    st.sampled_from([0x12, 0x16, 0x1A, 0x1E, 0x32, 0x52, 0x7E]).map(lambda b: bytes([b])),  # DLE EOT answers
    st.sampled_from([PrinterStatus().asb_bytes(), PrinterStatus(paper_out=True, cover_open=True).asb_bytes()]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_answers, max_size=30), st.lists(st.integers(1, 9), min_size=1, max_size=10))
def test_parser_output_does_not_depend_on_how_the_bytes_arrive(answers: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(answers)
    whole = ResponseParser().feed(stream)
    assert [r.data for r in whole] == answers
    parser, pieces, i = ResponseParser(), [], 0
    for n in cuts * (len(stream) // max(sum(cuts), 1) + 1):
        pieces += parser.feed(stream[i : i + n])
        i += n
    assert pieces == whole
