"""Offline activation tokens signed by a field kit: their one accepted encoding, parsing and signature check.

`"THAID:KIT:" + base64url_nopad(body + b"|" + signature)` where body is `kiosk_id|op_key|expires_epoch|nonce`
(`op_key` is the outbox idempotency key under which the kit queued the enrolment, `nonce` 8 hex digits) and the
signature is Ed25519 over `kiosk.domains.KIT_TOKEN + body` by the kit's own key (its audit key, registered with the
registry beforehand; the domain tag keeps an audit signature from passing for a token signature and back).
Exactly one encoding is accepted (canonical base64url, no padding), so any altered character is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import domains
from kiosk.registry.validate import ApiError

PREFIX = "THAID:KIT:"
MAX_TOKEN_CHARS = 400
SIGNATURE_BYTES = 64
_KIOSK_RE = re.compile(rb"^[A-Za-z0-9_-]{1,32}$")
_KEY_RE = re.compile(rb"^[A-Za-z0-9_-]{8,64}$")
_EXPIRES_RE = re.compile(rb"^[1-9][0-9]{0,11}$")
_NONCE_RE = re.compile(rb"^[0-9A-F]{8}$")
_B64URL_RE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class KitToken:
    kiosk_id: str
    op_key: str
    expires_at: int  # UTC epoch seconds
    nonce: str
    body: bytes
    signature: bytes


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


def _refuse(why: str) -> ApiError:
    return ApiError(422, "malformed_token", f"not a kit activation token: {why}")


def parse(token: str) -> KitToken:
    """The token's parts; ApiError 422 `malformed_token` for anything but the one canonical encoding."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        raise _refuse("too long")
    encoded = token.removeprefix(PREFIX)
    if not _B64URL_RE.fullmatch(encoded) or len(encoded) % 4 == 1:
        raise _refuse("not base64url")
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        raise _refuse("not base64url") from None
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != encoded:
        raise _refuse("not canonical base64url")
    if len(raw) < SIGNATURE_BYTES + 2 or raw[-SIGNATURE_BYTES - 1 : -SIGNATURE_BYTES] != b"|":
        raise _refuse("no signature")
    body, signature = raw[: -SIGNATURE_BYTES - 1], raw[-SIGNATURE_BYTES:]
    parts = body.split(b"|")
    if len(parts) != 4:
        raise _refuse("wrong number of fields")
    kiosk, op, expires, nonce = parts
    checks = ((_KIOSK_RE, kiosk), (_KEY_RE, op), (_EXPIRES_RE, expires), (_NONCE_RE, nonce))
    if not all(pattern.fullmatch(value) for pattern, value in checks):
        raise _refuse("a field is malformed")
    return KitToken(kiosk.decode(), op.decode(), int(expires), nonce.decode(), body, signature)


def signed_by(token: KitToken, public_key: bytes) -> bool:
    return domains.verify(public_key, domains.KIT_TOKEN, token.signature, token.body)


def issue(kiosk_id: str, op_key: str, expires_at: int, nonce: str, signer: Ed25519PrivateKey) -> str:
    """The token as a kit makes it (`kiosk.flows.adapters.LocalAdapter.issue_activation` writes the same bytes)."""
    body = f"{kiosk_id}|{op_key}|{expires_at}|{nonce}".encode()
    signature = domains.sign(signer, domains.KIT_TOKEN, body)
    return PREFIX + base64.urlsafe_b64encode(body + b"|" + signature).decode().rstrip("=")
