"""Thai text helpers: line breaks only at word boundaries and never inside a cluster; Buddhist-era dates; IDs."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import ImageFont

from kiosk.setup_check import find_font
from kiosk.text import (
    PartialDate,
    break_points,
    clusters,
    format_citizen_id,
    format_house_code,
    format_number,
    mask_citizen_id,
    thai_date,
    thai_datetime,
    to_thai_digits,
    wrap,
)
from kiosk.text.numbers import is_masked_citizen_id

LOMA = find_font("Loma")


@pytest.fixture(scope="module")
def font() -> ImageFont.FreeTypeFont:
    if LOMA is None:
        pytest.fail("TLWG Loma font missing (fonts-tlwg-loma-ttf)")
    return ImageFont.truetype(str(LOMA), 22, layout_engine=ImageFont.Layout.RAQM)


SENTENCE = "ขอรับรองว่าเป็นรายการที่ถูกต้องตามหลักฐานทะเบียนราษฎร นางสาวฤดี พุ่มพวง ผู้ใหญ่บ้าน"


def test_breaks_only_at_thai_word_boundaries_and_spaces(font: ImageFont.FreeTypeFont) -> None:
    lines = wrap(SENTENCE, font, 150)
    assert len(lines) > 2
    allowed = set(break_points(SENTENCE))
    pos = 0
    for line in lines[:-1]:
        pos = SENTENCE.index(line, pos) + len(line)
        while SENTENCE[pos] == " ":
            pos += 1
        assert pos in allowed, f"broke inside a word after {line!r}"
    assert any("ผู้ใหญ่บ้าน" in ln for ln in lines)
    assert all(font.getlength(ln) <= 150 for ln in lines)


def test_words_are_kept_whole(font: ImageFont.FreeTypeFont) -> None:
    for line in wrap(SENTENCE, font, 120):
        assert not line.startswith(("บ้าน", "ต้อง", "รอง")), line  # tails of ผู้ใหญ่บ้าน, ถูกต้อง, รับรอง


def test_no_break_inside_numbers_and_abbreviations() -> None:
    text = "(ท.ร.14/1) เลขที่ 123/4 หมู่ที่ 5 โทร 1-2345-67890-12-3"
    points = break_points(text)
    for protected in ("ท.ร.14/1", "123/4", "1-2345-67890-12-3"):
        start = text.index(protected)
        assert not any(start < p < start + len(protected) for p in points), protected


def test_newline_forces_a_break(font: ImageFont.FreeTypeFont) -> None:
    assert wrap("แจ้งเกิด\nอำเภอเมืองน่าน", font, 1000) == ["แจ้งเกิด", "อำเภอเมืองน่าน"]


def test_overlong_word_is_cut_between_clusters(font: ImageFont.FreeTypeFont) -> None:
    word = "ผู้ใหญ่บ้าน" * 3
    lines = wrap(word, font, 60)
    assert "".join(lines) == word
    for line in lines:
        assert unicodedata.category(line[0]) != "Mn", f"line starts with a detached mark: {line!r}"
        assert line[-1] not in "เแโใไ", f"leading vowel separated from its consonant: {line!r}"


def test_clusters_keep_marks_with_their_base() -> None:
    assert clusters("ผู้ใหญ่") == ["ผู้", "ให", "ญ่"]
    assert clusters("ทำ") == ["ทำ"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["ผู้ใหญ่บ้าน", "ทะเบียน", "ราษฎร", "ที่", "ปั้น", "Nan", " ", "123/4", "กุ้ง"]), max_size=25))
def test_wrap_loses_nothing_and_never_splits_a_cluster(pieces: list[str]) -> None:
    font = ImageFont.truetype(str(LOMA), 22, layout_engine=ImageFont.Layout.RAQM)
    text = "".join(pieces)
    lines = wrap(text, font, 90)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:
        if line:
            assert unicodedata.category(line[0]) != "Mn"


def test_buddhist_era_dates() -> None:
    d = dt.date(2026, 11, 22)
    assert thai_date(d) == "22 พฤศจิกายน 2569"
    assert thai_date(d, "en") == "22 November 2026"
    assert thai_date(d, "th", short=True) == "22 พ.ย. 2569"
    moment = dt.datetime(2026, 11, 22, 7, 5, tzinfo=dt.UTC)  # 14:05 in Bangkok
    assert thai_datetime(moment) == "22 พฤศจิกายน 2569 เวลา 14:05 น."
    assert thai_datetime(moment, "en") == "22 November 2026, 14:05"
    late = dt.datetime(2026, 12, 31, 18, 30, tzinfo=dt.UTC)  # already 1 January 2570 in Bangkok
    assert thai_datetime(late) == "1 มกราคม 2570 เวลา 01:30 น."
    with pytest.raises(ValueError):
        thai_datetime(dt.datetime(2026, 1, 1))


def test_partial_dates_from_the_card() -> None:
    assert PartialDate.from_be_digits("25110314") == PartialDate(1968, 3, 14)
    assert thai_date(PartialDate.from_be_digits("25110300")) == "มีนาคม 2511"
    assert thai_date(PartialDate.from_be_digits("25110000"), "en") == "1968"
    with pytest.raises(ValueError):
        PartialDate.from_be_digits("25110230")


def test_numbers_and_ids() -> None:
    assert format_number(1234567) == "1,234,567"
    assert format_number(1234.5, decimals=2, digits="thai") == "๑,๒๓๔.๕๐"
    assert to_thai_digits("2569") == "๒๕๖๙"
    assert format_citizen_id("1101700203450") == "1-1017-00203-45-0"
    assert mask_citizen_id("1101700203450") == "x-xxxx-xxxx3-45-0"
    assert is_masked_citizen_id(mask_citizen_id("1101700203450"))
    assert not is_masked_citizen_id(format_citizen_id("1101700203450"))
    assert format_house_code("55990123456") == "5599-012345-6"
    with pytest.raises(ValueError):
        format_citizen_id("123")


def test_no_break_space_glues(font: ImageFont.FreeTypeFont) -> None:
    text = "เวลา 09:30\u00a0น. (15\u00a0นาที)"
    points = break_points(text)
    assert text.index("น.") not in points and text.index("นาที") not in points
    assert all("\u00a0" in ln or ln in ("เวลา",) for ln in wrap(text, font, 110))
