"""The simulator's test citizens wear faces that fit them: East and Southeast Asian identities from
../shared/faces-asian (read from there, never copied), each one's camera view passing the kiosk's own capture gates
and matching their own chip portrait, and nobody else's, at the shipped threshold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kiosk.compose.face import configured_verifier
from kiosk.config import Config
from kiosk.face.verifier import FaceVerifier
from simulator import citizens as cz
from simulator import framing
from simulator.rig import Rig, find_photos

ASIAN_REGIONS = {"east_asian", "southeast_asian"}


@pytest.fixture(scope="module")
def verifier() -> FaceVerifier:
    return configured_verifier(Config().face)  # the match exactly as the kiosk makes it


def first_view(c: cz.Citizen, faces_dir: Path) -> np.ndarray:
    """What the camera shows when a scenario or the panel puts this citizen in front of it."""
    rig = Rig(faces_dir=faces_dir)
    assert rig.show_person(c.key), f"no photo of {c.key}"
    frame = rig.frame()
    assert frame is not None
    return frame


def test_every_citizen_is_a_distinct_east_or_southeast_asian_identity(asian_faces_dir: Path) -> None:
    info = json.loads((asian_faces_dir / "identities.json").read_text(encoding="utf-8"))["identity_info"]
    people = cz.load_citizens()
    assert len({c.face for c in people}) == len(people)
    for c in people:
        assert info[c.face]["region"] in ASIAN_REGIONS, (c.key, c.face)
        assert len(cz.face_photo_paths(c, asian_faces_dir)) >= 2, f"{c.key}: a portrait and a photo for the camera"


def test_the_camera_offers_only_the_citizens_and_their_portrait_photo_last(asian_faces_dir: Path) -> None:
    photos = find_photos(cz.load_citizens(), asian_faces_dir)
    for c in cz.load_citizens():
        mine = [p for p in photos if p.owner == c.key]
        assert mine and mine[-1].path.name == c.portrait and all(p.path.name != c.portrait for p in mine[:-1])
    assert {p.owner for p in photos} == {c.key for c in cz.load_citizens()}
    assert all(c.face not in p.label for p in photos for c in cz.load_citizens())  # who they are here, not the set


def test_each_citizens_camera_view_passes_the_capture_gates_and_matches_only_their_own_chip(
    asian_faces_dir: Path, verifier: FaceVerifier
) -> None:
    people = cz.load_citizens()
    templates = {c.key: verifier.enrol_portrait(cz.portrait_jpeg(c, asian_faces_dir)) for c in people}
    for c in people:
        frame = first_view(c, asian_faces_dir)
        quality = verifier.assess(frame)
        assert quality.ok, (c.key, quality.hints)
        for other in people:
            result = verifier.verify(frame, templates[other.key])
            if other.key == c.key:
                assert result.accepted, (c.key, result.score)
            else:
                assert not result.accepted, (c.key, other.key, result.score)


def test_the_camera_view_is_a_640x480_frame_with_the_face_at_arms_length(asian_faces_dir: Path) -> None:
    c = cz.by_key("kanokwan")  # web photos of every size: full figure, head only, portrait and landscape
    for path in cz.face_photo_paths(c, asian_faces_dir):
        box = framing.face_box(path)
        assert box is not None
        view = framing.camera_view(framing.load_rgb(path), box)
        assert view.size == framing.CAMERA_SIZE
        seen = framing.face_box_in(view)
        assert seen is not None
        assert seen.height == pytest.approx(framing.CAMERA_FACE_FRACTION * 480, rel=0.15)
        assert seen.centre[0] == pytest.approx(320, abs=40) and seen.centre[1] == pytest.approx(240, abs=40)


def test_a_photo_without_a_face_is_shown_whole_in_the_room(tmp_path: Path) -> None:
    from PIL import Image

    wall = Image.new("RGB", (300, 200), (200, 180, 160))
    view = framing.camera_view(wall, None)
    assert view.size == framing.CAMERA_SIZE
    assert view.getpixel((320, 240)) == (200, 180, 160) and view.getpixel((0, 0)) == framing.ROOM
