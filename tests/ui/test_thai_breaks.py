"""Thai lines break between words the way a reader expects: never inside the kiosk's compounds or place names
(the splits seen on screen: หน้า|จอ, บัตร|ประชาชน, ตรง|กัน, เขต|พญาไท, ถนนสุมนเทว|ราช), over every Thai string."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from kiosk.text.words import KIOSK_WORDS
from kiosk.text.wrap import break_points
from kiosk.ui.i18n import LOCALE_DIR


def pieces(text: str) -> list[str]:
    b = break_points(text)
    return [text[i:j] for i, j in zip([0, *b], [*b, len(text)], strict=True)]


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ("กรุณาดูที่หน้าจอ", "หน้าจอ"),
        ("บัตรประชาชนของท่าน", "บัตรประชาชน"),
        ("ใบหน้าไม่ตรงกันกับรูป", "ตรงกัน"),
        ("สำนักงานเขตพญาไท", "เขตพญาไท"),
        ("12 ถนนสุมนเทวราช แขวงสามเสนใน", "ถนนสุมนเทวราช"),
    ],
)
def test_the_splits_seen_on_screen_are_gone(text: str, whole: str) -> None:
    assert any(whole in p for p in pieces(text)), pieces(text)


def thai_strings() -> list[str]:
    with (LOCALE_DIR / "th" / "LC_MESSAGES" / "kiosk.po").open("rb") as f:
        catalog = read_po(f)
    return [str(m.string) for m in catalog if m.id and m.string]


def test_no_catalogue_string_breaks_inside_a_kiosk_word_and_every_long_one_still_breaks() -> None:
    strings = thai_strings()
    assert len(strings) > 100
    for s in strings:
        for p in pieces(s):
            assert p.strip(), (s, pieces(s))
        for word in KIOSK_WORDS:
            start = s.find(word)
            while start >= 0:
                assert not [i for i in break_points(s) if start < i < start + len(word)], (s, word)
                start = s.find(word, start + 1)
    long_ones = [s for s in strings if len(s) > 40]
    assert all(len(pieces(s)) > 2 for s in long_ones)  # the list glues words, not whole sentences


def test_a_kiosk_compound_wider_than_its_column_is_cut_at_its_parts_not_inside_a_word() -> None:
    """The ท.ร.12/2 detail column is narrower than บัตรประจำตัวประชาชน: it goes บัตรประจำตัว | ประชาชน, never ประชาช | น."""
    from PIL import ImageFont

    from kiosk.setup_check import find_font
    from kiosk.text.wrap import wrap

    path = find_font("Loma")
    if path is None:
        pytest.skip("TLWG Loma font missing (scripts/setup installs fonts-tlwg-loma-ttf)")
    font = ImageFont.truetype(str(path), 22)
    width = font.getlength("บัตรประจำตัวประชา", language="th")
    assert wrap("บัตรประจำตัวประชาชน", font, width) == ["บัตรประจำตัว", "ประชาชน"]
    assert wrap("ออก บัตรประจำตัวประชาชน", font, width) == ["ออก บัตรประจำตัว", "ประชาชน"]


ID_CARD_ISSUED = "ออกบัตรประจำตัวประชาชน"
ID_CARD_ISSUED_WORDS = ["ออก", "บัตร", "ประจำตัว", "ประชาชน"]


def strings_with_id_card_issued() -> list[str]:
    """Where "ออกบัตรประจำตัวประชาชน" is written: the ท.ร.12/2 event label on paper and the screens' catalogue."""
    from kiosk.documents.layout import ENUM_LABELS

    on_paper = [th for th, _ in ENUM_LABELS.values() if ID_CARD_ISSUED in th]
    on_screen = [s for s in thai_strings() if ID_CARD_ISSUED in s]
    assert on_paper and on_screen
    return on_paper + on_screen


def test_id_card_issued_breaks_only_between_its_words() -> None:
    allowed = {3, 7, 15}  # ออก|บัตร|ประจำตัว|ประชาชน
    assert [ID_CARD_ISSUED[i:j] for i, j in zip([0, *allowed], [*allowed, 22], strict=True)] == ID_CARD_ISSUED_WORDS
    for s in strings_with_id_card_issued():
        start = s.find(ID_CARD_ISSUED)
        inside = {i - start for i in break_points(s) if start < i < start + len(ID_CARD_ISSUED)}
        assert inside == allowed, (s, pieces(s))


def test_id_card_issued_wraps_at_every_width_only_between_its_words() -> None:
    """Down to the widest of its words, every column width gives lines of whole words: never บัตรประจำ | ตัว."""
    from PIL import ImageFont

    from kiosk.setup_check import find_font
    from kiosk.text.wrap import wrap

    path = find_font("Loma")
    if path is None:
        pytest.skip("TLWG Loma font missing (scripts/setup installs fonts-tlwg-loma-ttf)")
    font = ImageFont.truetype(str(path), 22)
    narrowest = max(font.getlength(w, language="th") for w in ID_CARD_ISSUED_WORDS)
    widest = font.getlength(ID_CARD_ISSUED, language="th")
    widths = [narrowest + step for step in range(0, int(widest - narrowest) + 2, 2)]
    for width in widths:
        lines = wrap(ID_CARD_ISSUED, font, width)
        assert "".join(lines) == ID_CARD_ISSUED
        cuts = {sum(len(line) for line in lines[:n]) for n in range(1, len(lines))}
        assert cuts <= {3, 7, 15}, (width, lines)
