"""The ThaiD passcode rules: digits only, the configured length, no ascending or descending run longer than `max_run`,
no digit repeated in a row more than `max_repeat` times, nothing taken from the card (birth date)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

Problem = Literal["length", "digits", "sequence", "repeat", "personal"]


@dataclass(frozen=True)
class PasscodeRules:
    length: int = 8
    max_run: int = 3  # longest ascending or descending run allowed ("123" yes, "1234" no)
    max_repeat: int = 2  # most times one digit may appear in a row ("11" yes, "111" no)
    max_attempts: int = 3


def longest_run(code: str) -> int:
    """The longest stretch of digits each one above (or each one below) the one before: "9123456" -> 6."""
    best = 1 if code else 0
    up = down = 1
    for a, b in itertools.pairwise(code):
        up = up + 1 if ord(b) - ord(a) == 1 else 1
        down = down + 1 if ord(a) - ord(b) == 1 else 1
        best = max(best, up, down)
    return best


def longest_repeat(code: str) -> int:
    """The longest stretch of one digit: "1222345" -> 3."""
    best = 1 if code else 0
    same = 1
    for a, b in itertools.pairwise(code):
        same = same + 1 if a == b else 1
        best = max(best, same)
    return best


def personal_patterns(birth_date: date | None) -> tuple[str, ...]:
    """Birth-date spellings a passcode must not contain: DDMMYYYY and YYYYMMDD, in the Buddhist and common era."""
    if birth_date is None:
        return ()
    out: list[str] = []
    for year in (birth_date.year, birth_date.year + 543):
        dd, mm, yyyy = f"{birth_date.day:02d}", f"{birth_date.month:02d}", f"{year:04d}"
        out += [dd + mm + yyyy, yyyy + mm + dd, dd + mm + yyyy[2:]]
    return tuple(out)


def problem(code: str, rules: PasscodeRules, personal: Iterable[str] = ()) -> Problem | None:
    """Why `code` cannot be a passcode, or None when it can."""
    if not code.isascii() or not code.isdigit():
        return "digits"
    if len(code) != rules.length:
        return "length"
    if longest_run(code) > rules.max_run:
        return "sequence"
    if longest_repeat(code) > rules.max_repeat:
        return "repeat"
    if any(p and (p in code or code in p) for p in personal):
        return "personal"
    return None
