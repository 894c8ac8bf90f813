"""The test-citizen fixtures: valid IDs, the variety the card tests rely on, and chip-sized portraits."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from simulator import citizens as cz


def test_every_citizen_has_a_valid_unique_id_and_chip_fields() -> None:
    people = cz.load_citizens()
    assert len(people) >= 8
    assert len({c.cid for c in people}) == len(people)
    assert len({c.key for c in people}) == len(people)
    for c in people:
        assert cz.cid_check_digit(c.cid) == int(c.cid[12])
        assert len(c.dob) == len(c.issued) == len(c.expires) == 8
        assert c.sex in ("male", "female")
        assert len(c.address.split("#")) >= 8
        for text in (c.name_th.card_field(), c.name_en.card_field(), c.issuer, c.address):
            assert len(text.encode("cp874")) <= 100, c.key


def test_fixtures_cover_the_awkward_cases() -> None:
    people = cz.load_citizens()
    assert any(c.name_th.middle and c.name_en.middle for c in people)
    assert any(c.dob[4:6] == "00" and c.dob[6:] == "00" for c in people)
    assert any(c.dob[4:6] != "00" and c.dob[6:] == "00" for c in people)
    assert any(c.expires == "99999999" for c in people)
    assert any(c.expires != "99999999" and int(c.expires) < 25690101 for c in people)  # expired before 2026
    assert any(ch in c.name_th.card_field() for c in people for ch in "ฤ")
    assert any(ch in c.name_th.card_field() for c in people for ch in "ุู")
    assert {c.pin is not None for c in cz.officers()} == {True}
    assert len(cz.officers()) >= 1


def test_lookup_by_cid_and_key() -> None:
    somchai = cz.by_key("somchai")
    assert cz.by_cid(somchai.cid) is somchai
    with pytest.raises(KeyError):
        cz.by_cid("0000000000000")


def test_display_names() -> None:
    assert cz.by_key("somchai").name_th.full() == "นายสมชาย ใจดี"
    assert cz.by_key("somsak").name_en.full() == "Mr. Somsak William Srisuk"
    assert cz.by_key("kanokwan").name_en.full() == "Miss Kanokwan Kaewmanee"


def _check_chip_jpeg(data: bytes) -> Image.Image:
    assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    assert len(data) <= cz.PHOTO_MAX_BYTES
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.width <= 297 and image.height <= 356
    return image


def test_placeholder_portrait_without_shared_faces(tmp_path: Path) -> None:
    c = cz.by_key("somchai")
    assert not cz.has_real_face(c, faces_dir=tmp_path)
    _check_chip_jpeg(cz.portrait_jpeg(c, faces_dir=tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_real_portraits_fit_the_chip(asian_faces_dir: Path) -> None:
    for c in cz.load_citizens():
        assert cz.has_real_face(c, faces_dir=asian_faces_dir)
        assert cz.face_photo_paths(c, asian_faces_dir)[0].name == c.portrait
        image = _check_chip_jpeg(cz.portrait_jpeg(c, faces_dir=asian_faces_dir))
        assert image.height > image.width
