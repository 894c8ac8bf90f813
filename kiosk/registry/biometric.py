"""Finger templates at rest in the registry: AES-256-GCM under a server key the registry alone holds, bound to the
citizen ID (associated data), so a sealed template copied to another citizen's row does not open. Templates are
never logged; only their sealed form reaches the database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALED_PREFIX = "t1:"
MAX_TEMPLATE_BYTES = 4096  # the R30x/AS608 family exports 512-1536 bytes per template
NONCE_BYTES = 12


class TemplateKeyError(ValueError):
    """A sealed template does not open with this key (wrong key, altered bytes, or another citizen's row)."""


@dataclass(frozen=True)
class TemplateCipher:
    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.key) != 32:
            raise ValueError("the template key must be 32 bytes (AES-256)")

    @property
    def key_id(self) -> str:
        """Names the key (for rotation) without revealing it."""
        return hashlib.sha256(b"kiosk-template-key" + self.key).hexdigest()[:16]

    def subject_hash(self, citizen_id: str) -> str:
        """A keyed hash naming a citizen in the fetch audit: the same citizen gives the same value (so an auditor can
        follow one person's fetches), but without the registry's key nobody can test a guessed ID against it."""
        audit_key = hmac.digest(self.key, b"kiosk-template-fetch-audit", "sha256")
        return hmac.digest(audit_key, citizen_id.encode(), "sha256").hex()

    def seal(self, citizen_id: str, template: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.key).encrypt(nonce, template, citizen_id.encode())
        return SEALED_PREFIX + base64.b64encode(nonce + sealed).decode()

    def open(self, citizen_id: str, stored: str) -> bytes:
        if not stored.startswith(SEALED_PREFIX):
            raise TemplateKeyError("not a sealed template")
        try:
            raw = base64.b64decode(stored[len(SEALED_PREFIX) :], validate=True)
            return AESGCM(self.key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], citizen_id.encode())
        except (InvalidTag, binascii.Error, ValueError):
            raise TemplateKeyError("the sealed template does not open with this key for this citizen") from None

    @classmethod
    def load_or_create(cls, path: Path) -> TemplateCipher:
        """The key file (0600), made once; never overwritten."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(32))
                f.flush()
                os.fsync(f.fileno())
        return cls(path.read_bytes())
