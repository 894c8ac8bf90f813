"""The one document-number scheme of every extract: form, Buddhist-era year, and an unguessable serial.

`TR14-2569-7K3QX9M2`: "TR14" for ท.ร.14/1, "TR12" for ท.ร.12/2; the year of issue in the Buddhist era (Bangkok time);
eight characters drawn at random from an alphabet without look-alikes (no 0/O, 1/I/L), so one number tells
nothing about the next (31^8 ≈ 8.5·10^11 numbers a year per form). The registry issues them (its UNIQUE doc_no
refuses the improbable repeat); the samples draw theirs from a fixed seed.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable

FORM_PREFIXES = {"TR14_1": "TR14", "TR12_2": "TR12"}
SERIAL_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SERIAL_LENGTH = 8
BUDDHIST_ERA_OFFSET = 543
BANGKOK = dt.timezone(dt.timedelta(hours=7))
PATTERN = re.compile(rf"(TR14|TR12)-(\d{{4}})-([{SERIAL_ALPHABET}]{{{SERIAL_LENGTH}}})")


def document_number(doc_type: str, issued_at: dt.datetime, choice: Callable[[str], str] = secrets.choice) -> str:
    """A new number for a `doc_type` ('TR14_1' or 'TR12_2') issued at `issued_at` (aware)."""
    if doc_type not in FORM_PREFIXES:
        raise ValueError(f"no document numbers for {doc_type!r}")
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must be an aware datetime")
    year_be = issued_at.astimezone(BANGKOK).year + BUDDHIST_ERA_OFFSET
    serial = "".join(choice(SERIAL_ALPHABET) for _ in range(SERIAL_LENGTH))
    return f"{FORM_PREFIXES[doc_type]}-{year_be}-{serial}"


def is_document_number(text: str) -> bool:
    return PATTERN.fullmatch(text) is not None
