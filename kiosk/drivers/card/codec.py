"""The Thai ID card's commands, T=0 response handling and field parsers, over any `transmit`: no I/O of its own.

`Session` runs the read sequence against a `transmit(apdu) -> (data, sw1, sw2)` callable, so the same code reads an
in-memory card model in unit tests and a real card through pcscd. Parsers raise the card's typed errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from kiosk.drivers.card import (
    Address,
    BadCheckDigit,
    CardExpired,
    CardIdentity,
    CardNames,
    MalformedResponse,
    NotThaiIdCard,
    PartialDate,
    PersonName,
    UnexpectedStatus,
)

PERSONAL_AID = bytes.fromhex("A000000054480001")
LASER_AID = bytes.fromhex("A000000084060002")
LASER_READ_APDU = bytes.fromhex("8000000007")

BE_OFFSET_YEARS = 543
LIFELONG = b"99999999"
TEXT_CODEC = "cp874"  # TIS-620 with Windows' extras; Python's tis_620 codec rejects the byte A0 real cards use


@dataclass(frozen=True)
class Field:
    name: str
    offset: int
    length: int


CID = Field("cid", 0x0004, 13)
NAME_TH = Field("name_th", 0x0011, 100)
NAME_EN = Field("name_en", 0x0075, 100)
DOB = Field("dob", 0x00D9, 8)
SEX = Field("sex", 0x00E1, 1)
ISSUER = Field("issuer", 0x00F6, 100)
ISSUED = Field("issued", 0x0167, 8)
EXPIRES = Field("expires", 0x016F, 8)
ADDRESS = Field("address", 0x1579, 100)
IDENTITY_FIELDS = (CID, NAME_TH, NAME_EN, DOB, SEX, ISSUER, ISSUED, EXPIRES, ADDRESS)
NAME_FIELDS = (CID, NAME_TH, NAME_EN)  # read first and handed on at once

PHOTO_OFFSET = 0x017B
PHOTO_CHUNK_BYTES = 0xFF
PHOTO_CHUNKS = 20
PHOTO_FIELDS = tuple(
    Field(f"photo{i + 1}", PHOTO_OFFSET + i * PHOTO_CHUNK_BYTES, PHOTO_CHUNK_BYTES) for i in range(PHOTO_CHUNKS)
)
PHOTO_BYTES = PHOTO_CHUNKS * PHOTO_CHUNK_BYTES  # the whole photo area: what a progress fraction counts against

SW_OK = 0x9000
SW_WRONG_P1P2 = 0x6A86
SW_FILE_NOT_FOUND = 0x6A82
SW_FUNCTION_NOT_SUPPORTED = 0x6A81
SW_INS_NOT_SUPPORTED = 0x6D00

Transmit = Callable[[bytes], tuple[bytes, int, int]]

# ------------------------------------------------------------------------------------------------------------ APDUs


def select_apdu(aid: bytes) -> bytes:
    return bytes([0x00, 0xA4, 0x04, 0x00, len(aid)]) + aid


def read_apdu(offset: int, length: int) -> bytes:
    """The card's proprietary READ: Lc=2 carrying the length to read (`80 B0 offH offL 02 00 len`)."""
    return bytes([0x80, 0xB0, offset >> 8, offset & 0xFF, 0x02, 0x00, length])


def get_response_apdu(p2: int, le: int) -> bytes:
    return bytes([0x00, 0xC0, 0x00, p2, le & 0xFF])


def get_response_p2(atr: bytes) -> int:
    """Cards whose ATR starts `3B 67` want GET RESPONSE with P2=01; the others P2=00 (either may prove wrong)."""
    return 0x01 if atr[:2] == b"\x3b\x67" else 0x00


def sw_of(sw1: int, sw2: int) -> int:
    return (sw1 << 8) | sw2


# ---------------------------------------------------------------------------------------------------------- parsers


def cid_check_digit(first12: str) -> int:
    s = sum(int(d) * (13 - i) for i, d in enumerate(first12[:12]))
    return (11 - s % 11) % 10


def parse_cid(raw: bytes) -> str:
    text = raw.rstrip(b" \x00")
    if len(text) != 13 or not all(0x30 <= b <= 0x39 for b in text):
        raise MalformedResponse("the citizen ID is not 13 ASCII digits")
    cid = text.decode("ascii")
    if cid_check_digit(cid) != int(cid[12]):
        raise BadCheckDigit("the citizen ID fails its check digit")
    return cid


def decode_text(raw: bytes, what: str) -> str:
    try:
        return raw.rstrip(b" \x00").decode(TEXT_CODEC).strip()
    except UnicodeDecodeError as e:
        raise MalformedResponse(f"{what}: not TIS-620 text (byte {raw[e.start]:02X} at {e.start})") from e


def parse_name(raw: bytes, what: str) -> PersonName:
    parts = decode_text(raw, what).split("#")
    if len(parts) != 4:
        raise MalformedResponse(f"{what}: expected prefix#first#middle#last, got {len(parts)} parts")
    prefix, first, middle, last = (p.strip() for p in parts)
    if not first and not last:
        raise MalformedResponse(f"{what}: empty")
    return PersonName(prefix, first, middle, last)


def _digits8(raw: bytes, what: str) -> tuple[int, int, int]:
    if len(raw) != 8 or not all(0x30 <= b <= 0x39 for b in raw):
        raise MalformedResponse(f"{what}: not 8 ASCII digits")
    text = raw.decode("ascii")
    year_be = int(text[:4])
    if not 2400 <= year_be <= 2800:
        raise MalformedResponse(f"{what}: year {year_be} BE is not plausible")
    return year_be - BE_OFFSET_YEARS, int(text[4:6]), int(text[6:8])


def parse_be_date(raw: bytes, what: str) -> date:
    """A full Buddhist-era `YYYYMMDD` date."""
    year, month, day = _digits8(raw, what)
    try:
        return date(year, month, day)
    except ValueError as e:
        raise MalformedResponse(f"{what}: not a date ({e})") from e


def parse_dob(raw: bytes) -> PartialDate:
    """Date of birth: month `00` means month and day unknown, day `00` the day unknown."""
    year, month, day = _digits8(raw, "date of birth")
    if month == 0:
        if day != 0:
            raise MalformedResponse("date of birth: a day without a month")
        return PartialDate(year)
    if day == 0:
        if not 1 <= month <= 12:
            raise MalformedResponse("date of birth: bad month")
        return PartialDate(year, month)
    parse_be_date(raw, "date of birth")
    return PartialDate(year, month, day)


def parse_expiry(raw: bytes) -> date | None:
    """Expiry date, or None for a lifelong card (`99999999`)."""
    return None if raw == LIFELONG else parse_be_date(raw, "expiry date")


def parse_sex(raw: bytes) -> str:
    match raw:
        case b"1":
            return "male"
        case b"2":
            return "female"
    raise MalformedResponse("sex: neither 1 nor 2")


def parse_address(raw: bytes) -> Address:
    """`house#moo#trok#soi#road…#subdistrict#district#province`: the last three parts are fixed, the rest in order."""
    text = decode_text(raw, "address")
    parts = [p.strip() for p in text.split("#")]
    if len(parts) < 4 or not parts[-1]:
        raise MalformedResponse(f"address: {len(parts)} parts, no province")
    head, (subdistrict, district, province) = parts[:-3], parts[-3:]
    head += [""] * (4 - len(head))
    road = " ".join(p for p in head[4:] if p)
    return Address(head[0], head[1], head[2], head[3], road, subdistrict, district, province, raw=text)


def parse_laser_id(raw: bytes) -> str | None:
    text = raw.replace(b"\x00", b"").strip()
    if not text:
        return None
    if not all(0x30 <= b <= 0x39 or 0x41 <= b <= 0x5A or b == 0x2D for b in text):
        raise MalformedResponse("laser ID: not upper-case ASCII letters and digits")
    return text.decode("ascii")


def is_blank(chunk: bytes) -> bool:
    """An area never written: all 00 (as personalisation leaves it) or all FF (erased EEPROM)."""
    return chunk.strip(b"\x00") == b"" or chunk.strip(b"\xff") == b""


def join_photo(chunks: list[bytes]) -> bytes:
    """Join the photo's chunks and cut after the last JPEG end marker (the rest of the area is padding)."""
    data = b"".join(chunks)
    end = data.rfind(b"\xff\xd9")
    if not data.startswith(b"\xff\xd8") or end < 0:
        raise MalformedResponse("photo: not a JPEG (no start or end marker)")
    return data[: end + 2]


def check_not_expired(identity: CardIdentity, today: date) -> None:
    if identity.is_expired(today):
        assert identity.expires is not None
        raise CardExpired(f"the card expired on {identity.expires.isoformat()}")


# ---------------------------------------------------------------------------------------------------------- session


class Session:
    """One read of one inserted card over `transmit`; `before_apdu` may raise to stop it (deadline, cancel)."""

    MAX_GET_RESPONSE = 6

    def __init__(self, transmit: Transmit, atr: bytes, before_apdu: Callable[[], None] | None = None) -> None:
        self._transmit = transmit
        self._before_apdu = before_apdu
        self.p2 = get_response_p2(atr)
        self.apdu_count = 0

    def exchange(self, apdu: bytes) -> tuple[bytes, int]:
        if self._before_apdu is not None:
            self._before_apdu()
        self.apdu_count += 1
        data, sw1, sw2 = self._transmit(apdu)
        return data, sw_of(sw1, sw2)

    def select(self, aid: bytes) -> bool:
        """True when the applet is selected, False when the card has no such applet."""
        _, sw = self.exchange(select_apdu(aid))
        if sw == SW_OK or sw >> 8 == 0x61:
            return True
        if sw in (SW_FILE_NOT_FOUND, SW_FUNCTION_NOT_SUPPORTED):
            return False
        raise UnexpectedStatus(f"SELECT {aid.hex().upper()} answered {sw:04X}", sw=sw)

    def select_personal(self) -> None:
        if not self.select(PERSONAL_AID):
            raise NotThaiIdCard("the card has no Thai ID personal applet")

    def get_response(self, le: int) -> bytes:
        """Fetch pending data: `61 xx` chains, `6C xx` resends with Le=xx, `6A 86` flips P2 once (kept after)."""
        collected = b""
        flipped = False
        for _ in range(self.MAX_GET_RESPONSE):
            data, sw = self.exchange(get_response_apdu(self.p2, le))
            if sw == SW_OK:
                return collected + data
            if sw >> 8 == 0x61:
                collected += data
                le = sw & 0xFF
            elif sw >> 8 == 0x6C:
                le = sw & 0xFF
            elif sw == SW_WRONG_P1P2 and not flipped:
                self.p2 ^= 0x01
                flipped = True
            else:
                raise UnexpectedStatus(f"GET RESPONSE answered {sw:04X}", sw=sw)
        raise MalformedResponse("GET RESPONSE did not settle")

    def read(self, item: Field) -> bytes:
        data, sw = self.exchange(read_apdu(item.offset, item.length))
        if sw >> 8 == 0x61:
            data = self.get_response(sw & 0xFF)
        elif sw != SW_OK:  # SW_OK with the data: a reader that fetched the response itself
            raise UnexpectedStatus(f"READ {item.name} answered {sw:04X}", sw=sw)
        if len(data) != item.length:
            raise MalformedResponse(f"{item.name}: {len(data)} bytes instead of {item.length}")
        return data

    def read_laser_id(self) -> str | None:
        """The laser ID from its own applet (None on cards without one), then back to the personal applet."""
        laser: str | None = None
        if self.select(LASER_AID):
            data, sw = self.exchange(LASER_READ_APDU)
            if sw >> 8 == 0x61:
                laser = parse_laser_id(self.get_response(sw & 0xFF))
            elif sw == SW_OK:
                laser = parse_laser_id(data)
            elif sw not in (SW_INS_NOT_SUPPORTED, SW_FILE_NOT_FOUND):
                raise UnexpectedStatus(f"laser ID read answered {sw:04X}", sw=sw)
        if not self.select(PERSONAL_AID):
            raise MalformedResponse("the personal applet vanished after the laser ID")
        return laser

    def read_names(self) -> CardNames:
        """The citizen ID and both names, first: what a screen greets the citizen with (7 APDUs on a T=0 card)."""
        self.select_personal()
        raw = {item.name: self.read(item) for item in NAME_FIELDS}
        return CardNames(
            cid=parse_cid(raw["cid"]),
            name_th=parse_name(raw["name_th"], "Thai name"),
            name_en=parse_name(raw["name_en"], "English name"),
        )

    def read_identity(self, *, reject_expired_on: date | None = None, names: CardNames | None = None) -> CardIdentity:
        """Everything but the photo; validates the ID's check digit and, when given a date, the expiry. With `names`
        (from `read_names` in this session) the ID and names are not read again."""
        if names is None:
            names = self.read_names()
        raw = {item.name: self.read(item) for item in IDENTITY_FIELDS if item not in NAME_FIELDS}
        identity = CardIdentity(
            cid=names.cid,
            name_th=names.name_th,
            name_en=names.name_en,
            dob=parse_dob(raw["dob"]),
            sex=parse_sex(raw["sex"]),
            issuer=decode_text(raw["issuer"], "issuer"),
            issued=parse_be_date(raw["issued"], "issue date"),
            expires=parse_expiry(raw["expires"]),
            address=parse_address(raw["address"]),
            laser_id=self.read_laser_id(),
        )
        if reject_expired_on is not None:
            check_not_expired(identity, reject_expired_on)
        return identity

    def read_photo(self, on_progress: Callable[[float], None] | None = None) -> bytes | None:
        """The chip portrait; None when its area is blank (never written): the identity stays good without it.
        `on_progress` is told the fraction of the photo area read so far after each chunk (the last call is 1.0)."""
        first = self.read(PHOTO_FIELDS[0])
        if is_blank(first):
            return None
        chunks = [first]
        for item in PHOTO_FIELDS[1:]:
            if on_progress is not None:
                on_progress(len(chunks) * PHOTO_CHUNK_BYTES / PHOTO_BYTES)
            chunks.append(self.read(item))
        if on_progress is not None:
            on_progress(1.0)
        return join_photo(chunks)
