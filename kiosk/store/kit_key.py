"""Telling the registry which key this kit signs its offline activation tokens with: one `register_kit_key`
operation in the outbox, queued before the first enrolment that needs it (the outbox sends in order, so the key
reaches the registry before any enrolment whose token a phone may present)."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.store.outbox import Operation, Outbox


def kit_public_key(signer: Ed25519PrivateKey) -> bytes:
    return signer.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def queue_kit_key(outbox: Outbox, signer: Ed25519PrivateKey, now: float) -> Operation | None:
    """Queue the registration unless this key is already queued or acknowledged; returns the new operation."""
    public = base64.b64encode(kit_public_key(signer)).decode()
    for op in outbox.of_kind("register_kit_key"):
        if op.payload.get("public_key") == public and op.state != "failed":
            return None
    return outbox.enqueue("register_kit_key", {"public_key": public}, now)
