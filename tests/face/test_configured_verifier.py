"""`[face]` reaches the verifier whole: every match key the kiosk's composition root reads."""

from __future__ import annotations

from kiosk.compose.face import configured_verifier
from kiosk.config import FaceSection
from kiosk.face.fusion import DecisionRule, FusionRule
from kiosk.face.verifier import Flip


def test_every_match_key_of_the_face_section_reaches_the_verifier() -> None:
    section = FaceSection(match_threshold=0.5, flip="probe", portrait_alignments=1, frames=5, fusion="median_score")
    v = configured_verifier(section)
    assert (v.threshold, v.flip, v.portrait_alignments) == (0.5, Flip.PROBE, 1)
    assert v.decision == DecisionRule(5, FusionRule.MEDIAN_SCORE)


def test_the_defaults_are_the_measured_pipeline() -> None:
    v = configured_verifier(FaceSection())
    assert (v.threshold, v.flip, v.portrait_alignments) == (0.46, Flip.BOTH, 5)
