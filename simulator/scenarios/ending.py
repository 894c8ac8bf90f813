"""What the next person finds when a scenario is over: an empty card slot, the screen it should end on, the kiosk's
default language and text size, nobody's name or ID on screen, and paper whose QR codes read (seals verify).

Every scenario is judged by its ending, whatever its steps checked on the way: a journey that leaves a card in the
slot, a name on the screen or a print whose QR does not decode fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image

from simulator.citizens import Citizen

PERSON_STEPS = ("insert_card", "show_face", "place_finger")
ENDINGS = frozenset({"attract", "out_of_service"})
SEAL_PREFIX = "TH1:"


@dataclass(frozen=True)
class Finding:
    """One thing the next person would find that they should not."""

    what: str

    def __str__(self) -> str:
        return self.what


def people_in(steps: Iterable[dict[str, Any]]) -> list[str]:
    """The test citizens a scenario brings to the kiosk (card, face or finger), in order of appearance."""
    seen: list[str] = []
    for st in steps:
        for key in PERSON_STEPS:
            who = st.get(key)
            if isinstance(who, str) and who and who not in seen:
                seen.append(who)
    return seen


def personal_strings(c: Citizen) -> list[str]:
    """What would identify `c` on a screen: the citizen ID (plain and grouped as cards print it) and the names."""
    cid = c.cid
    grouped = f"{cid[0]} {cid[1:5]} {cid[5:10]} {cid[10:12]} {cid[12]}"
    out = [cid, grouped, grouped.replace(" ", "-")]
    for name in (c.name_th, c.name_en):
        out += [part for part in (name.first, name.last) if len(part) >= 2]
    return out


def data_on_screen(texts: Sequence[str], state_data: object, people: Sequence[Citizen]) -> list[Finding]:
    """Each person's ID or name still drawn on the screen or held in the screen's state."""
    held = repr(state_data)
    found: list[Finding] = []
    for c in people:
        for s in personal_strings(c):
            if any(s in t for t in texts):
                found.append(Finding(f"{c.key}'s {describe(s, c)} is still on the screen"))
            elif s in held:
                found.append(Finding(f"{c.key}'s {describe(s, c)} is still held by the screen"))
    return found


def describe(s: str, c: Citizen) -> str:
    return "citizen ID" if re.sub(r"\D", "", s) == c.cid else "name"


def paper_findings(documents: Sequence[Image.Image], trust_list: Path | None, now: datetime) -> list[Finding]:
    """Each cut document must carry a QR that an independent decoder (zxing-cpp) reads from the printed raster;
    a seal's QR must verify offline against the registry's trust list."""
    import zxingcpp

    from kiosk.seal.keys import TrustList
    from kiosk.seal.seal import verify

    trust = TrustList.load(trust_list) if trust_list is not None and trust_list.exists() else None
    found: list[Finding] = []
    for i, doc in enumerate(documents, 1):
        texts = [r.text for r in zxingcpp.read_barcodes(doc.convert("L"))]
        if not texts:
            found.append(Finding(f"document {i} of {len(documents)}: no QR code reads from the paper"))
            continue
        for text in texts:
            if not text.startswith(SEAL_PREFIX):
                continue
            if trust is None:
                found.append(Finding(f"document {i}: a seal, but no trust list to verify it against"))
                continue
            check = verify(text, trust, now)
            if check.status != "valid":
                found.append(Finding(f"document {i}: its seal is {check.status} ({check.reason})"))
    return found


def now_utc() -> datetime:
    return datetime.now(UTC)
