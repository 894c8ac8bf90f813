"""Start-up checks of the platform (raqm text layout, Thai fonts), shared by setup and `kiosk doctor`."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

FONT_DIRS = (Path("/usr/share/fonts/truetype/tlwg"), Path("/usr/share/fonts/opentype/tlwg"))


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def find_font(family: str, style: str = "") -> Path | None:
    """The TLWG font file for `family` (e.g. 'Loma', 'Garuda'), style '' or 'Bold'."""
    for d in FONT_DIRS:
        for ext in ("ttf", "otf"):
            p = d / f"{family}{('-' + style) if style else ''}.{ext}"
            if p.exists():
                return p
    return None


def checks() -> list[Check]:
    from PIL import features

    raqm = bool(features.check("raqm"))
    out = [Check("raqm", raqm, "Pillow lays out Thai with raqm" if raqm else "raqm missing: install libfribidi0")]
    for family in ("Loma", "Garuda"):
        p = find_font(family)
        out.append(Check(f"font {family}", p is not None, str(p) if p else "install fonts-tlwg-*-ttf"))
    return out


def main() -> int:
    results = checks()
    for c in results:
        print(f"{'ok ' if c.ok else 'BAD'} {c.name}: {c.detail}")
    return 0 if all(c.ok for c in results) else 1


if __name__ == "__main__":
    sys.exit(main())
