"""Numbers and identifiers as printed: digit grouping, Thai digits, the citizen ID in its groups or masked."""

from __future__ import annotations

from typing import Literal

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
CITIZEN_ID_GROUPS = (1, 4, 5, 2, 1)
CITIZEN_ID_VISIBLE_WHEN_MASKED = 4  # trailing digits left readable, as Thai receipts commonly do
MASK = "x"


def to_thai_digits(text: str) -> str:
    return text.translate(THAI_DIGITS)


def format_number(value: int | float, *, decimals: int = 0, digits: Literal["arabic", "thai"] = "arabic") -> str:
    """'1,234,567' or with `decimals`; `digits='thai'` writes ๑,๒๓๔ (both usages are official in Thailand)."""
    text = f"{value:,.{decimals}f}"
    return to_thai_digits(text) if digits == "thai" else text


def _group(chars: str, groups: tuple[int, ...], sep: str) -> str:
    out: list[str] = []
    i = 0
    for n in groups:
        out.append(chars[i : i + n])
        i += n
    return sep.join(out)


def check_digit_ok(citizen_id: str) -> bool:
    if len(citizen_id) != 13 or not citizen_id.isdigit():
        return False
    s = sum(int(citizen_id[i]) * (13 - i) for i in range(12))
    return (11 - s % 11) % 10 == int(citizen_id[12])


def format_citizen_id(citizen_id: str, sep: str = "-") -> str:
    """'1-2345-67890-12-1': the 13 digits in the groups printed on the card and in the house register."""
    if len(citizen_id) != 13 or not citizen_id.isdigit():
        raise ValueError("a citizen ID has 13 digits")
    return _group(citizen_id, CITIZEN_ID_GROUPS, sep)


def mask_citizen_id(citizen_id: str, sep: str = "-") -> str:
    """'x-xxxx-xxxx0-12-1': only the last four digits readable (receipts and logs never carry a full ID)."""
    if len(citizen_id) != 13 or not citizen_id.isdigit():
        raise ValueError("a citizen ID has 13 digits")
    hidden = 13 - CITIZEN_ID_VISIBLE_WHEN_MASKED
    return _group(MASK * hidden + citizen_id[hidden:], CITIZEN_ID_GROUPS, sep)


def is_masked_citizen_id(text: str) -> bool:
    """True for the output of `mask_citizen_id` (at most four digits readable)."""
    bare = text.replace("-", "").replace(" ", "")
    return len(bare) == 13 and sum(c.isdigit() for c in bare) <= CITIZEN_ID_VISIBLE_WHEN_MASKED


def format_house_code(house_code: str, sep: str = "-") -> str:
    """'1234-567890-1': the 11-digit house code (รหัสประจำบ้าน) in its printed groups."""
    if len(house_code) != 11 or not house_code.isdigit():
        raise ValueError("a house code has 11 digits")
    return _group(house_code, (4, 6, 1), sep)
