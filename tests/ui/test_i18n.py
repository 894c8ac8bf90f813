"""The catalogues: every string on screen has Thai, the compiled .mo match their .po, placeholders survive."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from kiosk.ui.i18n import LOCALE_DIR, compile_catalogues, translator

babel_messages = pytest.importorskip("babel.messages")
from babel.messages.extract import extract_from_dir  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

UI_DIR = Path(__file__).resolve().parents[2] / "kiosk" / "ui"


def ui_messages() -> set[str]:
    found = extract_from_dir(str(UI_DIR), keywords={"_": None, "N_": None})
    return {str(msg) for _file, _line, msg, _comments, _ctx in found}


def catalogue(lang: str) -> dict[str, str]:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "kiosk.po").open("rb") as f:
        return {str(m.id): str(m.string) for m in read_po(f) if m.id}


def test_every_ui_string_has_a_thai_translation() -> None:
    th = catalogue("th")
    missing = sorted(m for m in ui_messages() if not th.get(m))
    assert not missing, f"untranslated (run pybabel extract/update, see kiosk/ui/i18n.py): {missing}"


def test_translations_are_thai_and_keep_their_placeholders() -> None:
    fields = string.Formatter()
    for msgid, msgstr in catalogue("th").items():
        assert {f for _, f, _, _ in fields.parse(msgid) if f} == {f for _, f, _, _ in fields.parse(msgstr) if f}, msgid
        if msgid not in ("OK",):
            assert re.search("[\u0e00-\u0e7f]", msgstr), f"not Thai: {msgid!r} -> {msgstr!r}"


def test_compiled_catalogues_are_up_to_date() -> None:
    for lang, data in compile_catalogues().items():
        mo = LOCALE_DIR / lang / "LC_MESSAGES" / "kiosk.mo"
        assert mo.read_bytes() == data, f"{mo} is stale: run python -m kiosk.ui.i18n"


def test_runtime_lookup_uses_the_compiled_catalogue() -> None:
    assert translator("th")("Insert your ID card") == "เสียบบัตรประชาชน"
    assert translator("en")("Insert your ID card") == "Insert your ID card"
    assert translator("xx")("Cancel") == "ยกเลิก"  # unknown language: Thai, the kiosk's default
