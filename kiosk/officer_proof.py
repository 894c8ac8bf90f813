"""The officer's own proof on an officer-assisted enrolment, made by the kiosk from the PIN the officer typed and
checked by the registry: shared by both sides.

At provisioning the registry keeps, besides the PIN's salted hash, the officer's proof key
`scrypt(PIN, salt = sha256("kiosk-officer-proof-salt/" + officer_id)[:16])`. When an officer signs in at a kiosk with
card + PIN, the kiosk derives the same key from the typed PIN and holds it **in memory only** until the officer signs
out or the journey ends. Each enrolment the officer assists carries

    officer_proof = "<signed_at epoch>.<hex HMAC-SHA256(key, DOMAIN + kiosk_id|officer_id|op_key|cid|signed_at)>"

The registry recomputes the HMAC with the key it holds for the named officer and the kiosk name from the client
certificate, so a proof with no PIN behind it, another officer's, one made for another kiosk, citizen or operation,
or one older than `MAX_AGE_S` is refused. A wrong proof counts as a wrong PIN (the officer's lockout), so the
enrolment route is no way around the PIN lockout. Offline the kiosk makes the proof the same way; it is checked at
sync, within `MAX_AGE_S` of the sign-in (the field kit stops enrolling well before, after `max_offline_hours`).
"""

from __future__ import annotations

import hashlib
import hmac
import re

DOMAIN = b"kiosk-officer-proof-v1\0"
MAX_AGE_S = 7 * 24 * 3600  # a queued enrolment must reach the registry within a week of the officer's sign-in
MAX_AHEAD_S = 300  # a kiosk clock ahead of the registry's by more than this makes a proof from the future
SCRYPT_N = 2**14
_PROOF_RE = re.compile(r"^([1-9][0-9]{0,11})\.([0-9a-f]{64})$")


def proof_key(officer_id: str, pin: str) -> bytes:
    """The key both sides derive from the officer's PIN (the registry once, at provisioning)."""
    salt = hashlib.sha256(f"kiosk-officer-proof-salt/{officer_id}".encode()).digest()[:16]
    return hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=8, p=1, dklen=32)


def _mac(key: bytes, kiosk_id: str, officer_id: str, op_key: str, cid: str, signed_at: int) -> str:
    message = DOMAIN + f"{kiosk_id}|{officer_id}|{op_key}|{cid}|{signed_at}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def make(key: bytes, kiosk_id: str, officer_id: str, op_key: str, cid: str, signed_at: int) -> str:
    return f"{signed_at}.{_mac(key, kiosk_id, officer_id, op_key, cid, signed_at)}"


def well_formed(proof: str) -> bool:
    return isinstance(proof, str) and _PROOF_RE.fullmatch(proof) is not None


def signed_at(proof: str) -> int:
    found = _PROOF_RE.fullmatch(proof)
    if found is None:
        raise ValueError("not an officer proof")
    return int(found.group(1))


def check(key: bytes, proof: str, kiosk_id: str, officer_id: str, op_key: str, cid: str) -> bool:
    """True when `proof` was made with `key` for exactly this kiosk, officer, operation and citizen."""
    found = _PROOF_RE.fullmatch(proof)
    if found is None:
        return False
    at = int(found.group(1))
    return hmac.compare_digest(_mac(key, kiosk_id, officer_id, op_key, cid, at), found.group(2))
