"""Evaluate the face pipeline on ../shared/faces and ../shared/faces-asian; calibrate the match threshold.

    .venv/bin/python bench/eval_face.py [--sets faces faces-asian] [--models int8 float] [--det /tmp/face_det.png]
        [--fp32 /tmp/conv/build/sface_fp32.tflite]

Per data set, embedding model and enrolment (the full photo, or chip-like: face shrunk to ~64 px wide and JPEG
quality 40, decoded again in memory), against probes that are the full photos run through `FaceVerifier.probe`
(what `verify` compares; a refused photo is a failure to acquire, FTA, never a match). Ordered pairs (enrolment a,
probe b, a != b). Rates are weighted per identity (each identity, and each pair of identities, counts once however
many photos it has; faces-asian's SOURCES.md asks for it) as percentages,
with the plain pair counts beside them. Prints FTA, FAR/FRR at
the shipped threshold, FRR at FAR <= 0.01 % and <= 0.1 %, EER, and the chosen threshold: the lowest at which the
shipped model (int8) with chip-like enrolment on faces-asian keeps weighted and plain FAR <= 0.01 %, with the
impostor pairs behind it and a 95 % upper bound on its FAR. `--det` writes the DET curves as a PNG (a plot, no
face pixels). Nothing else is written to disk.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.config import FaceSection
from kiosk.face.errors import FaceError
from kiosk.face.evaluation import (
    PairScores,
    det_points,
    equal_error_rate,
    load_photo_set,
    threshold_for_far,
    upper_bound_95,
    weighted_pair_scores,
    weighted_rates,
)
from kiosk.face.imaging import RGB, degrade_like_chip
from kiosk.face.verifier import FaceModels, FaceVerifier

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
TARGETS = (1e-4, 1e-3)
Vector = npt.NDArray[np.float32]


def enrol(verifier: FaceVerifier, image: RGB, chip_like: bool) -> Vector | None:
    if chip_like:
        primary = verifier.analyse(image).primary
        if primary is None:
            return None
        image = degrade_like_chip(image, primary.width)
    try:
        with verifier.enrol_image(image) as template:
            return template.embedding.copy()
    except FaceError:
        return None


def pct(x: float) -> str:
    return f"{100 * x:.3f} %" if x < 0.01 else f"{100 * x:.2f} %"


def report(label: str, s: PairScores, threshold: float) -> tuple[float, float]:
    """Print one configuration's figures; returns (threshold for FAR <= 0.01 %, its FRR)."""
    lost = s.genuine_total - len(s.genuine)
    lost_w = 1 - s.genuine_weight.sum() / max(s.genuine_total_weight, 1e-12)
    far, frr = weighted_rates(s, threshold)
    fa, fr = int((s.impostor >= threshold).sum()), int((s.genuine < threshold).sum())
    print(f"\n== {label}: {s.identities} identities, {len(s.genuine)} genuine / {len(s.impostor)} impostor pairs")
    share = pct(lost / max(s.genuine_total, 1))
    print(f"FTA: {lost}/{s.genuine_total} genuine pairs lost ({share}; weighted {pct(lost_w)})")
    print(f"at the shipped {threshold:.4f}: FAR {pct(far)} ({fa}/{len(s.impostor)})")
    print(f"  FRR {pct(frr)} (plain {fr}/{len(s.genuine)} = {pct(fr / max(len(s.genuine), 1))})")
    chosen = (threshold, frr)
    for target in TARGETS:
        t = threshold_for_far(s, target)
        far_t, frr_t = weighted_rates(s, t)
        fa_t = int((s.impostor >= t).sum())
        bound = pct(upper_bound_95(fa_t, len(s.impostor)))
        fr_t = int((s.genuine < t).sum())
        plain = pct(fr_t / max(len(s.genuine), 1))
        print(
            f"FAR <= {100 * target:g} %: threshold {t:.4f}, FRR {pct(frr_t)} (plain {fr_t}/{len(s.genuine)} = {plain}),"
        )
        print(f"  FAR {pct(far_t)} ({fa_t}/{len(s.impostor)}; 95 % upper bound {bound})")
        if target == TARGETS[0]:
            chosen = (t, frr_t)
    eer, at = equal_error_rate(s)
    print(f"EER {pct(eer)} at {at:.4f}")
    return chosen


def draw_det(curves: dict[str, list[tuple[float, float]]], path: Path, marks: dict[str, tuple[float, float]]) -> None:
    """FRR against FAR on log axes (1e-5..1 by 1e-4..1), one colour per curve, chosen points as dots."""
    w, h, m = 900, 700, 70
    im = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(im)
    lx, ly = (-5.0, 0.0), (-4.0, 0.0)

    def xy(far: float, frr: float) -> tuple[float, float]:
        fx = (np.log10(max(far, 10 ** lx[0])) - lx[0]) / (lx[1] - lx[0])
        fy = (np.log10(max(frr, 10 ** ly[0])) - ly[0]) / (ly[1] - ly[0])
        return m + fx * (w - 2 * m), h - m - fy * (h - 2 * m)

    for e in range(int(lx[0]), int(lx[1]) + 1):
        x, _ = xy(10.0**e, 1)
        d.line([(x, m), (x, h - m)], fill=(220, 220, 220))
        d.text((x - 12, h - m + 8), f"1e{e}", fill="black")
    for e in range(int(ly[0]), int(ly[1]) + 1):
        _, y = xy(1, 10.0**e)
        d.line([(m, y), (w - m, y)], fill=(220, 220, 220))
        d.text((8, y - 6), f"1e{e}", fill="black")
    d.text((w // 2 - 60, h - 30), "FAR (weighted per identity)", fill="black")
    d.text((8, 20), "FRR", fill="black")
    colours = [(200, 30, 30), (30, 90, 200), (30, 150, 60), (160, 60, 160), (200, 130, 0), (0, 150, 150)]
    for k, (label, pts) in enumerate(curves.items()):
        c = colours[k % len(colours)]
        d.line([xy(a, b) for a, b in pts if a > 0 or b > 0], fill=c, width=2)
        d.text((w - m - 330, m + 16 * k), label, fill=c)
        if label in marks:
            x, y = xy(*marks[label])
            d.ellipse([x - 5, y - 5, x + 5, y + 5], outline=c, width=2)
    im.save(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", nargs="+", default=["faces", "faces-asian"])
    ap.add_argument("--models", nargs="+", default=["int8", "float"], help="int8, float (fp16 weights), fp32")
    ap.add_argument("--threshold", type=float, default=FaceSection().match_threshold)
    ap.add_argument("--runtime", default=None, help="ai_edge_litert or tflite_runtime (default: first installed)")
    ap.add_argument("--fp32", type=Path, default=Path("/tmp/conv/build/sface_fp32.tflite"))
    ap.add_argument("--det", type=Path, default=None, help="write the DET curves (chip-like enrolment) to this PNG")
    args = ap.parse_args()
    curves: dict[str, list[tuple[float, float]]] = {}
    points: dict[str, tuple[float, float]] = {}
    calibrated: tuple[float, float] | None = None
    for set_name in args.sets:
        folder = SHARED / set_name
        loaded = load_photo_set(folder)
        if loaded is None:
            print(f"\n{folder} absent: skipped")
            continue
        identity, images = loaded
        print(f"\n######## {set_name}: {len(images)} photos, {len(set(identity.values()))} identities")
        for kind in args.models:
            if kind == "fp32":
                if not args.fp32.is_file():
                    print(f"fp32 model not found at {args.fp32}: skipped")
                    continue
                models = FaceModels.load(embedding_path=args.fp32, runtime=args.runtime)
            else:
                models = FaceModels.load(kind, runtime=args.runtime)
            verifier = FaceVerifier(models, threshold=args.threshold)
            t0 = time.perf_counter()
            probes = {n: verifier.probe(im)[0] for n, im in images.items()}
            full = {n: enrol(verifier, im, False) for n, im in images.items()}
            chip = {n: enrol(verifier, im, True) for n, im in images.items()}
            refused = [n for n, v in probes.items() if v is None]
            lost_full, lost_chip = sum(v is None for v in full.values()), sum(v is None for v in chip.values())
            took = time.perf_counter() - t0
            print(f"\n#### {set_name} / {kind} ({models.embedder.model.runtime}, {took:.0f} s): probes refused "
                  f"{len(refused)}/{len(images)}, enrolment refused {lost_full}, chip-like {lost_chip}")  # fmt: skip
            report(f"{set_name} / {kind} / full-quality enrolment", weighted_pair_scores(full, probes, identity),
                   args.threshold)  # fmt: skip
            scores = weighted_pair_scores(chip, probes, identity)
            label = f"{set_name} / {kind} / chip-like enrolment"
            at = report(label, scores, args.threshold)
            curves[label] = det_points(scores)
            points[label] = weighted_rates(scores, args.threshold)
            if set_name == "faces-asian" and kind == "int8":
                calibrated = at
                impostors = len(scores.impostor)
    if calibrated is not None:
        print(f"\nchosen threshold (faces-asian, int8, chip-like, FAR <= 0.01 %): {calibrated[0]:.4f}, "
              f"FRR {pct(calibrated[1])}; {impostors} impostor pairs (0.01 % = {impostors / 1e4:.1f})")  # fmt: skip
    if args.det is not None and curves:
        draw_det(curves, args.det, points)
        print(f"DET curves written to {args.det} (circles: the shipped threshold {args.threshold:.4f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
