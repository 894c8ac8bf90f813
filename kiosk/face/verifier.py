"""The face API the journeys use: enrol the card portrait, assess a camera frame, verify it against the template.

Frames and portraits stay in memory; a Template holds only the embedding and is wiped by `forget()` (or by leaving
its `with` block) as soon as the journey no longer needs it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import TracebackType

import numpy as np
import numpy.typing as npt

from kiosk.face.alignment import ALIGNED_SIDE, FACE_REGION, alignment_matrix, crop_inside_fraction, jittered
from kiosk.face.detection import Detection, FaceDetector
from kiosk.face.embedding import Embedder, cosine
from kiosk.face.errors import FaceError, PortraitUnusable
from kiosk.face.fusion import DecisionRule, best_frames, fused_score
from kiosk.face.imaging import RGB, Affine, decode_jpeg, warp_affine
from kiosk.face.landmarks import LandmarkModel, Landmarks
from kiosk.face.quality import Hint, Quality, QualityLimits, assess_quality, choose_face
from kiosk.face.runtime import TfliteModel
from kiosk.models import DETECTOR, EMBEDDING, LANDMARKS, MODELS_DIR, verified_path


class Flip(StrEnum):
    """Which side's embedding adds its mirrored crop's (flip test-time augmentation)."""

    NONE = "none"
    PROBE = "probe"
    PORTRAIT = "portrait"
    BOTH = "both"


class TemplateForgotten(FaceError):
    reason = "template_forgotten"


class Template:
    """The enrolled face's embedding, held only while the journey needs it."""

    def __init__(self, embedding: npt.NDArray[np.float32]) -> None:
        self._embedding: npt.NDArray[np.float32] | None = embedding.astype(np.float32).copy()

    @property
    def embedding(self) -> npt.NDArray[np.float32]:
        if self._embedding is None:
            raise TemplateForgotten("the template was forgotten")
        return self._embedding

    @property
    def forgotten(self) -> bool:
        return self._embedding is None

    def forget(self) -> None:
        """Overwrite and drop the embedding; later use raises TemplateForgotten."""
        if self._embedding is not None:
            self._embedding.fill(0.0)
            self._embedding = None

    def __enter__(self) -> Template:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.forget()

    def __repr__(self) -> str:  # never print the vector into a log
        return f"Template(forgotten={self.forgotten})"


@dataclass(frozen=True)
class Match:
    score: float  # cosine similarity, -1..1; -1 when no face could be compared
    accepted: bool
    threshold: float
    quality: Quality  # of the best frame compared (or of the first frame when none could be)
    frames: int = 1  # frames fused into the score


@dataclass
class StageTimes:
    """Seconds spent per stage on the last call (for bench/bench_face.py)."""

    detection_s: float = 0.0
    landmarks_s: float = 0.0
    alignment_s: float = 0.0
    embedding_s: float = 0.0


@dataclass(frozen=True)
class Analysis:
    """Everything found in one image; the aligned crop lives only as long as this object."""

    detections: list[Detection]
    primary: Detection | None
    landmarks: Landmarks | None
    aligned: RGB | None = field(repr=False)
    ambiguous: bool = False  # another face is as likely to be the one meant (quality.choose_face)
    crop_inside: float = 1.0  # share of the aligned face region that lies inside the image
    matrix: Affine | None = None  # the image-to-crop similarity `aligned` was warped with


@dataclass(frozen=True)
class FaceModels:
    detector: FaceDetector
    landmarks: LandmarkModel
    embedder: Embedder

    @classmethod
    def load(
        cls,
        kind: str = "int8",
        *,
        runtime: str | None = None,
        directory: Path = MODELS_DIR,
        embedding_path: Path | None = None,
        min_detection_score: float = QualityLimits.min_detection_score,
    ) -> FaceModels:
        """Load the three models (checked against the manifest). `embedding_path` overrides the embedding file,
        e.g. the float32 model from the build directory, also checked when the manifest lists it."""
        det = TfliteModel(verified_path(DETECTOR, directory), runtime=runtime)
        marks = TfliteModel(verified_path(LANDMARKS, directory), runtime=runtime)
        if embedding_path is None:
            if kind not in EMBEDDING:
                raise ValueError(f"unknown embedding model kind {kind!r}")
            embedding_path = verified_path(EMBEDDING[kind], directory)
        else:
            embedding_path = verified_path(embedding_path.name, embedding_path.parent)
        emb = TfliteModel(embedding_path, runtime=runtime)
        return cls(FaceDetector(det, min_score=min_detection_score), LandmarkModel(marks), Embedder(emb))


class FaceVerifier:
    def __init__(
        self,
        models: FaceModels,
        *,
        threshold: float = 0.46,
        limits: QualityLimits | None = None,
        flip: Flip = Flip.BOTH,
        portrait_alignments: int = 5,
        decision: DecisionRule | None = None,
    ) -> None:
        self.models = models
        self.threshold = threshold
        self.limits = limits or QualityLimits()
        self.flip = flip
        self.portrait_alignments = portrait_alignments  # alignment.jittered placements a template averages
        self.decision = decision or DecisionRule()
        self.times = StageTimes()

    def analyse(self, image: RGB) -> Analysis:
        """Detect (at `limits.min_detection_score`, the same for probes and portraits), choose the face meant,
        landmark and align it."""
        t0 = time.perf_counter()
        detections = self.models.detector.detect(image, min_score=self.limits.min_detection_score)
        t1 = time.perf_counter()
        h, w = image.shape[:2]
        primary, ambiguous = choose_face(detections, (w, h), self.limits)
        if primary is None:
            self.times = StageTimes(t1 - t0)
            return Analysis(detections, None, None, None)
        marks = self.models.landmarks.landmarks(image, primary)
        t2 = time.perf_counter()
        matrix = alignment_matrix(marks.five())
        aligned = warp_affine(image, matrix, (ALIGNED_SIDE, ALIGNED_SIDE))
        inside = crop_inside_fraction(matrix, (w, h), FACE_REGION)
        t3 = time.perf_counter()
        self.times = StageTimes(t1 - t0, t2 - t1, t3 - t2)
        return Analysis(detections, primary, marks, aligned, ambiguous, inside, matrix)

    def _quality(self, image: RGB, analysis: Analysis) -> Quality:
        h, w = image.shape[:2]
        return assess_quality((w, h), analysis.detections, analysis.landmarks, analysis.aligned, self.limits)

    def _embed(self, aligned: RGB, *, portrait: bool) -> npt.NDArray[np.float32]:
        t = time.perf_counter()
        mirror = self.flip is Flip.BOTH or self.flip is (Flip.PORTRAIT if portrait else Flip.PROBE)
        vector = self.models.embedder.embed(aligned, with_mirror=mirror)
        self.times.embedding_s = time.perf_counter() - t
        return vector

    def assess(self, frame: RGB) -> Quality:
        """Quality gates and guidance for one camera frame (no embedding computed)."""
        return self._quality(frame, self.analyse(frame))

    def enrol_image(self, image: RGB) -> Template:
        """Template from a decoded portrait: the mean embedding of `portrait_alignments` placements of its face
        (alignment.jittered). Gated: a face found and landmarked with confidence, one face only
        (or one clearly meant), and its aligned crop inside the picture; size, sharpness and exposure are not,
        since a chip portrait is small and compressed by nature."""
        analysis = self.analyse(image)
        if analysis.aligned is None or analysis.landmarks is None:
            raise PortraitUnusable("no face found in the portrait", reason="portrait_no_face")
        if analysis.ambiguous:
            raise PortraitUnusable("the portrait shows more than one face", reason="portrait_multiple_faces")
        if analysis.landmarks.face_score < self.limits.min_landmark_score:
            raise PortraitUnusable("the portrait's face is unclear", reason="portrait_unclear")
        if analysis.crop_inside < self.limits.min_crop_inside:
            raise PortraitUnusable("the portrait's face is cut off", reason="portrait_cut_off")
        shifted = jittered(analysis.matrix, self.portrait_alignments)[1:] if analysis.matrix is not None else []
        crops = [analysis.aligned] + [warp_affine(image, m, (ALIGNED_SIDE, ALIGNED_SIDE)) for m in shifted]
        total = np.sum([self._embed(crop, portrait=True) for crop in crops], axis=0)
        return Template(total / max(float(np.linalg.norm(total)), 1e-12))

    def enrol_portrait(self, jpeg: bytes) -> Template:
        """Template from the card chip's JPEG portrait (decoded in memory)."""
        return self.enrol_image(decode_jpeg(jpeg))

    def _usable(self, frame: RGB) -> tuple[RGB | None, Quality]:
        """The aligned crop a probe embeds and the frame's quality; no crop when the frame is refused unscored: no
        face, an unclear face, or two comparable faces (hint multiple_faces, the screen's own explanation)."""
        analysis = self.analyse(frame)
        quality = self._quality(frame, analysis)
        unclear = Hint.FACE_UNCLEAR in quality.hints or Hint.NO_FACE in quality.hints
        if analysis.aligned is None or unclear or analysis.ambiguous:
            return None, quality
        return analysis.aligned, quality

    def probe(self, frame: RGB) -> tuple[npt.NDArray[np.float32] | None, Quality]:
        """The embedding `verify` compares and the frame's quality; None when the frame is refused unscored."""
        aligned, quality = self._usable(frame)
        return (None if aligned is None else self._embed(aligned, portrait=False)), quality

    def verify(self, frame: RGB, template: Template, *, require_quality: bool = False) -> Match:
        """Compare the face meant in `frame` (quality.choose_face) with `template`. Accepted when score >=
        threshold (and, with `require_quality`, only when every quality gate passed); refused with score -1 when
        `probe` finds no usable face."""
        vector, quality = self.probe(frame)
        if vector is None:
            return Match(-1.0, False, self.threshold, quality)
        score = cosine(vector, template.embedding)
        accepted = score >= self.threshold and (quality.ok or not require_quality)
        return Match(score, accepted, self.threshold, quality)

    def verify_frames(self, frames: Sequence[RGB], template: Template) -> Match:
        """Decide once on several frames of one capture: the `decision.frames` best usable ones by quality
        (fusion.best_frames), fused by `decision.fusion`, against the threshold. Refused with score -1 when no
        frame has a usable face."""
        if not frames:
            raise ValueError("no frame to verify")
        seen = [self._usable(frame) for frame in frames]
        usable = [(aligned, quality) for aligned, quality in seen if aligned is not None]
        if not usable:
            return Match(-1.0, False, self.threshold, seen[0][1], 0)
        kept = [usable[i] for i in best_frames([q for _, q in usable], self.decision.frames)]
        vectors = [self._embed(aligned, portrait=False) for aligned, _ in kept]
        score = fused_score(template.embedding, vectors, self.decision.fusion)
        return Match(score, score >= self.threshold, self.threshold, kept[0][1], len(kept))
