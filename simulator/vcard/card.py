"""The virtual Thai ID card's behaviour: its memory image and how it answers each APDU, T=0 style, with faults.

Transport-free: `ThaiIdCard.respond(apdu)` is used as-is by in-memory tests and behind vpcd by `VirtualCard`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from kiosk.drivers.card import CardRemovedError, CardTimeout, codec
from simulator.citizens import Citizen, portrait_jpeg

# ATRs seen on real Thai ID cards (T=0 only, no TD1): the `3B 67` family wants GET RESPONSE with P2=01.
ATR_3B67 = bytes.fromhex("3B 67 00 00 73 20 00 6C 68 90 00")
ATR_3B68 = bytes.fromhex("3B 68 00 00 00 73 C8 40 12 00 90 00")
ATR_3B78 = bytes.fromhex("3B 78 18 00 00 00 73 C8 40 13 00 90 00")

MEMORY_BYTES = codec.ADDRESS.offset + codec.ADDRESS.length
TEXT_PAD = b" "

FaultKind = Literal["remove", "corrupt", "truncate", "status", "stall"]
STALLED = b""  # what `respond` returns for a card that goes mute: no answer until it is pulled out


@dataclass(frozen=True)
class Fault:
    """Misbehave on the `at_apdu`-th APDU since insertion (1-based; control messages do not count)."""

    at_apdu: int
    kind: FaultKind
    sw: int = 0x6F00  # for "status": the status word answered instead


@dataclass(frozen=True)
class CardImage:
    """The chip's content in its own representation."""

    cid: str
    name_th: str  # prefix#first#middle#last
    name_en: str
    dob: str  # BE YYYYMMDD
    sex: str  # "1" | "2"
    issuer: str
    issued: str
    expires: str
    address: str
    laser_id: str | None
    photo: bytes

    @classmethod
    def of(cls, citizen: Citizen, **changes: object) -> CardImage:
        image = cls(
            cid=citizen.cid,
            name_th=citizen.name_th.card_field(),
            name_en=citizen.name_en.card_field(),
            dob=citizen.dob,
            sex=citizen.sex_code,
            issuer=citizen.issuer,
            issued=citizen.issued,
            expires=citizen.expires,
            address=citizen.address,
            laser_id=citizen.laser_id,
            photo=portrait_jpeg(citizen),
        )
        return replace(image, **changes)  # type: ignore[arg-type]

    def memory(self) -> bytes:
        mem = bytearray(MEMORY_BYTES)

        def put(item: codec.Field, value: bytes, pad: bytes = TEXT_PAD) -> None:
            if len(value) > item.length:
                raise ValueError(f"{item.name} does not fit the card ({len(value)} > {item.length} bytes)")
            mem[item.offset : item.offset + item.length] = value + pad * (item.length - len(value))

        put(codec.CID, self.cid.encode("ascii"))
        put(codec.NAME_TH, self.name_th.encode(codec.TEXT_CODEC))
        put(codec.NAME_EN, self.name_en.encode(codec.TEXT_CODEC))
        put(codec.DOB, self.dob.encode("ascii"))
        put(codec.SEX, self.sex.encode("ascii"))
        put(codec.ISSUER, self.issuer.encode(codec.TEXT_CODEC))
        put(codec.ISSUED, self.issued.encode("ascii"))
        put(codec.EXPIRES, self.expires.encode("ascii"))
        put(codec.ADDRESS, self.address.encode(codec.TEXT_CODEC))
        photo_area = codec.PHOTO_CHUNK_BYTES * codec.PHOTO_CHUNKS
        if len(self.photo) > photo_area:
            raise ValueError(f"photo of {len(self.photo)} bytes does not fit the chip's {photo_area}")
        mem[codec.PHOTO_OFFSET : codec.PHOTO_OFFSET + photo_area] = self.photo + b"\x00" * (
            photo_area - len(self.photo)
        )
        return bytes(mem)


@dataclass
class CardBehaviour:
    """How this card speaks: its ATR, which GET RESPONSE P2 it takes, quirks and faults."""

    atr: bytes = ATR_3B68
    get_response_p2: int | None = None  # None: the one its ATR implies; the other gets 6A 86
    thai_id: bool = True  # False: SELECT of the Thai applets answers 6A 82 (some other card)
    laser_applet: bool = True
    announce_256: bool = False  # answer READ with `61 00` so the reader must learn the length from `6C xx`
    faults: tuple[Fault, ...] = ()


def _sw(sw: int, data: bytes = b"") -> bytes:
    return data + bytes([sw >> 8, sw & 0xFF])


@dataclass
class ThaiIdCard:
    """A powered card in a reader: applet selection, pending response data, and the APDU count since insertion."""

    image: CardImage
    behaviour: CardBehaviour = field(default_factory=CardBehaviour)
    apdu_count: int = 0
    log: list[bytes] = field(default_factory=list)
    _memory: bytes = b""
    _selected: str = ""
    _pending: bytes | None = None

    def __post_init__(self) -> None:
        self._memory = self.image.memory()

    @property
    def atr(self) -> bytes:
        return self.behaviour.atr

    @property
    def expected_p2(self) -> int:
        wanted = self.behaviour.get_response_p2
        return codec.get_response_p2(self.atr) if wanted is None else wanted

    def reset(self) -> None:
        """Power-on or warm reset: nothing selected, nothing pending (the APDU count runs on since insertion)."""
        self._selected = ""
        self._pending = None

    def respond(self, apdu: bytes) -> bytes | None:
        """The response APDU; None when the card is pulled out instead of answering, `STALLED` when it goes mute."""
        self.apdu_count += 1
        self.log.append(apdu)
        fault = next((f for f in self.behaviour.faults if f.at_apdu == self.apdu_count), None)
        if fault is not None and fault.kind == "remove":
            return None
        if fault is not None and fault.kind == "stall":
            return STALLED
        if fault is not None and fault.kind == "status":
            return _sw(fault.sw)
        response = self._answer(apdu)
        if fault is not None and len(response) > 2:
            data, status = response[:-2], response[-2:]
            if fault.kind == "corrupt":
                data = bytes(b ^ 0xA5 for b in data)
            elif fault.kind == "truncate":
                data = data[:-1]
            response = data + status
        return response

    def _answer(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return _sw(0x6700)
        cla, ins, p1, p2 = apdu[:4]
        body = apdu[4:]
        if ins == 0xC0 and cla == 0x00:
            return self._get_response(p2, body)
        self._pending = None  # any other command discards unfetched data, as on the real card
        if cla == 0x00 and ins == 0xA4 and p1 == 0x04:
            return self._select(body)
        if cla == 0x80 and ins == 0xB0:
            return self._read(p1, p2, body)
        if cla == 0x80 and ins == 0x00 and apdu == codec.LASER_READ_APDU:
            return self._laser()
        return _sw(0x6D00 if cla in (0x00, 0x80) else 0x6E00)

    def _select(self, body: bytes) -> bytes:
        if not body or body[0] != len(body) - 1:
            return _sw(0x6700)
        aid = body[1:]
        applets = {codec.PERSONAL_AID: "personal"}
        if self.behaviour.laser_applet:
            applets[codec.LASER_AID] = "laser"
        if not self.behaviour.thai_id or aid not in applets:
            return _sw(0x6A82)
        self._selected = applets[aid]
        return _sw(0x610A)

    def _read(self, p1: int, p2: int, body: bytes) -> bytes:
        if self._selected != "personal":
            return _sw(0x6986)  # command not allowed: no current file
        if len(body) != 3 or body[0] != 0x02:
            return _sw(0x6700)
        offset, length = (p1 << 8) | p2, body[2]
        if length == 0 or offset + length > len(self._memory):
            return _sw(0x6B00)
        self._pending = self._memory[offset : offset + length]
        return _sw(0x6100 if self.behaviour.announce_256 else 0x6100 | length)

    def _laser(self) -> bytes:
        if self._selected != "laser" or self.image.laser_id is None:
            return _sw(0x6986)
        self._pending = self.image.laser_id.encode("ascii").ljust(16, b"\x00")
        return _sw(0x6100 | len(self._pending))

    def _get_response(self, p2: int, body: bytes) -> bytes:
        if p2 != self.expected_p2:
            return _sw(0x6A86)
        if self._pending is None:
            return _sw(0x6985)  # conditions not satisfied: nothing to fetch
        wanted = (body[0] if len(body) == 1 else 0) or 256  # Le = 00 asks for 256 bytes
        available = len(self._pending)
        if wanted > available:
            return _sw(0x6C00 | available)  # wrong length: resend with Le = the exact length
        if wanted < available:  # the first Le bytes, and 61 xx for what is left (ISO 7816-4 GET RESPONSE)
            data, self._pending = self._pending[:wanted], self._pending[wanted:]
            return _sw(0x6100 | (len(self._pending) & 0xFF), data)
        data, self._pending = self._pending, None
        return _sw(0x9000, data)


def in_memory_transmit(card: ThaiIdCard) -> codec.Transmit:
    """The card as a codec transport without any reader: a pulled card raises `CardRemovedError`."""

    def transmit(apdu: bytes) -> tuple[bytes, int, int]:
        response = card.respond(apdu)
        if response is None:
            raise CardRemovedError("the virtual card was pulled out")
        if response == STALLED:
            raise CardTimeout("the virtual card went mute")
        return response[:-2], response[-2], response[-1]

    return transmit
