"""The Thai national ID card as the kiosk sees it: what a read yields, the events a reader posts, and its error tree.

Flows import only this module. `codec` holds the card's commands and field parsers (no I/O); `pcsc` is the real
driver over pcscd (pyscard); the simulator's virtual card sits behind the same pcscd.

Event order for one insertion: `CardInserted`, then `CardIdentityRead` (everything but the photo, early), then
`CardPhotoRead` (or `CardPhotoMissing` when the card's photo area is blank), or `CardReadFailed` at any point after
`CardInserted`; a `CardReadFailed` voids whatever that insertion already delivered. The ID and names are read first
and handed to the reader's `on_names` callback at once (the kiosk posts them as `CardNamesRead`, before
`CardIdentityRead`); while the photo is read, the reader's `on_photo_progress` callback is told the fraction read
after each chunk (the kiosk posts it as `CardPhotoProgress`, ending at 1.0). `CardRemoved` follows whenever the
card leaves the reader.
The reader (or pcscd) going away is `CardReadFailed("reader_unavailable")`, posted once per outage, with
`CardRemoved` first if a card was in it; the watcher keeps retrying and reads again once a reader is back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from kiosk.errors import DeviceError

# ---------------------------------------------------------------------------------------------------------- errors


class CardError(DeviceError):
    """Anything that went wrong reading a card; `reason` is stable and distinct per subclass."""

    device = "card"
    reason = "card_error"


class NotThaiIdCard(CardError):
    """The card does not answer SELECT of the Thai ID personal applet: some other card."""

    reason = "not_thai_id"


class CardRemovedError(CardError):
    """The card left the reader (or was reset by someone else) before the read finished."""

    reason = "card_removed"


class ReaderUnavailable(CardError):
    """No reader, the configured reader was unplugged, or pcscd is not running."""

    reason = "reader_unavailable"


class MalformedResponse(CardError):
    """The card answered, but not with what a Thai ID card answers (bad length, bad bytes, bad field)."""

    reason = "malformed_response"


class UnexpectedStatus(MalformedResponse):
    """The card answered a command with a status word that the protocol does not allow there."""

    reason = "unexpected_status"

    def __init__(self, message: str = "", *, sw: int = 0) -> None:
        super().__init__(message or f"status {sw:04X}")
        self.sw = sw


class BadCheckDigit(CardError):
    """The citizen ID read from the chip fails its check digit."""

    reason = "bad_check_digit"


class CardExpired(CardError):
    """The card's expiry date has passed (lifelong cards never expire)."""

    reason = "card_expired"


class CardTimeout(CardError):
    """The read did not finish within its deadline."""

    reason = "card_timeout"


# ------------------------------------------------------------------------------------------------------------ data


def mask_cid(cid: str) -> str:
    """A citizen ID fit for logs: `1-1017-xxxxx-xx-6` (the first five digits and the check digit only)."""
    if len(cid) != 13:
        return "x-xxxx-xxxxx-xx-x"
    return f"{cid[0]}-{cid[1:5]}-xxxxx-xx-{cid[12]}"


@dataclass(frozen=True)
class PersonName:
    prefix: str
    first: str
    middle: str
    last: str

    def full(self) -> str:
        """A Thai prefix is written joined to the first name ("นายสมชาย"), a Latin one spaced ("Mr. Somchai")."""
        head = self.prefix + self.first if self.prefix and not self.prefix.isascii() else f"{self.prefix} {self.first}"
        return " ".join(p for p in (head.strip(), self.middle, self.last) if p)


@dataclass(frozen=True)
class PartialDate:
    """A date of birth as cards hold it: the month, or both month and day, may be unknown."""

    year: int  # Common Era
    month: int | None = None
    day: int | None = None

    def nominal(self) -> date:
        """The date the law counts from (Civil and Commercial Code s.16): an unknown day is the 1st of the month,
        an unknown month the 1st of January of that year."""
        return date(self.year, self.month or 1, (self.day or 1) if self.month else 1)

    def age_on(self, today: date) -> int:
        born = self.nominal()
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    def __str__(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class Address:
    house_no: str
    moo: str
    trok: str
    soi: str
    road: str
    subdistrict: str
    district: str
    province: str
    raw: str = field(default="", compare=False)

    def lines(self) -> list[str]:
        """Two display lines: the street part, then sub-district, district and province."""
        street = " ".join(p for p in (self.house_no, self.moo, self.trok, self.soi, self.road) if p)
        area = " ".join(p for p in (self.subdistrict, self.district, self.province) if p)
        return [line for line in (street, area) if line]


@dataclass(frozen=True, repr=False)
class CardNames:
    """The citizen ID and names, read before anything else so a screen can greet the citizen at once."""

    cid: str
    name_th: PersonName
    name_en: PersonName

    def __repr__(self) -> str:
        return f"{type(self).__name__}(cid={mask_cid(self.cid)})"


@dataclass(frozen=True, repr=False)
class CardIdentity:
    """Everything on the card but the photo: posted as soon as it is read. Its repr masks the person."""

    cid: str
    name_th: PersonName
    name_en: PersonName
    dob: PartialDate
    sex: str  # "male" | "female"
    issuer: str
    issued: date
    expires: date | None  # None: a lifelong card
    address: Address
    laser_id: str | None  # None when the card has no laser-ID applet

    def is_expired(self, today: date) -> bool:
        return self.expires is not None and today > self.expires

    def __repr__(self) -> str:
        return f"{type(self).__name__}(cid={mask_cid(self.cid)})"


@dataclass(frozen=True, repr=False)
class CardData(CardIdentity):
    """A complete read: the identity and the chip portrait (None when the read skipped the photo)."""

    photo: bytes | None = None

    @classmethod
    def of(cls, identity: CardIdentity, photo: bytes | None) -> CardData:
        return cls(
            identity.cid,
            identity.name_th,
            identity.name_en,
            identity.dob,
            identity.sex,
            identity.issuer,
            identity.issued,
            identity.expires,
            identity.address,
            identity.laser_id,
            photo,
        )


# ---------------------------------------------------------------------------------------------------------- events


@dataclass(frozen=True)
class CardInserted:
    reader: str
    atr: bytes


@dataclass(frozen=True)
class CardRemoved:
    reader: str


@dataclass(frozen=True, repr=False)
class CardNamesRead:
    """The ID and names, read before the rest of the card (posted from the reader's `on_names`). Its repr masks them."""

    names: CardNames

    def __repr__(self) -> str:
        return f"CardNamesRead({self.names!r})"


@dataclass(frozen=True)
class CardIdentityRead:
    identity: CardIdentity


@dataclass(frozen=True, repr=False)
class CardPhotoRead:
    jpeg: bytes

    def __repr__(self) -> str:
        return f"CardPhotoRead({len(self.jpeg)} bytes)"


@dataclass(frozen=True)
class CardPhotoProgress:
    """How much of the chip portrait has been read (0..1 of the photo area; posted from `on_photo_progress`)."""

    fraction: float


@dataclass(frozen=True)
class CardPhotoMissing:
    """The card's photo area is blank: the identity (already posted) stands, but no face can be matched to it."""


@dataclass(frozen=True)
class CardReadFailed:
    """The read of the card now in the reader failed; anything it already delivered is void."""

    reason: str  # one of the CardError reasons
    detail: str = ""


@dataclass(frozen=True)
class ReaderAvailable:
    """The reader answers again after it was lost (`CardReadFailed("reader_unavailable")`): pcscd is back or the
    reader was plugged in again. Posted once per recovery, before any insertion the reader then sees."""

    reader: str


CardEvent = (
    CardInserted | CardRemoved | CardIdentityRead | CardPhotoRead | CardPhotoMissing | CardReadFailed | ReaderAvailable
)


class Post(Protocol):
    def __call__(self, event: object, /) -> None: ...


class CardReader(Protocol):
    """What the composition root starts: a watcher that reads every inserted card and posts `CardEvent`s."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def read_now(self, timeout_s: float) -> CardData:
        """Read the card in the reader once (waiting up to `timeout_s` for one), for the command line."""
        ...
