"""The synthetic test citizens (fixtures in `citizens/citizens.json`) and the portrait each one's chip carries.

Other parts of the project import this module (the virtual card, the registry service's test population, the
fingerprint simulator, the simulator window): its names are a stable API. Nothing here writes a photo to disk.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw

FIXTURES = Path(__file__).resolve().parent / "citizens" / "citizens.json"
# The shared test photos live beside the repository, never inside it: East and Southeast Asian faces for Thai citizens.
FACES_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "faces-asian"

PHOTO_CHUNK_BYTES = 255
PHOTO_CHUNKS = 20
PHOTO_MAX_BYTES = PHOTO_CHUNK_BYTES * PHOTO_CHUNKS  # 5100: what the chip's photo area holds
PORTRAIT_SIZE = (297, 356)  # the chip portrait's width and height in pixels


@dataclass(frozen=True)
class Name:
    prefix: str
    first: str
    middle: str
    last: str

    def card_field(self) -> str:
        """The name as the chip stores it: `prefix#first#middle#last`."""
        return "#".join((self.prefix, self.first, self.middle, self.last))

    def full(self) -> str:
        """For display: a Thai prefix joined to the first name ("นายสมชาย"), a Latin one spaced ("Mr. Somchai")."""
        head = self.prefix + self.first if self.prefix and not self.prefix.isascii() else f"{self.prefix} {self.first}"
        return " ".join(p for p in (head.strip(), self.middle, self.last) if p)


@dataclass(frozen=True)
class Citizen:
    """One test person, with the card fields in the chip's own representation (Buddhist-era `YYYYMMDD` strings)."""

    key: str  # a short handle for tests and the simulator window ("somchai")
    cid: str  # 13 digits, valid check digit
    name_th: Name
    name_en: Name
    dob: str  # Buddhist era YYYYMMDD; month and/or day may be 00
    sex: str  # "male" | "female"
    issuer: str
    issued: str  # Buddhist era YYYYMMDD
    expires: str  # Buddhist era YYYYMMDD, or 99999999 for a lifelong card
    address: str  # '#'-separated exactly as on the chip
    laser_id: str
    face: str  # identity key in ../shared/faces-asian/identities.json
    portrait: str  # which of that identity's photos the chip portrait is made from (the camera shows the others)
    finger: str  # seed of the simulated fingerprint
    officer: bool = False
    pin: str | None = None  # officers only
    note: str = ""

    @property
    def sex_code(self) -> str:
        """The chip's one-byte sex field: `1` male, `2` female."""
        return "1" if self.sex == "male" else "2"


def _name(raw: dict[str, str]) -> Name:
    return Name(raw["prefix"], raw["first"], raw.get("middle", ""), raw["last"])


def _citizen(raw: dict[str, object]) -> Citizen:
    def text(key: str) -> str:
        value = raw[key]
        if not isinstance(value, str):
            raise ValueError(f"{FIXTURES}: citizen field {key!r} must be a string")
        return value

    names = {k: raw[k] for k in ("name_th", "name_en")}
    pin = raw.get("pin")
    return Citizen(
        key=text("key"),
        cid=text("cid"),
        name_th=_name(names["name_th"]),  # type: ignore[arg-type]
        name_en=_name(names["name_en"]),  # type: ignore[arg-type]
        dob=text("dob"),
        sex=text("sex"),
        issuer=text("issuer"),
        issued=text("issued"),
        expires=text("expires"),
        address=text("address"),
        laser_id=text("laser_id"),
        face=text("face"),
        portrait=text("portrait"),
        finger=text("finger"),
        officer=bool(raw.get("officer", False)),
        pin=pin if isinstance(pin, str) else None,
        note=str(raw.get("note", "")),
    )


def cid_check_digit(first12: str) -> int:
    """The Thai citizen-ID check digit of the first twelve digits."""
    s = sum(int(d) * (13 - i) for i, d in enumerate(first12[:12]))
    return (11 - s % 11) % 10


@cache
def _load(path: Path) -> tuple[Citizen, ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    citizens = tuple(_citizen(c) for c in data["citizens"])
    for c in citizens:
        if len(c.cid) != 13 or not c.cid.isdigit() or cid_check_digit(c.cid) != int(c.cid[12]):
            raise ValueError(f"{path}: citizen {c.key!r} has an invalid citizen ID")
    return citizens


def load_citizens(path: Path = FIXTURES) -> list[Citizen]:
    return list(_load(path))


def by_cid(cid: str) -> Citizen:
    for c in _load(FIXTURES):
        if c.cid == cid:
            return c
    raise KeyError(f"no test citizen with that ID ({cid[:1]}-xxxx-xxxxx-xx-{cid[-1:]})")


def by_key(key: str) -> Citizen:
    for c in _load(FIXTURES):
        if c.key == key:
            return c
    raise KeyError(f"no test citizen {key!r}")


def officers() -> list[Citizen]:
    return [c for c in _load(FIXTURES) if c.officer]


@cache
def _identities(faces_dir: Path) -> dict[str, list[str]]:
    path = faces_dir / "identities.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    identities: dict[str, list[str]] = data["identities"]
    return identities


def face_photo_paths(citizen: Citizen, faces_dir: Path = FACES_DIR) -> list[Path]:
    """Every shared photo of this citizen's face, the chip portrait's source first. Empty without ../shared."""
    names = _identities(faces_dir).get(citizen.face, [])
    portrait = [n for n in names if Path(n).name == citizen.portrait]
    return [faces_dir / n for n in portrait + [n for n in names if n not in portrait]]


def has_real_face(citizen: Citizen, faces_dir: Path = FACES_DIR) -> bool:
    """True when the chip portrait is a real face (face match is meaningful), False when it is a drawn placeholder."""
    paths = face_photo_paths(citizen, faces_dir)
    return bool(paths) and Path(paths[0]).name == citizen.portrait and paths[0].exists()


def portrait_jpeg(citizen: Citizen, faces_dir: Path = FACES_DIR) -> bytes:
    """The JPEG the citizen's chip holds: at most 5100 bytes, like a real card's ~5 KB portrait. Kept in memory only."""
    if has_real_face(citizen, faces_dir):
        return _real_portrait(face_photo_paths(citizen, faces_dir)[0])
    return _placeholder_portrait(citizen.key)


@cache
def _real_portrait(path: Path) -> bytes:
    from simulator import framing  # the kiosk's face detector, loaded only when a real portrait is made

    aspect = PORTRAIT_SIZE[0] / PORTRAIT_SIZE[1]
    return _fit_jpeg(framing.portrait_crop(framing.load_rgb(path), framing.face_box(path), aspect))


def _fit_jpeg(image: Image.Image) -> bytes:
    """Shrink quality, then size, until the JPEG fits the chip's photo area."""
    size = PORTRAIT_SIZE
    while True:
        scaled = image.resize(size, Image.Resampling.LANCZOS)
        for quality in (60, 50, 40, 30):
            out = io.BytesIO()
            scaled.save(out, "JPEG", quality=quality, optimize=True)
            if out.tell() <= PHOTO_MAX_BYTES:
                return out.getvalue()
        size = (size[0] * 9 // 10, size[1] * 9 // 10)


@cache
def _placeholder_portrait(seed: str) -> bytes:
    """A plainly drawn silhouette, so nobody mistakes it for a face (face match must not be attempted on it)."""
    width, height = PORTRAIT_SIZE
    shade = 150 + sum(seed.encode()) % 60
    image = Image.new("RGB", (width, height), (shade, shade + 20, 235))
    draw = ImageDraw.Draw(image)
    grey = (90, 90, 100)
    draw.ellipse((width * 0.3, height * 0.15, width * 0.7, height * 0.55), fill=grey)
    draw.ellipse((width * 0.1, height * 0.6, width * 0.9, height * 1.3), fill=grey)
    draw.line((0, 0, width, height), fill=(200, 40, 40), width=6)
    draw.line((0, height, width, 0), fill=(200, 40, 40), width=6)
    draw.text((8, 8), "PLACEHOLDER", fill=(0, 0, 0))
    return _fit_jpeg(image)
