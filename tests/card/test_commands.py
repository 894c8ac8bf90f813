"""`kiosk card read` end to end on a virtual reader: masked by default, complete with --show, the photo on request."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.drivers.card import CardPhotoRead, CardReadFailed, CardRemoved
from kiosk.drivers.card.commands import masked, render
from simulator import citizens as cz
from simulator.vcard.pcscd import missing_parts
from tests.conftest import missing_stack


@pytest.fixture
def stack_present() -> None:
    if missing := missing_parts():
        missing_stack("pcscd + vpcd: " + ", ".join(missing))


@pytest.mark.stack
@pytest.mark.usefixtures("stack_present")
def test_read_masks_personal_data_by_default(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    photo = tmp_path / "chip.jpg"
    assert cli.main(["card", "read", "--simulate", "ruethai", "--photo-out", str(photo)]) == 0
    out = capsys.readouterr().out
    citizen = cz.by_key("ruethai")
    assert "3-1005-xxxxx-xx-5" in out and citizen.cid not in out
    assert "ฤทัยรัตน์" not in out and "Ruethairat" not in out and citizen.laser_id not in out
    assert "จังหวัดสมุทรปราการ" in out  # the province alone identifies nobody
    assert photo.read_bytes() == cz.portrait_jpeg(citizen)


@pytest.mark.stack
@pytest.mark.usefixtures("stack_present")
def test_read_with_show_and_an_expired_card(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["card", "read", "--simulate", "weera", "--show", "--no-photo"]) == 0
    out = capsys.readouterr().out
    citizen = cz.by_key("weera")
    assert citizen.cid in out and "นายวีระ สุขสวัสดิ์" in out and "Mr. Weera Suksawat" in out
    assert "2022-02-27  (EXPIRED)" in out and "photo" not in out


def test_masking_and_event_lines() -> None:
    assert masked("นายสมชาย ใจดี", show=False) == "น•••• ใ•••"
    assert masked("Mr. Somchai", show=True) == "Mr. Somchai"
    today = date(2026, 11, 22)
    assert "removed   r" in render(CardRemoved("r"), show=False, today=today)
    assert "FAILED    card_removed: gone" in render(CardReadFailed("card_removed", "gone"), show=False, today=today)
    assert render(CardPhotoRead(b"\xff" * 10), show=False, today=today).endswith("photo     10 bytes")
