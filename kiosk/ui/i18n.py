"""The UI's words in Thai and English: gettext catalogues under kiosk/locale, Thai first, compiled from .po by Babel.

Message ids are the English source strings (marked `_()` / `N_()` in the screens). After changing screen text:

    .venv/bin/pybabel extract -k _ -k N_ --no-location --no-wrap -o kiosk/locale/kiosk.pot kiosk/ui
    .venv/bin/pybabel update -i kiosk/locale/kiosk.pot -d kiosk/locale -D kiosk --no-wrap   # then translate th
    .venv/bin/python -m kiosk.ui.i18n                                                       # compile the .mo files

The `.mo` files are committed so a kiosk needs no Babel at run time; tests check they match the `.po` sources and
that every string on screen has its Thai.
"""

from __future__ import annotations

import gettext
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Literal

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "kiosk"
LANGUAGES: tuple[str, ...] = ("th", "en")
Language = Literal["th", "en"]
DEFAULT_LANGUAGE: Language = "th"

Translate = Callable[[str], str]


def N_(message: str) -> str:
    """Marks a string for extraction where it is translated later (tables of reasons, menu entries)."""
    return message


@cache
def catalogue(language: str) -> gettext.NullTranslations:
    """The compiled catalogue for `language`; an unknown language falls back to Thai, never to an error screen."""
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang], fallback=False)


def translator(language: str) -> Translate:
    return catalogue(language).gettext


def compile_catalogues(locale_dir: Path = LOCALE_DIR) -> dict[str, bytes]:
    """Each language's `.mo` bytes compiled from its `.po` with Babel (not written)."""
    from io import BytesIO

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    out: dict[str, bytes] = {}
    for lang in LANGUAGES:
        po = locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        with po.open("rb") as f:
            cat = read_po(f, locale=lang, domain=DOMAIN)
        buf = BytesIO()
        write_mo(buf, cat, use_fuzzy=False)
        out[lang] = buf.getvalue()
    return out


def main() -> int:
    for lang, data in compile_catalogues().items():
        mo = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        mo.write_bytes(data)
        print(f"compiled {mo} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
