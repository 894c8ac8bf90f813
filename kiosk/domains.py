"""Domain tags for every message the kiosk's one Ed25519 key signs, shared by the kiosk and the registry.

The audit log's heads, the offline activation tokens and the citizen-presence proofs are signed by the same key
(the key the registry holds for the kiosk, `kit_keys`). Each message is prefixed with its own tag before it is signed,
so a signature made for one purpose is never a valid signature for another, whatever the bytes after the tag.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

AUDIT = b"kiosk-audit-v1\0"  # over an audit entry's 32-byte hash (kiosk.store.audit)
KIT_TOKEN = b"kiosk-kit-token-v1\0"  # over `kiosk_id|op_key|expires|nonce` (kiosk.registry.kit_tokens)
PRESENCE = b"kiosk-presence-v1\0"  # over `kiosk_id|session|method|verified_at|cid_hash` (kiosk.presence)
TAGS = (AUDIT, KIT_TOKEN, PRESENCE)  # a new use of the key gets its own tag here


def sign(key: Ed25519PrivateKey, domain: bytes, message: bytes) -> bytes:
    assert domain in TAGS
    return key.sign(domain + message)


def verify(public_key: Ed25519PublicKey | bytes, domain: bytes, signature: bytes, message: bytes) -> bool:
    """True when `signature` is `public_key`'s over `message` in `domain`; False for anything else (a malformed
    key or signature included)."""
    assert domain in TAGS
    try:
        key = public_key if isinstance(public_key, Ed25519PublicKey) else Ed25519PublicKey.from_public_bytes(public_key)
        key.verify(signature, domain + message)
    except (InvalidSignature, ValueError):
        return False
    return True
