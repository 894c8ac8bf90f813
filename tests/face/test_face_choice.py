"""Which face is matched, and which portraits are refused: one detection score for probes and portraits, the face
meant (central and large, not a bystander), two comparable faces refused, a cut-off portrait refused."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kiosk.face.alignment import FACE_REGION, crop_inside_fraction
from kiosk.face.detection import Detection, FaceDetector
from kiosk.face.errors import PortraitUnusable
from kiosk.face.imaging import RGB
from kiosk.face.quality import Hint, QualityLimits, assess_quality, choose_face
from kiosk.face.verifier import FaceModels, FaceVerifier
from tests.face.conftest import load_frame
from tests.face.test_quality import crop, marks

FRAME = (640, 480)


def face(cx: float, cy: float, width: float) -> Detection:
    half = width / 2
    return Detection((cx - half, cy - half, cx + half, cy + half), 0.9, np.zeros((6, 2)))


def test_the_central_face_is_chosen_over_a_larger_one_at_the_edge() -> None:
    citizen, bystander = face(320, 240, 150), face(80, 80, 170)
    chosen, ambiguous = choose_face([bystander, citizen], FRAME)
    assert chosen is citizen and not ambiguous
    assert assess_quality(FRAME, [bystander, citizen], marks(), crop()).detection is citizen


def test_two_comparable_faces_are_ambiguous_and_a_small_one_behind_is_not() -> None:
    left, right = face(220, 240, 150), face(420, 240, 145)
    assert choose_face([left, right], FRAME) == (left, True)
    assert choose_face([face(320, 240, 150), face(500, 100, 60)], FRAME)[1] is False
    assert choose_face([], FRAME) == (None, False)


def test_crop_inside_fraction_of_a_shifted_crop() -> None:
    identity = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert crop_inside_fraction(identity, (112, 112), FACE_REGION) == 1.0
    x0, _, x1, _ = FACE_REGION
    half = crop_inside_fraction(identity, ((x0 + x1) // 2, 112), FACE_REGION)  # image ends mid-face
    assert half == pytest.approx(0.5, abs=0.03)


class RecordingDetector(FaceDetector):
    """The real detector, noting the score threshold of each call."""

    def __init__(self, inner: FaceDetector) -> None:
        super().__init__(inner.model, min_score=inner.min_score)
        self.asked: list[float | None] = []

    def detect(self, image: RGB, *, min_score: float | None = None) -> list[Detection]:
        self.asked.append(min_score)
        return super().detect(image, min_score=min_score)


def test_probes_and_portraits_use_one_detection_score(faces_dir: Path, int8_models: FaceModels) -> None:
    detector = RecordingDetector(int8_models.detector)
    verifier = FaceVerifier(replace(int8_models, detector=detector))
    frame = load_frame(faces_dir / "img1.jpg")
    with verifier.enrol_image(frame) as template:
        assert verifier.verify(frame, template).accepted
    assert detector.asked == [QualityLimits().min_detection_score] * 2


def bottom_cut(frame: RGB, verifier: FaceVerifier, keep: float) -> RGB:
    """The frame cut below `keep` of the face box's height (mouth and chin gone)."""
    primary = verifier.analyse(frame).primary
    assert primary is not None
    y0, y1 = primary.box[1], primary.box[3]
    return np.ascontiguousarray(frame[: int(y0 + keep * (y1 - y0))])


@pytest.mark.parametrize("name", ["img1.jpg", "img12.jpg", "img13.jpg"])
def test_a_cut_off_portrait_is_refused(faces_dir: Path, verifier: FaceVerifier, name: str) -> None:
    frame = load_frame(faces_dir / name)
    verifier.enrol_image(frame).forget()  # the whole face enrols
    cut = bottom_cut(frame, verifier, 0.7)
    analysis = verifier.analyse(cut)
    assert analysis.primary is not None and analysis.crop_inside < QualityLimits().min_crop_inside
    with pytest.raises(PortraitUnusable) as refused:
        verifier.enrol_image(cut)
    assert refused.value.reason == "portrait_cut_off"


def side_by_side(left: RGB, right: RGB) -> RGB:
    height = min(left.shape[0], right.shape[0])
    return np.ascontiguousarray(np.concatenate([left[:height], right[:height]], axis=1))


def test_two_comparable_faces_are_refused_with_the_multiple_faces_hint(faces_dir: Path, verifier: FaceVerifier) -> None:
    one, other = load_frame(faces_dir / "img1.jpg", 400), load_frame(faces_dir / "img12.jpg", 400)
    both = side_by_side(one, other)
    analysis = verifier.analyse(both)
    assert len(analysis.detections) == 2 and analysis.ambiguous
    with verifier.enrol_image(one) as template:
        match = verifier.verify(both, template)
    assert not match.accepted and match.score == -1.0 and Hint.MULTIPLE_FACES in match.quality.hints
    with pytest.raises(PortraitUnusable) as refused:
        verifier.enrol_image(both)
    assert refused.value.reason == "portrait_multiple_faces"
