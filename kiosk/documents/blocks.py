"""The vocabulary of a printed layout: blocks a renderer stacks top to bottom, free of fonts and pixels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Size = Literal["small", "body", "title"]
Align = Literal["left", "center"]


@dataclass(frozen=True)
class Text:
    text: str
    size: Size = "body"
    bold: bool = False
    align: Align = "left"


@dataclass(frozen=True)
class Field:
    """A label and its value side by side; either wraps within its column. A `whole` value is never broken: it
    moves under its label, across the full width, when its column is too narrow."""

    label: str
    value: str
    bold: bool = False
    whole: bool = False


@dataclass(frozen=True)
class Flow:
    """Fields written as running lines, each label followed by its value, as the registry's computer-printed forms
    write them: a field starts at the next of two tab stops (the left edge, the middle) where it fits whole, else on
    a new line; a value too long for a line wraps under itself, after its label. Dense, and never squeezed."""

    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Banner:
    """White on black across the whole width: impossible to miss (REPRINT)."""

    text: str


@dataclass(frozen=True)
class Rule:
    pass


@dataclass(frozen=True)
class Gap:
    lines: float = 0.5


@dataclass(frozen=True)
class Seal:
    """The QR code with error correction Q: always the last block, so a cut-off print visibly lacks it."""

    payload: str


Block = Text | Field | Flow | Banner | Rule | Gap | Seal


def fields(blocks: list[Block]) -> list[Field]:
    """The fields of `blocks` in reading order (a Flow's in its order)."""
    out: list[Field] = []
    for b in blocks:
        if isinstance(b, Field):
            out.append(b)
        elif isinstance(b, Flow):
            out += b.fields
    return out
