"""The citizen-presence proof: the kiosk's signed claim that it verified the card's holder (face or finger) in one
journey, made by the kiosk and checked by the registry on every call that reads or changes that citizen's data.

    proof = "<base64url(kiosk_id|session|method|verified_at|cid_hash)>.<base64url(Ed25519 signature)>"

signed by the kiosk's device key (the one the registry holds for it, `kit_keys`) in the `kiosk-presence-v1` domain
(`kiosk.domains.PRESENCE`). `session` is random per journey; `cid_hash` is HMAC-SHA256 keyed by the session over the
citizen ID, so the proof names no citizen in clear and two sessions of one citizen do not link. The kiosk holds the
journey's proof in memory only (`Held`), never on disk or in a log, and drops it when the journey ends.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk import domains

MAX_AGE_S = 15 * 60  # a journey reads the citizen's data within this long of verifying them (booking is the longest)
MAX_AHEAD_S = 120  # a kiosk clock ahead of the registry's by more than this makes a proof from the future
METHODS = ("face", "finger")
MAX_PROOF_CHARS = 400
HEADER = "Presence-Proof"
_SESSION_RE = re.compile(r"^[a-p]{32}$")
_KIOSK_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass(frozen=True)
class Claim:
    kiosk_id: str
    session: str
    method: str
    verified_at: int
    cid_hash: str
    message: bytes
    signature: bytes

    def names(self, citizen_id: str) -> bool:
        """True when the proof was made for `citizen_id`."""
        return hmac.compare_digest(self.cid_hash, cid_hash(self.session, citizen_id))

    def signed_by(self, public_key: Ed25519PublicKey | bytes) -> bool:
        return domains.verify(public_key, domains.PRESENCE, self.signature, self.message)


def new_session() -> str:
    """128 random bits as 32 letters a-p (no digit run that could read as a citizen ID)."""
    return secrets.token_hex(16).translate(str.maketrans("0123456789", "ghijklmnop"))


def cid_hash(session: str, citizen_id: str) -> str:
    return hmac.new(session.encode(), f"kiosk-presence-cid/{citizen_id}".encode(), hashlib.sha256).hexdigest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make(key: Ed25519PrivateKey, kiosk_id: str, session: str, method: str, citizen_id: str, verified_at: int) -> str:
    assert method in METHODS and _SESSION_RE.fullmatch(session) and _KIOSK_RE.fullmatch(kiosk_id)
    message = f"{kiosk_id}|{session}|{method}|{verified_at}|{cid_hash(session, citizen_id)}".encode()
    return f"{_b64(message)}.{_b64(domains.sign(key, domains.PRESENCE, message))}"


def parse(proof: str) -> Claim | None:
    """The proof's claim (its signature not yet checked), or None when it is not a well-formed proof."""
    if not isinstance(proof, str) or len(proof) > MAX_PROOF_CHARS or proof.count(".") != 1:
        return None
    head, sig = proof.split(".")
    try:
        message, signature = _unb64(head), _unb64(sig)
        fields = message.decode("ascii").split("|")
    except (binascii.Error, ValueError):
        return None
    if len(fields) != 5 or len(signature) != 64:
        return None
    kiosk_id, session, method, at, digest = fields
    if not (
        _KIOSK_RE.fullmatch(kiosk_id)
        and _SESSION_RE.fullmatch(session)
        and method in METHODS
        and re.fullmatch(r"[1-9][0-9]{0,11}", at)
        and re.fullmatch(r"[0-9a-f]{64}", digest)
    ):
        return None
    return Claim(kiosk_id, session, method, int(at), digest, message, signature)


@dataclass
class Held:
    """The kiosk's one presence proof for the journey under way, in memory only: made when the holder is verified,
    given to the registry client for that citizen only, dropped when the journey ends."""

    key: Ed25519PrivateKey = field(repr=False)
    kiosk_id: str
    _proof: tuple[str, str] | None = field(default=None, repr=False)  # (citizen ID, proof)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def prove(self, citizen_id: str, method: str, verified_at: int) -> None:
        proof = make(self.key, self.kiosk_id, new_session(), method, citizen_id, verified_at)
        with self._lock:
            self._proof = (citizen_id, proof)

    def for_citizen(self, citizen_id: str) -> str:
        """The proof for `citizen_id`, or "" when this journey verified nobody or somebody else."""
        with self._lock:
            held = self._proof
        return held[1] if held is not None and held[0] == citizen_id else ""

    def forget(self) -> None:
        with self._lock:
            self._proof = None
