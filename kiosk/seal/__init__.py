"""Offline-verifiable seals for printed extracts: issue with a registry key, verify with a trust list, no network."""

from kiosk.seal.keys import SigningKey, TrustedKey, TrustList, TrustListError
from kiosk.seal.seal import PREFIX, SealCheck, SealDocument, SealFormatError, issue, verify

__all__ = [
    "PREFIX",
    "SealCheck",
    "SealDocument",
    "SealFormatError",
    "SigningKey",
    "TrustList",
    "TrustListError",
    "TrustedKey",
    "issue",
    "verify",
]
