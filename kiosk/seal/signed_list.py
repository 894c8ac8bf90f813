"""The trust list as the registry publishes it: signed by its seal key, with a serial that never decreases.

Envelope: `{"trust_list": <TrustList JSON, with "serial">, "signature": base64(COSE_Sign1)}`, where the COSE_Sign1's
payload is `DOMAIN + canonical JSON of the trust list` (sorted keys, no spaces), signed by a seal key. A kiosk
accepts a new list only when it is signed by an unrevoked key of the list it already holds (the registry rotates keys
by publishing the new one in a list the old one signs), and its serial is at least the held one's (an equal serial
must be the same list): an unsigned, badly signed or older list is refused, and the kiosk keeps what it holds. With no
list held yet (the first sync after `kiosk enrol-device`), the list must be signed by one of its own keys and comes
over the mutual-TLS channel to the registry the kiosk was enrolled with.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from kiosk.seal import cose
from kiosk.seal.keys import SigningKey, TrustList, TrustListError

DOMAIN = b"kiosk-trust-list-v1\0"


def _canonical(trust: TrustList) -> bytes:
    return DOMAIN + json.dumps(trust.to_json(), sort_keys=True, separators=(",", ":")).encode()


def sign(trust: TrustList, signer: SigningKey) -> dict[str, Any]:
    sign1 = cose.sign(_canonical(trust), signer.private_key)
    return {"trust_list": trust.to_json(), "signature": base64.b64encode(sign1.to_bytes()).decode()}


def accept(envelope: Any, held: TrustList | None) -> TrustList:
    """The envelope's list if it may replace `held` (see the module's rule); TrustListError saying why not."""
    if not isinstance(envelope, dict) or set(envelope) != {"trust_list", "signature"}:
        raise TrustListError("the trust list is not signed")
    offered = TrustList.from_json(envelope["trust_list"])
    try:
        sign1 = cose.parse(base64.b64decode(str(envelope["signature"]), validate=True))
    except (binascii.Error, ValueError, cose.CoseError):
        raise TrustListError("the trust list's signature is malformed") from None
    anchors = held if held is not None else offered
    signer = anchors.find(sign1.kid)
    if signer is None or signer.revoked_at is not None:
        raise TrustListError("the trust list is not signed by a key this kiosk trusts")
    if sign1.payload != _canonical(offered) or not cose.verify(sign1, signer.public_key):
        raise TrustListError("the trust list's signature does not verify")
    if held is not None and offered.serial < held.serial:
        raise TrustListError(f"the trust list is older (serial {offered.serial}) than the one held ({held.serial})")
    if held is not None and offered.serial == held.serial and offered != held:
        raise TrustListError(f"another trust list with the same serial {held.serial}")
    return offered
