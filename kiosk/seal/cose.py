"""COSE_Sign1 (RFC 9052) for seals: the signing input, ES256/EdDSA signatures, and a strict canonical parse."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

Alg = Literal["ES256", "EdDSA"]
COSE_ALG: dict[Alg, int] = {"ES256": -7, "EdDSA": -8}
ALG_NAME: dict[int, Alg] = {-7: "ES256", -8: "EdDSA"}
HEADER_ALG = 1
HEADER_KID = 4
TAG_SIGN1 = 18
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
SIGNATURE_BYTES = 64  # ES256 is r||s of 32 bytes each; Ed25519 is 64 bytes
PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey


class CoseError(ValueError):
    """The bytes are not a canonical COSE_Sign1 structure of the accepted shape."""


def key_id(public_key: PublicKey) -> bytes:
    """The key ID: the first 8 bytes of SHA-256 over the DER SubjectPublicKeyInfo (as the EU DCC does)."""
    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).digest()[:8]


def alg_of(key: PrivateKey | PublicKey) -> Alg:
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if key.curve.name != "secp256r1":
            raise CoseError(f"ES256 needs a P-256 key, not {key.curve.name}")
        return "ES256"
    return "EdDSA"


@dataclass(frozen=True)
class Sign1:
    protected: bytes  # the serialized protected header, exactly as signed
    alg: Alg
    kid: bytes
    payload: bytes
    signature: bytes

    def to_bytes(self) -> bytes:
        return cbor2.dumps(cbor2.CBORTag(TAG_SIGN1, [self.protected, {}, self.payload, self.signature]))


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def sign(payload: bytes, key: PrivateKey) -> Sign1:
    alg = alg_of(key)
    kid = key_id(key.public_key())
    protected = cbor2.dumps({HEADER_ALG: COSE_ALG[alg], HEADER_KID: kid})
    to_sign = _sig_structure(protected, payload)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(to_sign, ec.ECDSA(hashes.SHA256())))
        s = min(s, P256_ORDER - s)  # low-S: (r, n - s) would be a second valid signature; only one is accepted
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        signature = key.sign(to_sign)
    return Sign1(protected, alg, kid, payload, signature)


def parse(data: bytes) -> Sign1:
    """Parse a tagged COSE_Sign1; anything but the one canonical encoding of the accepted shape is a CoseError."""
    try:
        obj = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, MemoryError) as e:
        raise CoseError(f"not CBOR: {e}") from None
    if not isinstance(obj, cbor2.CBORTag) or obj.tag != TAG_SIGN1:
        raise CoseError("not a tagged COSE_Sign1")
    value: Any = obj.value
    if not isinstance(value, list | tuple) or len(value) != 4:
        raise CoseError("COSE_Sign1 must be an array of four")
    protected, unprotected, payload, signature = value
    if not (isinstance(protected, bytes) and isinstance(payload, bytes) and isinstance(signature, bytes)):
        raise CoseError("COSE_Sign1 fields have the wrong types")
    if not isinstance(unprotected, Mapping) or len(unprotected) != 0:
        raise CoseError("the unprotected header must be empty")
    if len(signature) != SIGNATURE_BYTES:
        raise CoseError("signature has the wrong length")
    try:
        header = cbor2.loads(protected)
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, MemoryError) as e:
        raise CoseError(f"protected header is not CBOR: {e}") from None
    if not isinstance(header, Mapping) or set(header) != {HEADER_ALG, HEADER_KID}:
        raise CoseError("protected header must hold exactly alg and kid")
    alg = ALG_NAME.get(header[HEADER_ALG]) if isinstance(header[HEADER_ALG], int) else None
    kid = header[HEADER_KID]
    if alg is None or not isinstance(kid, bytes) or not kid:
        raise CoseError("unsupported alg or malformed kid")
    parsed = Sign1(protected, alg, kid, payload, signature)
    if parsed.to_bytes() != data or cbor2.dumps(dict(header)) != protected:
        raise CoseError("COSE_Sign1 is not canonically encoded")
    return parsed


def verify(sign1: Sign1, public_key: PublicKey) -> bool:
    """True only if `sign1` carries a good signature by `public_key` with the algorithm the key is for."""
    if alg_of(public_key) != sign1.alg:
        return False
    to_verify = _sig_structure(sign1.protected, sign1.payload)
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            r = int.from_bytes(sign1.signature[:32], "big")
            s = int.from_bytes(sign1.signature[32:], "big")
            if not 0 < s <= P256_ORDER // 2:
                return False  # high-S: the malleated twin of a valid signature
            public_key.verify(encode_dss_signature(r, s), to_verify, ec.ECDSA(hashes.SHA256()))
        else:
            public_key.verify(sign1.signature, to_verify)
    except InvalidSignature:
        return False
    return True
