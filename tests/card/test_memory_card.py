"""The codec's read sequence against the virtual card's model, no reader in between: every citizen, quirk, fault."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.drivers.card import (
    BadCheckDigit,
    CardError,
    CardExpired,
    CardRemovedError,
    CardTimeout,
    MalformedResponse,
    NotThaiIdCard,
    UnexpectedStatus,
)
from kiosk.drivers.card import codec as c
from simulator import citizens as cz
from simulator.vcard.card import (
    ATR_3B67,
    ATR_3B68,
    ATR_3B78,
    CardBehaviour,
    CardImage,
    Fault,
    ThaiIdCard,
    in_memory_transmit,
)

TODAY = date(2026, 11, 22)
GET_RESPONSE = 0xC0


def card_of(key: str, behaviour: CardBehaviour | None = None, **changes: object) -> ThaiIdCard:
    return ThaiIdCard(CardImage.of(cz.by_key(key), **changes), behaviour or CardBehaviour())


def session(card: ThaiIdCard) -> c.Session:
    return c.Session(in_memory_transmit(card), card.atr)


def full_read(card: ThaiIdCard) -> tuple[object, bytes]:
    s = session(card)
    identity = s.read_identity(reject_expired_on=TODAY)
    return identity, s.read_photo()


def count_full_read() -> int:
    card = card_of("somchai")
    full_read(card)
    return card.apdu_count


@pytest.mark.parametrize("citizen", cz.load_citizens(), ids=lambda p: p.key)
def test_every_citizen_reads_back_exactly(citizen: cz.Citizen) -> None:
    card = ThaiIdCard(CardImage.of(citizen))
    s = session(card)
    identity = s.read_identity()
    photo = s.read_photo()
    assert identity.cid == citizen.cid
    assert identity.name_th.full() == citizen.name_th.full()
    assert identity.name_en == c.parse_name(citizen.name_en.card_field().encode(), "n")
    assert (identity.name_th.middle, identity.name_en.middle) == (citizen.name_th.middle, citizen.name_en.middle)
    assert identity.dob == c.parse_dob(citizen.dob.encode())
    assert identity.dob.year == int(citizen.dob[:4]) - 543
    assert identity.sex == citizen.sex
    assert identity.issuer == citizen.issuer
    assert identity.issued == c.parse_be_date(citizen.issued.encode(), "issued")
    assert identity.expires == (
        None if citizen.expires == "99999999" else c.parse_be_date(citizen.expires.encode(), "e")
    )
    assert identity.address.raw == citizen.address
    assert identity.address.province == citizen.address.split("#")[-1]
    assert identity.laser_id == citizen.laser_id
    assert photo == cz.portrait_jpeg(citizen)


def test_identity_comes_before_the_photo_and_the_laser_id_reselects() -> None:
    card = card_of("somchai")
    full_read(card)
    log = card.log
    assert log[0] == c.select_apdu(c.PERSONAL_AID)
    photo_reads = [
        i for i, a in enumerate(log) if a[:2] == b"\x80\xb0" and a[2:4] >= b"\x01\x7b" and a[2:4] < b"\x15\x79"
    ]
    identity_reads = [i for i, a in enumerate(log) if a[:2] == b"\x80\xb0" and i not in photo_reads]
    assert len(photo_reads) == 20 and len(identity_reads) == 9
    assert max(identity_reads) < min(photo_reads)
    laser = log.index(c.select_apdu(c.LASER_AID))
    assert log[laser + 1] == c.LASER_READ_APDU
    assert log[laser + 3] == c.select_apdu(c.PERSONAL_AID)
    assert laser + 3 < min(photo_reads)
    assert card.apdu_count == 1 + 2 * 9 + 4 + 2 * 20


@pytest.mark.parametrize(("atr", "p2"), [(ATR_3B67, 0x01), (ATR_3B68, 0x00), (ATR_3B78, 0x00)])
def test_the_atr_picks_get_response_p2_without_a_retry(atr: bytes, p2: int) -> None:
    card = card_of("somchai", CardBehaviour(atr=atr))
    full_read(card)
    responses = [a for a in card.log if a[1] == GET_RESPONSE]
    assert responses and all(a[3] == p2 for a in responses)


def test_6a86_fallback_when_the_atr_misleads() -> None:
    card = card_of("ruethai", CardBehaviour(atr=ATR_3B68, get_response_p2=0x01))
    identity, _ = full_read(card)
    responses = [a for a in card.log if a[1] == GET_RESPONSE]
    assert [a[3] for a in responses[:2]] == [0x00, 0x01]  # one 6A 86, then P2=01 for good
    assert all(a[3] == 0x01 for a in responses[1:])
    assert identity is not None


def test_6c_when_the_card_announces_the_wrong_length() -> None:
    card = card_of("somsak", CardBehaviour(announce_256=True))
    _, photo = full_read(card)
    assert photo == cz.portrait_jpeg(cz.by_key("somsak"))
    lengths = [a[4] for a in card.log if a[1] == GET_RESPONSE]
    assert lengths[:2] == [0x00, 13]  # Le=00 (256) refused with 6C 0D, resent with Le=0D


def test_a_card_without_the_laser_applet() -> None:
    card = card_of("boonmee", CardBehaviour(laser_applet=False))
    identity = session(card).read_identity()
    assert identity.laser_id is None
    assert identity.expires is None  # lifelong


def test_not_a_thai_id_card() -> None:
    card = card_of("somchai", CardBehaviour(thai_id=False))
    with pytest.raises(NotThaiIdCard):
        session(card).read_identity()
    assert card.apdu_count == 1


def test_expired_card_is_refused_only_when_asked() -> None:
    with pytest.raises(CardExpired):
        session(card_of("weera")).read_identity(reject_expired_on=TODAY)
    assert session(card_of("weera")).read_identity().is_expired(TODAY)


def test_bad_check_digit() -> None:
    good = cz.by_key("somchai").cid
    bad = good[:12] + str((int(good[12]) + 1) % 10)
    with pytest.raises(BadCheckDigit):
        session(card_of("somchai", cid=bad)).read_identity()


def test_undecodable_name_is_malformed() -> None:
    card = card_of("somchai")
    card._memory = card._memory[: c.NAME_TH.offset] + b"\xdb" * 100 + card._memory[c.NAME_TH.offset + 100 :]
    with pytest.raises(MalformedResponse):
        session(card).read_identity()


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault(3, "corrupt"), MalformedResponse),  # the citizen ID's data: no longer digits
        (Fault(3, "truncate"), MalformedResponse),
        (Fault(9, "corrupt"), MalformedResponse),  # date of birth
        (Fault(2, "status", sw=0x6F00), UnexpectedStatus),
        (Fault(3, "status", sw=0x6281), UnexpectedStatus),
        (Fault(1, "status", sw=0x6A82), NotThaiIdCard),
        (Fault(25, "corrupt"), MalformedResponse),  # the first photo chunk: no JPEG start
        (Fault(5, "stall"), CardTimeout),
    ],
)
def test_faults_give_typed_errors(fault: Fault, error: type[Exception]) -> None:
    with pytest.raises(error):
        full_read(card_of("somchai", CardBehaviour(faults=(fault,))))


FULL_READ = 63


@pytest.mark.parametrize("n", range(1, FULL_READ + 1))
def test_removal_at_every_apdu_gives_card_removed_and_no_data(n: int) -> None:
    card = card_of("somchai", CardBehaviour(faults=(Fault(n, "remove"),)))
    result = None
    with pytest.raises(CardRemovedError):
        result = full_read(card)
    assert result is None
    assert card.apdu_count == n


def test_full_read_length_is_what_the_removal_test_covers() -> None:
    assert count_full_read() == FULL_READ


def test_card_model_refuses_reads_without_a_selected_applet() -> None:
    card = card_of("somchai")
    assert card.respond(c.read_apdu(0x0004, 13)) == b"\x69\x86"
    assert card.respond(b"\x00\xc0\x00\x00\x0d") == b"\x69\x85"
    assert card.respond(b"\x00") == b"\x67\x00"
    assert card.respond(b"\x90\x00\x00\x00") == b"\x6e\x00"


def test_card_image_refuses_what_does_not_fit() -> None:
    with pytest.raises(ValueError):
        CardImage.of(cz.by_key("somchai"), issuer="ก" * 101).memory()
    with pytest.raises(ValueError):
        CardImage.of(cz.by_key("somchai"), photo=b"\xff" * 5101).memory()


# ------------------------------------------------------------------------------------------------------- fuzzing

SWS = st.sampled_from([0x9000, 0x6100, 0x610D, 0x6164, 0x61FF, 0x6C0D, 0x6C00, 0x6A86, 0x6A82, 0x6985, 0x6F00])


@settings(max_examples=300, deadline=None)
@given(
    mutations=st.dictionaries(
        st.integers(1, FULL_READ),
        st.tuples(st.binary(max_size=260), SWS | st.integers(0, 0xFFFF)),
        max_size=4,
    )
)
def test_any_garbled_answers_give_data_or_a_typed_error(mutations: dict[int, tuple[bytes, int]]) -> None:
    """Whatever the card answers to any APDUs, a read returns data or raises a CardError: never anything else."""
    card = card_of("ruethai")
    honest = in_memory_transmit(card)
    count = 0

    def transmit(apdu: bytes) -> tuple[bytes, int, int]:
        nonlocal count
        count += 1
        if count in mutations:
            data, sw = mutations[count]
            return data, sw >> 8, sw & 0xFF
        return honest(apdu)

    s = c.Session(transmit, card.atr)
    try:
        s.read_identity(reject_expired_on=TODAY)
        s.read_photo()
    except CardError:
        pass


# ----------------------------------------------------------------------------- names first, blank photo, short Le


def test_the_id_and_names_come_first_in_seven_apdus() -> None:
    card = card_of("ruethai")
    s = session(card)
    names = s.read_names()
    assert card.apdu_count == 7  # SELECT + (READ + GET RESPONSE) x 3
    assert names.cid == cz.by_key("ruethai").cid and names.name_th.full() == "นางฤทัยรัตน์ ภูมิผู้ใหญ่"
    identity = s.read_identity(names=names)
    assert identity.name_en == names.name_en
    assert card.apdu_count == count_full_read() - 2 * len(c.PHOTO_FIELDS)  # nothing read twice


def test_a_blank_photo_area_keeps_the_identity_and_reports_no_photo() -> None:
    card = card_of("ruethai", photo=b"")
    s = session(card)
    identity = s.read_identity(reject_expired_on=TODAY)
    before = card.apdu_count
    assert s.read_photo() is None
    assert card.apdu_count - before == 2  # the first chunk is blank: the other 19 are not fetched
    assert identity.cid == cz.by_key("ruethai").cid


def test_a_photo_area_of_garbage_is_still_malformed() -> None:
    s = session(card_of("ruethai", photo=b"\x12\x34" * 100))
    s.select_personal()
    with pytest.raises(MalformedResponse, match="JPEG"):
        s.read_photo()


def test_get_response_with_a_short_le_gives_the_first_bytes_and_61_xx_like_iso_7816_cards() -> None:
    card = card_of("ruethai")
    transmit = in_memory_transmit(card)
    assert transmit(c.select_apdu(c.LASER_AID))[1:] == (0x61, 0x0A)
    _, sw1, sw2 = transmit(c.LASER_READ_APDU)
    assert (sw1, sw2) == (0x61, 16)
    p2 = card.expected_p2
    first, sw1, sw2 = transmit(c.get_response_apdu(p2, 4))
    assert (len(first), sw1, sw2) == (4, 0x61, 12)  # not 6C 10
    rest, sw1, sw2 = transmit(c.get_response_apdu(p2, 12))
    assert (sw1, sw2) == (0x90, 0x00)
    assert (first + rest).rstrip(b"\x00").decode() == cz.by_key("ruethai").laser_id
    transmit(c.select_apdu(c.PERSONAL_AID))
    assert transmit(c.read_apdu(c.CID.offset, c.CID.length))[1:] == (0x61, 13)
    assert transmit(c.get_response_apdu(p2, 0x20))[1:] == (0x6C, 13)  # a longer Le still learns the length
