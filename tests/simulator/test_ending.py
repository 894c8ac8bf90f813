"""What the next person finds: the judge every scenario ends with finds a name left on screen, paper without a
readable QR and a seal that does not verify, and passes a clean ending."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PIL import Image

from kiosk.documents import samples
from simulator.citizens import by_key
from simulator.scenarios import ending
from tests.simulator.test_replay import qr_page

pytest.importorskip("zxingcpp", reason="zxing-cpp (the 'sim' extra) is the independent QR decoder")


def test_people_are_those_who_brought_a_card_a_face_or_a_finger() -> None:
    steps = [{"tap": "start"}, {"insert_card": "somchai"}, {"show_face": "nobody"}, {"place_finger": "somchai"}]
    steps.append({"show_face": "boonmee"})
    assert ending.people_in(steps) == ["somchai", "nobody", "boonmee"]


def test_a_citizen_id_grouped_as_on_the_card_or_a_name_left_on_screen_is_found() -> None:
    c = by_key("somchai")
    grouped = f"{c.cid[0]} {c.cid[1:5]} {c.cid[5:10]} {c.cid[10:12]} {c.cid[12]}"
    found = ending.data_on_screen(["แตะเพื่อเริ่ม", f"เลขประจำตัว {grouped}"], {}, [c])
    assert [str(f) for f in found] == ["somchai's citizen ID is still on the screen"]
    held = ending.data_on_screen(["Touch to start"], {"name": c.name_en.first}, [c])
    assert [str(f) for f in held] == ["somchai's name is still held by the screen"]
    assert ending.data_on_screen(["Touch to start", "แตะเพื่อเริ่ม"], {}, [c]) == []


def test_paper_without_a_readable_qr_is_found(tmp_path: Path) -> None:
    blank = Image.new("1", (384, 200), 1)
    found = ending.paper_findings([qr_page("T-1"), blank], None, dt.datetime.now(dt.UTC))
    assert [str(f) for f in found] == ["document 2 of 2: no QR code reads from the paper"]


def test_a_seal_verifies_against_the_trust_list_or_is_found(tmp_path: Path) -> None:
    text = samples.sample_seal("TR14_1", samples.sample_number("TR14_1"), {"house": "1234"})
    trust = tmp_path / "trust.json"
    samples.sample_trust_list().save(trust)
    fresh = samples.ISSUED_AT + dt.timedelta(days=1)
    assert ending.paper_findings([qr_page(text, module=2)], trust, fresh) == []
    stale = samples.ISSUED_AT + samples.SAMPLE_SEAL_VALIDITY + dt.timedelta(days=1)
    (late,) = ending.paper_findings([qr_page(text, module=2)], trust, stale)
    assert "document 1: its seal is" in str(late) and "valid)" not in str(late)
    (untrusted,) = ending.paper_findings([qr_page(text, module=2)], None, fresh)
    assert "no trust list" in str(untrusted)
