"""Quality gates as a pure function: synthetic detections, a posed synthetic mesh and synthetic face crops."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.face.detection import Detection
from kiosk.face.landmarks import Landmarks
from kiosk.face.quality import Hint, QualityLimits, assess_quality
from tests.face import synthetic

FRAME = (640, 480)


def face(cx: float = 320, cy: float = 240, width: float = 180, score: float = 0.95) -> Detection:
    half = width / 2
    return Detection((cx - half, cy - half, cx + half, cy + half), score, np.zeros((6, 2)))


def crop(level: float = 140, texture: float = 40, seed: int = 0) -> np.ndarray:
    """A 112 x 112 'aligned face': a grey level with fine texture (sharp) or none (blurred)."""
    rng = np.random.default_rng(seed)
    img = level + texture * rng.standard_normal((112, 112, 1))
    return np.clip(np.repeat(img, 3, axis=2), 0, 255).astype(np.uint8)


def marks(yaw_deg: float = 0.0, pitch_deg: float = 0.0, roll_deg: float = 0.0) -> Landmarks:
    return Landmarks(synthetic.mesh(yaw_deg, pitch_deg, roll_deg), 0.99)


def hints(
    *, dets: list[Detection] | None = None, lm: Landmarks | None = None, aligned: np.ndarray | None = None
) -> tuple[Hint, ...]:
    q = assess_quality(FRAME, [face()] if dets is None else dets, lm or marks(), crop() if aligned is None else aligned)
    return q.hints


def test_a_good_frontal_face_passes() -> None:
    q = assess_quality(FRAME, [face()], marks(), crop())
    assert q.ok and q.hints == () and q.pose is not None and abs(q.pose.yaw_deg) < 1e-6
    assert q.sharpness > QualityLimits().min_sharpness and 130 < q.brightness < 150


def test_no_face_and_an_unclear_face() -> None:
    q = assess_quality(FRAME, [], None, None)
    assert not q.ok and q.hints == (Hint.NO_FACE,)
    assert Hint.FACE_UNCLEAR in assess_quality(FRAME, [face()], Landmarks(synthetic.mesh(), 0.2), crop()).hints
    assert Hint.FACE_UNCLEAR in assess_quality(FRAME, [face()], None, None).hints


def test_a_second_face_counts_only_when_it_is_not_tiny() -> None:
    assert Hint.MULTIPLE_FACES in hints(dets=[face(), face(cx=520, width=120)])
    assert hints(dets=[face(), face(cx=560, cy=60, width=40)]) == ()  # someone far behind


@pytest.mark.parametrize(
    ("det", "expected"),
    [
        (face(width=70), Hint.MOVE_CLOSER),
        (face(width=450), Hint.MOVE_BACK),
        (face(cx=90), Hint.CENTRE_FACE),
        (face(cy=400), Hint.CENTRE_FACE),
    ],
)
def test_size_and_position(det: Detection, expected: Hint) -> None:
    assert expected in hints(dets=[det])


@pytest.mark.parametrize(
    ("pose", "expected"),
    [
        ({"yaw_deg": 30.0}, Hint.LOOK_STRAIGHT),
        ({"yaw_deg": -30.0}, Hint.LOOK_STRAIGHT),
        ({"pitch_deg": 28.0}, Hint.LOOK_STRAIGHT),
        ({"roll_deg": 25.0}, Hint.LEVEL_HEAD),
    ],
)
def test_pose_gates(pose: dict[str, float], expected: Hint) -> None:
    assert expected in hints(lm=marks(**pose))


def test_small_pose_changes_pass() -> None:
    assert hints(lm=marks(yaw_deg=12.0, pitch_deg=-10.0, roll_deg=8.0)) == ()


def test_sharpness_and_exposure() -> None:
    assert hints(aligned=crop(texture=0.5)) == (Hint.HOLD_STILL,)
    assert Hint.TOO_DARK in hints(aligned=crop(level=35, texture=20))
    assert Hint.TOO_BRIGHT in hints(aligned=crop(level=240, texture=20))
    assert Hint.TOO_BRIGHT in hints(aligned=crop(level=200, texture=80))  # a mean that passes, a quarter clipped


def test_limits_are_data() -> None:
    strict = QualityLimits(max_yaw_deg=5.0)
    q = assess_quality(FRAME, [face()], marks(yaw_deg=8.0), crop(), strict)
    assert q.hints == (Hint.LOOK_STRAIGHT,)
