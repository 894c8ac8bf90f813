"""The card codec with no card at all: golden APDU bytes, every field parser, every T=0 status path, every error."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date

import pytest

from kiosk.drivers.card import (
    BadCheckDigit,
    CardData,
    CardExpired,
    CardIdentity,
    MalformedResponse,
    NotThaiIdCard,
    PartialDate,
    PersonName,
    UnexpectedStatus,
    mask_cid,
)
from kiosk.drivers.card import codec as c

H = bytes.fromhex

# ------------------------------------------------------------------------------------------------- golden APDUs


def test_golden_apdus() -> None:
    assert c.select_apdu(c.PERSONAL_AID) == H("00A4040008A000000054480001")
    assert c.select_apdu(c.LASER_AID) == H("00A4040008A000000084060002")
    assert c.read_apdu(c.CID.offset, c.CID.length) == H("80B0000402000D")
    assert c.read_apdu(c.NAME_TH.offset, c.NAME_TH.length) == H("80B00011020064")
    assert c.read_apdu(c.NAME_EN.offset, c.NAME_EN.length) == H("80B00075020064")
    assert c.read_apdu(c.DOB.offset, c.DOB.length) == H("80B000D9020008")
    assert c.read_apdu(c.SEX.offset, c.SEX.length) == H("80B000E1020001")
    assert c.read_apdu(c.ISSUER.offset, c.ISSUER.length) == H("80B000F6020064")
    assert c.read_apdu(c.ISSUED.offset, c.ISSUED.length) == H("80B00167020008")
    assert c.read_apdu(c.EXPIRES.offset, c.EXPIRES.length) == H("80B0016F020008")
    assert c.read_apdu(c.ADDRESS.offset, c.ADDRESS.length) == H("80B01579020064")
    assert c.get_response_apdu(0x01, 0x0D) == H("00C000010D")
    assert c.get_response_apdu(0x00, 256) == H("00C0000000")
    assert H("8000000007") == c.LASER_READ_APDU


def test_photo_chunks_cover_the_photo_area() -> None:
    offsets = [f.offset for f in c.PHOTO_FIELDS]
    assert len(offsets) == 20
    assert c.read_apdu(offsets[0], 0xFF) == H("80B0017B0200FF")
    assert c.read_apdu(offsets[1], 0xFF) == H("80B0027A0200FF")
    assert c.read_apdu(offsets[19], 0xFF) == H("80B014680200FF")
    assert all(b - a == 0xFF for a, b in itertools.pairwise(offsets))


@pytest.mark.parametrize(
    ("atr", "p2"),
    [
        ("3B 67 00 00 73 20 00 6C 68 90 00", 0x01),
        ("3B 68 00 00 00 73 C8 40 12 00 90 00", 0x00),
        ("3B 78 18 00 00 00 73 C8 40 13 00 90 00", 0x00),
        ("3B 79 18 00 00 54 48 20 4E 49 44 20 31 31", 0x00),
    ],
)
def test_get_response_p2_follows_the_atr(atr: str, p2: int) -> None:
    assert c.get_response_p2(H(atr)) == p2


# ------------------------------------------------------------------------------------------------------ fields


def test_cid_and_its_check_digit() -> None:
    assert c.parse_cid(b"1101700123456") == "1101700123456"
    assert c.parse_cid(b"3100500678905") == "3100500678905"
    with pytest.raises(BadCheckDigit) as e:
        c.parse_cid(b"1101700123457")
    assert e.value.reason == "bad_check_digit"
    for bad in (b"11017001234", b"110170012345X", b"\xff" * 13, b" " * 13):
        with pytest.raises(MalformedResponse):
            c.parse_cid(bad)


def test_check_digit_formula() -> None:
    # s = sum(d[i] * (13 - i)) = 13 + 12 + 10 + 63 + 6 + 10 + 12 + 12 + 10 = 148; (11 - 148 % 11) % 10 = 6
    assert c.cid_check_digit("110170012345") == 6
    assert c.cid_check_digit("000000000000") == 1  # (11 - 0) % 10


def test_text_is_tis620_via_cp874_including_byte_a0() -> None:
    raw = "ผู้ใหญ่บ้าน".encode("cp874") + b"\xa0" + "ฤทัย".encode("cp874") + b"   "
    assert c.decode_text(raw, "x") == "ผู้ใหญ่บ้าน\xa0ฤทัย"
    with pytest.raises(UnicodeDecodeError):
        raw.decode("tis_620")
    with pytest.raises(MalformedResponse):
        c.decode_text(b"\xdb\xdc", "issuer")  # undefined in TIS-620


def test_names_split_into_four_parts() -> None:
    raw = "นาย#สมศักดิ์#วิลเลียม#ศรีสุข".encode("cp874").ljust(100, b" ")
    assert c.parse_name(raw, "n") == PersonName("นาย", "สมศักดิ์", "วิลเลียม", "ศรีสุข")
    assert c.parse_name(b"Mrs.#Ruethairat##Phumphuyai".ljust(100, b" "), "n") == PersonName(
        "Mrs.", "Ruethairat", "", "Phumphuyai"
    )
    for bad in (b"Mr.#Somchai#Jaidee", b"a#b#c#d#e", b"###", b" " * 100):
        with pytest.raises(MalformedResponse):
            c.parse_name(bad, "n")


def test_full_names_for_display() -> None:
    assert PersonName("นางสาว", "กนกวรรณ", "", "แก้วมณี").full() == "นางสาวกนกวรรณ แก้วมณี"
    assert PersonName("Mr.", "Somsak", "William", "Srisuk").full() == "Mr. Somsak William Srisuk"
    assert PersonName("", "Somchai", "", "Jaidee").full() == "Somchai Jaidee"


def test_buddhist_era_dates() -> None:
    assert c.parse_be_date(b"25640315", "d") == date(2021, 3, 15)
    assert c.parse_be_date(b"25670229", "d") == date(2024, 2, 29)  # 2567 BE = 2024, a leap year
    for bad in (b"25660229", b"25641301", b"2564031", b"2564-3-1", b"00000000", b"19850315"):
        with pytest.raises(MalformedResponse):
            c.parse_be_date(bad, "d")


def test_date_of_birth_with_unknown_month_or_day() -> None:
    assert c.parse_dob(b"25280315") == PartialDate(1985, 3, 15)
    assert c.parse_dob(b"25420600") == PartialDate(1999, 6, None)
    assert c.parse_dob(b"24800000") == PartialDate(1937, None, None)
    for bad in (b"24800015", b"25421300", b"25420231", b"2542060"):
        with pytest.raises(MalformedResponse):
            c.parse_dob(bad)


def test_partial_dates_count_age_as_the_law_does() -> None:
    today = date(2026, 11, 22)
    assert PartialDate(1985, 3, 15).age_on(today) == 41
    assert PartialDate(1985, 12, 1).age_on(today) == 40
    assert PartialDate(1999, 11).age_on(today) == 27  # from 1 November
    assert PartialDate(1999, 12).age_on(today) == 26
    assert PartialDate(1937).age_on(date(2026, 1, 1)) == 89  # from 1 January
    assert PartialDate(1937).nominal() == date(1937, 1, 1)
    assert [str(PartialDate(1937)), str(PartialDate(1999, 6)), str(PartialDate(1985, 3, 15))] == [
        "1937",
        "1999-06",
        "1985-03-15",
    ]


def test_expiry_and_the_lifelong_card() -> None:
    assert c.parse_expiry(b"99999999") is None
    assert c.parse_expiry(b"25720314") == date(2029, 3, 14)
    with pytest.raises(MalformedResponse):
        c.parse_expiry(b"99999998")


def test_sex() -> None:
    assert c.parse_sex(b"1") == "male"
    assert c.parse_sex(b"2") == "female"
    for bad in (b"0", b"3", b"M", b" "):
        with pytest.raises(MalformedResponse):
            c.parse_sex(bad)


def test_address_parts() -> None:
    raw = "12/345#หมู่ที่ 6#ตรอกวัดกู้#ซอยบุญอุ้ม 7#ถนนเทพารักษ์#ตำบลบางปลา#อำเภอบางพลี#จังหวัดสมุทรปราการ"
    a = c.parse_address(raw.encode("cp874").ljust(100, b" "))
    assert (a.house_no, a.moo, a.trok, a.soi, a.road) == ("12/345", "หมู่ที่ 6", "ตรอกวัดกู้", "ซอยบุญอุ้ม 7", "ถนนเทพารักษ์")
    assert (a.subdistrict, a.district, a.province) == ("ตำบลบางปลา", "อำเภอบางพลี", "จังหวัดสมุทรปราการ")
    assert a.raw == raw
    assert a.lines() == ["12/345 หมู่ที่ 6 ตรอกวัดกู้ ซอยบุญอุ้ม 7 ถนนเทพารักษ์", "ตำบลบางปลา อำเภอบางพลี จังหวัดสมุทรปราการ"]


def test_address_with_blanks_and_extra_parts() -> None:
    blanks = c.parse_address("99/9####ถนนพหลโยธิน#แขวงสามเสนใน#เขตพญาไท#กรุงเทพมหานคร".encode("cp874"))
    assert (blanks.house_no, blanks.moo, blanks.soi, blanks.road) == ("99/9", "", "", "ถนนพหลโยธิน")
    assert blanks.province == "กรุงเทพมหานคร"
    extra = c.parse_address("45#หมู่ที่ 3######ตำบลสุเทพ#อำเภอเมืองเชียงใหม่#จังหวัดเชียงใหม่".encode("cp874"))
    assert (extra.moo, extra.road, extra.subdistrict) == ("หมู่ที่ 3", "", "ตำบลสุเทพ")
    short = c.parse_address("1#ตำบลสุเทพ#อำเภอเมือง#จังหวัดเชียงใหม่".encode("cp874"))
    assert (short.house_no, short.moo, short.province) == ("1", "", "จังหวัดเชียงใหม่")
    for bad in ("ตำบล#อำเภอ#จังหวัด", "a#b#c#", ""):
        with pytest.raises(MalformedResponse):
            c.parse_address(bad.encode("cp874"))


def test_laser_id() -> None:
    assert c.parse_laser_id(b"JT0123456789\x00\x00\x00\x00") == "JT0123456789"
    assert c.parse_laser_id(b"ME0-1234567-89\x00\x00") == "ME0-1234567-89"
    assert c.parse_laser_id(b"\x00" * 16) is None
    with pytest.raises(MalformedResponse):
        c.parse_laser_id(b"jt\xff123\x00")


def test_photo_join_cuts_after_the_last_end_marker() -> None:
    jpeg = b"\xff\xd8" + b"\x11\xff\xd9\x22" + b"\x33" * 300 + b"\xff\xd9"  # an inner FF D9 (a thumbnail's) stays
    area = jpeg.ljust(20 * 255, b"\x00")
    chunks = [area[i : i + 255] for i in range(0, len(area), 255)]
    assert c.join_photo(chunks) == jpeg
    with pytest.raises(MalformedResponse):
        c.join_photo([b"\x00" * 255] * 20)
    with pytest.raises(MalformedResponse):
        c.join_photo([b"\xff\xd8" + b"\x00" * 253] + [b"\x00" * 255] * 19)


# ------------------------------------------------------------------------------------------ identity and privacy


def _identity(expires: date | None) -> CardIdentity:
    return CardIdentity(
        cid="1101700123456",
        name_th=PersonName("นาย", "สมชาย", "", "ใจดี"),
        name_en=PersonName("Mr.", "Somchai", "", "Jaidee"),
        dob=PartialDate(1985, 3, 15),
        sex="male",
        issuer="x",
        issued=date(2021, 3, 15),
        expires=expires,
        address=c.parse_address("1#ต#อ#จ".encode("cp874")),
        laser_id=None,
    )


def test_expiry_check() -> None:
    expires = date(2029, 3, 14)
    c.check_not_expired(_identity(expires), expires)  # valid through its last day
    with pytest.raises(CardExpired) as e:
        c.check_not_expired(_identity(expires), date(2029, 3, 15))
    assert e.value.reason == "card_expired"
    c.check_not_expired(_identity(None), date(2999, 1, 1))


def test_reprs_and_masks_keep_the_person_out_of_logs() -> None:
    identity = _identity(None)
    data = CardData.of(identity, b"\xff\xd8\xff\xd9")
    for text in (repr(identity), repr(data), str(identity)):
        assert "1101700123456" not in text and "Somchai" not in text and "สมชาย" not in text
    assert mask_cid("1101700123456") == "1-1017-xxxxx-xx-6"
    assert mask_cid("123") == "x-xxxx-xxxxx-xx-x"
    assert data.cid == identity.cid and data.photo == b"\xff\xd8\xff\xd9"


def test_error_reasons_are_distinct() -> None:
    from kiosk.drivers import card

    classes: list[type[card.CardError]] = [
        card.CardError,
        card.NotThaiIdCard,
        card.CardRemovedError,
        card.ReaderUnavailable,
        card.MalformedResponse,
        card.UnexpectedStatus,
        card.BadCheckDigit,
        card.CardExpired,
        card.CardTimeout,
    ]
    reasons = [k.reason for k in classes]
    assert len(set(reasons)) == len(reasons)
    assert all(k.device == "card" for k in classes)


# --------------------------------------------------------------------------------- T=0 over a scripted transmit


class Script:
    """A transmit that checks each APDU against the expected bytes and answers with the scripted response."""

    def __init__(self, steps: list[tuple[str, str]]) -> None:
        self._steps: Iterator[tuple[str, str]] = iter(steps)
        self.sent: list[bytes] = []

    def __call__(self, apdu: bytes) -> tuple[bytes, int, int]:
        expected, response = next(self._steps)
        self.sent.append(apdu)
        assert apdu == H(expected), f"sent {apdu.hex().upper()}, expected {expected}"
        raw = H(response)
        return raw[:-2], raw[-2], raw[-1]


ATR_67 = H("3B 67 00 00 73 20 00 6C 68 90 00")
ATR_68 = H("3B 68 00 00 00 73 C8 40 12 00 90 00")
SEX_FIELD = c.SEX


def test_read_uses_p2_01_for_3b67_cards() -> None:
    script = Script([("80B000E1020001", "6101"), ("00C0000101", "31 9000")])
    assert c.Session(script, ATR_67).read(SEX_FIELD) == b"1"


def test_wrong_p2_6a86_is_retried_with_the_other_p2_and_remembered() -> None:
    script = Script(
        [
            ("80B000E1020001", "6101"),
            ("00C0000001", "6A86"),
            ("00C0000101", "32 9000"),
            ("80B000E1020001", "6101"),
            ("00C0000101", "32 9000"),
        ]
    )
    session = c.Session(script, ATR_68)
    assert session.read(SEX_FIELD) == b"2"
    assert session.read(SEX_FIELD) == b"2"
    assert session.p2 == 0x01


def test_6a86_on_both_p2_is_an_unexpected_status() -> None:
    script = Script([("80B000E1020001", "6101"), ("00C0000001", "6A86"), ("00C0000101", "6A86")])
    with pytest.raises(UnexpectedStatus) as e:
        c.Session(script, ATR_68).read(SEX_FIELD)
    assert e.value.sw == 0x6A86


def test_6c_resends_get_response_with_the_right_le() -> None:
    script = Script([("80B000E1020001", "6100"), ("00C0000000", "6C01"), ("00C0000001", "31 9000")])
    assert c.Session(script, ATR_68).read(SEX_FIELD) == b"1"


def test_61_chains_further_data() -> None:
    script = Script(
        [("80B0000402000D", "610D"), ("00C000000D", "31313031 6109"), ("00C0000009", "373030313233343536 9000")]
    )
    assert c.Session(script, ATR_68).read(c.CID) == b"1101700123456"


def test_a_reader_that_fetches_the_response_itself() -> None:
    script = Script([("80B000E1020001", "31 9000")])
    assert c.Session(script, ATR_68).read(SEX_FIELD) == b"1"


def test_wrong_length_is_malformed() -> None:
    script = Script([("80B000E1020001", "6102"), ("00C0000002", "3131 9000")])
    with pytest.raises(MalformedResponse):
        c.Session(script, ATR_68).read(SEX_FIELD)


def test_wrong_status_word_on_read() -> None:
    script = Script([("80B000E1020001", "6F00")])
    with pytest.raises(UnexpectedStatus) as e:
        c.Session(script, ATR_68).read(SEX_FIELD)
    assert e.value.reason == "unexpected_status" and e.value.sw == 0x6F00
    assert isinstance(e.value, MalformedResponse)


def test_endless_6c_gives_up() -> None:
    script = Script([("80B000E1020001", "6101")] + [("00C0000001", "6C01")] * c.Session.MAX_GET_RESPONSE)
    with pytest.raises(MalformedResponse):
        c.Session(script, ATR_68).read(SEX_FIELD)


def test_select_answers() -> None:
    assert c.Session(Script([("00A4040008A000000054480001", "610A")]), ATR_68).select(c.PERSONAL_AID)
    assert c.Session(Script([("00A4040008A000000054480001", "9000")]), ATR_68).select(c.PERSONAL_AID)
    with pytest.raises(NotThaiIdCard) as e:
        c.Session(Script([("00A4040008A000000054480001", "6A82")]), ATR_68).select_personal()
    assert e.value.reason == "not_thai_id"
    with pytest.raises(UnexpectedStatus):
        c.Session(Script([("00A4040008A000000054480001", "6E00")]), ATR_68).select_personal()


def test_laser_id_sequence_reselects_the_personal_applet() -> None:
    script = Script(
        [
            ("00A4040008A000000084060002", "610A"),
            ("8000000007", "6110"),
            ("00C0000010", "4A5430313233343536373839 00000000 9000"),
            ("00A4040008A000000054480001", "610A"),
        ]
    )
    assert c.Session(script, ATR_68).read_laser_id() == "JT0123456789"
    assert len(script.sent) == 4


def test_no_laser_applet_gives_none() -> None:
    script = Script([("00A4040008A000000084060002", "6A82"), ("00A4040008A000000054480001", "610A")])
    assert c.Session(script, ATR_68).read_laser_id() is None


def test_before_apdu_can_stop_a_read() -> None:
    class Stop(Exception):
        pass

    def before() -> None:
        raise Stop

    with pytest.raises(Stop):
        c.Session(Script([]), ATR_68, before).read(SEX_FIELD)
