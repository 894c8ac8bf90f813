"""The catalogues: every string on screen has Thai, the compiled .mo match their .po, placeholders survive."""

from __future__ import annotations

import gettext
import io
import re
import string
from pathlib import Path

import pytest

from kiosk.ui.i18n import LANGUAGES, LOCALE_DIR, compile_catalogues, translator

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


def mo_messages(data: bytes) -> dict[str, str]:
    """A compiled catalogue's messages and translations, without its header (which names the compiler's version)."""
    messages = dict(gettext.GNUTranslations(io.BytesIO(data))._catalog)  # type: ignore[attr-defined]
    messages.pop("", None)
    return messages


def test_compiled_catalogues_are_up_to_date() -> None:
    for lang, data in compile_catalogues().items():
        mo = LOCALE_DIR / lang / "LC_MESSAGES" / "kiosk.mo"
        committed = mo_messages(mo.read_bytes())
        assert committed == mo_messages(data), f"{mo} is stale: run python -m kiosk.ui.i18n"
        assert committed, f"{mo} holds no messages"


def test_the_comparison_ignores_the_compiler_and_sees_a_changed_translation(tmp_path: Path) -> None:
    data = compile_catalogues()["th"]
    assert mo_messages(data.replace(b"Generated-By: Babel", b"Generated-By: Other")) == mo_messages(data)
    for lang in LANGUAGES:
        (tmp_path / lang / "LC_MESSAGES").mkdir(parents=True)
        po = (LOCALE_DIR / lang / "LC_MESSAGES" / "kiosk.po").read_text(encoding="utf-8")
        if lang == "th":
            po = po.replace('msgstr "เสียบบัตรประชาชน"', 'msgstr "เสียบบัตร"', 1)
        (tmp_path / lang / "LC_MESSAGES" / "kiosk.po").write_text(po, encoding="utf-8")
    edited = mo_messages(compile_catalogues(tmp_path)["th"])
    assert edited["Insert your ID card"] == "เสียบบัตร"
    assert edited != mo_messages(data)


def test_runtime_lookup_uses_the_compiled_catalogue() -> None:
    assert translator("th")("Insert your ID card") == "เสียบบัตรประชาชน"
    assert translator("en")("Insert your ID card") == "Insert your ID card"
    assert translator("xx")("Cancel") == "ยกเลิก"  # unknown language: Thai, the kiosk's default
