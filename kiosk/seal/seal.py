"""The seal printed on an extract: CBOR claims in COSE_Sign1, zlib, Base45 and the "TH1:" prefix; issue and verify."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import cbor2

from kiosk.seal import base45, cose
from kiosk.seal.keys import SigningKey, TrustList

PREFIX = "TH1:"
CLAIM_ISS = 1
CLAIM_EXP = 4
CLAIM_IAT = 6
CLAIM_DOC = -70001  # private-use CWT claim holding the document (as the EU DCC uses -260 for its certificate)
DOC_TYPES = ("TR14_1", "TR12_2")
MAX_TEXT_CHARS = 4000
MAX_COSE_BYTES = 2600
ZLIB_HEADER = b"\x78\xda"  # zlib at level 9: the only header a seal may carry (any other is an altered byte)
CLOCK_SKEW = timedelta(minutes=5)
MAX_SEAL_LIFETIME = timedelta(days=366)  # the registry seals for 90 days; a verifier refuses anything longer
MAX_EPOCH = 2**33  # year 2242: later (or negative) times are malformed, never a datetime overflow

Status = Literal["valid", "invalid", "expired", "unknown_key"]


@dataclass(frozen=True)
class SealDocument:
    """What a seal says: the document it seals and the fields a reader compares with the paper."""

    doc_type: str  # "TR14_1" (ท.ร.14/1) or "TR12_2" (ท.ร.12/2)
    doc_no: str
    citizen_id: str
    issuer: str
    issued_at: datetime
    expires_at: datetime
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SealCheck:
    status: Status
    reason: str
    kid_hex: str = ""
    document: SealDocument | None = None  # present only when the signature is good (valid or expired)

    @property
    def ok(self) -> bool:
        return self.status == "valid"


class SealFormatError(ValueError):
    """The text is not a well-formed seal (wrong prefix, encoding, compression or structure)."""


def _epoch(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("seal times must be timezone-aware")
    return int(value.timestamp())


def encode_payload(doc: SealDocument) -> bytes:
    if doc.doc_type not in DOC_TYPES:
        raise ValueError(f"unknown document type {doc.doc_type!r}")
    return cbor2.dumps(
        {
            CLAIM_ISS: doc.issuer,
            CLAIM_EXP: _epoch(doc.expires_at),
            CLAIM_IAT: _epoch(doc.issued_at),
            CLAIM_DOC: {"v": 1, "t": doc.doc_type, "n": doc.doc_no, "id": doc.citizen_id, "f": dict(doc.fields)},
        },
        canonical=True,
    )


def decode_payload(payload: bytes) -> SealDocument:
    try:
        claims: Any = cbor2.loads(payload)
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError) as e:
        raise SealFormatError(f"payload is not CBOR: {e}") from None
    if not isinstance(claims, Mapping) or set(claims) != {CLAIM_ISS, CLAIM_EXP, CLAIM_IAT, CLAIM_DOC}:
        raise SealFormatError("payload claims are not the expected set")
    doc = claims[CLAIM_DOC]
    iss, exp, iat = claims[CLAIM_ISS], claims[CLAIM_EXP], claims[CLAIM_IAT]
    if not (isinstance(iss, str) and isinstance(exp, int) and isinstance(iat, int) and isinstance(doc, Mapping)):
        raise SealFormatError("payload claims have the wrong types")
    if not (0 <= iat <= MAX_EPOCH and 0 <= exp <= MAX_EPOCH):
        raise SealFormatError("issue or expiry time out of range")
    if doc.get("v") != 1 or doc.get("t") not in DOC_TYPES:
        raise SealFormatError("unknown document version or type")
    number, cid, fields = doc.get("n"), doc.get("id"), doc.get("f")
    if not (isinstance(number, str) and isinstance(cid, str) and isinstance(fields, Mapping)):
        raise SealFormatError("document fields have the wrong types")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items()):
        raise SealFormatError("document field names and values must be text")
    return SealDocument(
        doc_type=doc["t"],
        doc_no=number,
        citizen_id=cid,
        issuer=iss,
        issued_at=datetime.fromtimestamp(iat, UTC),
        expires_at=datetime.fromtimestamp(exp, UTC),
        fields=dict(fields),
    )


def issue(doc: SealDocument, key: SigningKey) -> str:
    """The QR text of a seal over `doc`, signed by `key`."""
    sealed = cose.sign(encode_payload(doc), key.private_key).to_bytes()
    return PREFIX + base45.encode(zlib.compress(sealed, 9))


def _inflate_canonical(data: bytes) -> bytes:
    """Inflate a seal's zlib stream, refusing any stream an issuer would not have written (so no byte can change)."""
    if data[:2] != ZLIB_HEADER or len(data) < 7:
        raise SealFormatError("not a level-9 zlib stream")

    def inflate(stream: bytes) -> bytes | None:
        d = zlib.decompressobj()
        try:
            out = d.decompress(stream, MAX_COSE_BYTES + 1)
        except zlib.error:
            return None
        if not d.eof or d.unused_data or d.unconsumed_tail or len(out) > MAX_COSE_BYTES:
            return None
        return out

    out = inflate(data)
    if out is None:
        raise SealFormatError("corrupt or oversized zlib stream")
    # Deflate ignores the padding bits of its last byte; zlib writes them as 0. A set bit that can be cleared
    # without changing the output was padding: the stream was altered.
    last = len(data) - 5
    for bit in range(8):
        if data[last] >> bit & 1:
            variant = bytearray(data)
            variant[last] &= ~(1 << bit) & 0xFF
            if inflate(bytes(variant)) == out:
                raise SealFormatError("zlib padding bits are set")
    return out


def parse(text: str) -> cose.Sign1:
    """The COSE_Sign1 inside a seal's text; a SealFormatError for anything malformed."""
    if len(text) > MAX_TEXT_CHARS:
        raise SealFormatError("seal text is too long")
    if not text.startswith(PREFIX):
        raise SealFormatError(f"seal text does not start with {PREFIX!r}")
    try:
        compressed = base45.decode(text[len(PREFIX) :])
        return cose.parse(_inflate_canonical(compressed))
    except (base45.Base45Error, cose.CoseError) as e:
        raise SealFormatError(str(e)) from None


def verify(text: str, trust: TrustList, now: datetime) -> SealCheck:
    """Check a seal offline against `trust` at time `now`: valid, invalid, expired or unknown key, with a reason.

    The text must be exactly the QR's content: a space is a Base45 digit, so nothing is trimmed here. Input edges
    (a pasted form field, a scanner's line ending) trim what surrounds the QR text before calling this."""
    try:
        sign1 = parse(text)
    except SealFormatError as e:
        return SealCheck("invalid", f"malformed: {e}")
    kid_hex = sign1.kid.hex()
    trusted = trust.find(sign1.kid)
    if trusted is None:
        return SealCheck("unknown_key", "the signing key is not in the trust list", kid_hex)
    if trusted.revoked_at is not None:
        return SealCheck("invalid", f"the signing key was revoked on {trusted.revoked_at:%Y-%m-%d}", kid_hex)
    if not cose.verify(sign1, trusted.public_key):
        return SealCheck("invalid", "the signature does not match", kid_hex)
    try:
        doc = decode_payload(sign1.payload)
    except SealFormatError as e:
        return SealCheck("invalid", f"signed payload is malformed: {e}", kid_hex)
    if not trusted.not_before <= doc.issued_at <= trusted.not_after:
        return SealCheck("invalid", "issued outside the signing key's validity", kid_hex)
    if doc.issued_at > now + CLOCK_SKEW:
        return SealCheck("invalid", "issued in the future", kid_hex)
    if not timedelta(0) < doc.expires_at - doc.issued_at <= MAX_SEAL_LIFETIME:
        return SealCheck("invalid", f"a seal may be valid for at most {MAX_SEAL_LIFETIME.days} days", kid_hex)
    if now > doc.expires_at:
        return SealCheck("expired", f"expired at {doc.expires_at.isoformat()}", kid_hex, doc)
    return SealCheck("valid", f"signed by {trusted.issuer}", kid_hex, doc)
