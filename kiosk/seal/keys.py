"""Seal signing keys (kept by the registry) and the trust list of public keys that verifiers hold offline."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from kiosk.seal.cose import Alg, PrivateKey, PublicKey, alg_of, key_id


class TrustListError(ValueError):
    """The trust list file is malformed."""


@dataclass(frozen=True)
class SigningKey:
    private_key: PrivateKey

    @classmethod
    def generate(cls, alg: Alg = "ES256") -> SigningKey:
        key: PrivateKey = (
            ec.generate_private_key(ec.SECP256R1()) if alg == "ES256" else ed25519.Ed25519PrivateKey.generate()
        )
        return cls(key)

    @classmethod
    def load(cls, path: Path) -> SigningKey:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
            raise TrustListError(f"{path}: not an ES256 or EdDSA key")
        return cls(key)

    def save(self, path: Path) -> None:
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)

    @property
    def alg(self) -> Alg:
        return alg_of(self.private_key)

    @property
    def kid(self) -> bytes:
        return key_id(self.private_key.public_key())

    def trusted(self, issuer: str, not_before: datetime, not_after: datetime) -> TrustedKey:
        return TrustedKey(self.kid, self.alg, issuer, self.private_key.public_key(), not_before, not_after)


@dataclass(frozen=True)
class TrustedKey:
    kid: bytes
    alg: Alg
    issuer: str
    public_key: PublicKey
    not_before: datetime  # seals issued outside [not_before, not_after] by this key are invalid
    not_after: datetime
    revoked_at: datetime | None = None  # a compromised key: every seal it signed is invalid (iat can be backdated)

    def to_json(self) -> dict[str, str]:
        spki = self.public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return {
            "kid": base64.b64encode(self.kid).decode(),
            "alg": self.alg,
            "issuer": self.issuer,
            "public_key": base64.b64encode(spki).decode(),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            **({"revoked_at": self.revoked_at.isoformat()} if self.revoked_at is not None else {}),
        }

    @classmethod
    def from_json(cls, raw: Any) -> TrustedKey:
        try:
            public = serialization.load_der_public_key(base64.b64decode(raw["public_key"], validate=True))
            if not isinstance(public, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
                raise TrustListError("trust list key is neither ES256 nor EdDSA")
            entry = cls(
                kid=base64.b64decode(raw["kid"], validate=True),
                alg=alg_of(public),
                issuer=str(raw["issuer"]),
                public_key=public,
                not_before=_aware(datetime.fromisoformat(raw["not_before"])),
                not_after=_aware(datetime.fromisoformat(raw["not_after"])),
                revoked_at=_aware(datetime.fromisoformat(raw["revoked_at"])) if raw.get("revoked_at") else None,
            )
        except (KeyError, TypeError, ValueError) as e:
            raise TrustListError(f"malformed trust list entry: {e}") from None
        if entry.kid != key_id(public) or raw.get("alg") != entry.alg:
            raise TrustListError("trust list entry's kid or alg does not match its public key")
        return entry


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class TrustList:
    keys: tuple[TrustedKey, ...] = ()
    serial: int = 0  # the list's own version: the registry raises it with every change, kiosks never go back

    def find(self, kid: bytes) -> TrustedKey | None:
        return next((k for k in self.keys if k.kid == kid), None)

    def next(self, keys: tuple[TrustedKey, ...]) -> TrustList:
        """The list that replaces this one: `keys`, one serial later."""
        return TrustList(keys, self.serial + 1)

    def to_json(self) -> dict[str, Any]:
        return {"version": 1, "serial": self.serial, "keys": [k.to_json() for k in self.keys]}

    @classmethod
    def from_json(cls, raw: Any) -> TrustList:
        if not isinstance(raw, dict) or raw.get("version") != 1 or not isinstance(raw.get("keys"), list):
            raise TrustListError("trust list must be {'version': 1, 'keys': [...]}")
        serial = raw.get("serial", 0)
        if not isinstance(serial, int) or isinstance(serial, bool) or not 0 <= serial < 2**53:
            raise TrustListError("the trust list's serial must be a whole number")
        return cls(tuple(TrustedKey.from_json(k) for k in raw["keys"]), serial)

    @classmethod
    def load(cls, path: Path) -> TrustList:
        try:
            return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError) as e:
            raise TrustListError(f"{path}: cannot read trust list: {e}") from None

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=2), encoding="utf-8")
        os.replace(tmp, path)
