"""The multi-frame decision against the single-frame rule, on sequences built from ../shared/faces(-asian) photos.

    .venv/bin/python bench/eval_fusion.py [--sets faces-asian faces] [--model int8] [--length 4] [--flip both]

Enrolment: each photo made chip-like (face ~64 px, JPEG quality 40), as in bench/eval_face.py. An attempt is a
sequence of probe frames of one person: for the ordered pair (enrolment a, probe b) of bench/eval_face.py, the
frames are b followed by the next photos of b's identity in name order (cyclic), never a itself, up to --length.
The single-frame rule decides on b alone (exactly bench/eval_face.py's pair); the multi-frame rule keeps the N
best usable frames by quality (kiosk.face.fusion.best_frames) and fuses them (FusionRule), as
`FaceVerifier.verify_frames` does. An attempt none of whose frames is usable is a failure to acquire. Weighted per
identity (each identity and pair of identities counts once), plain counts beside. Photos of one person taken on
different days are less alike than a second of camera frames, so the gain here is an upper bound of the kiosk's.
Nothing is written to disk.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.compose.face import configured_verifier
from kiosk.config import FaceSection
from kiosk.face.errors import FaceError
from kiosk.face.evaluation import PairScores, equal_error_rate, load_photo_set, threshold_for_far, weighted_rates
from kiosk.face.fusion import FusionRule, best_frames, fused_score
from kiosk.face.imaging import RGB, degrade_like_chip
from kiosk.face.quality import Quality
from kiosk.face.verifier import FaceVerifier, Flip

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
Vector = npt.NDArray[np.float32]


def chip_template(verifier: FaceVerifier, image: RGB) -> Vector | None:
    primary = verifier.analyse(image).primary
    if primary is None:
        return None
    try:
        with verifier.enrol_image(degrade_like_chip(image, primary.width)) as template:
            return template.embedding.copy()
    except FaceError:
        return None


def sequence(b: str, others: list[str], exclude: str, length: int) -> list[str]:
    """b, then the photos after it in `others` (b's identity, name order, cyclic), without `exclude`."""
    start = others.index(b)
    rest = [others[(start + k) % len(others)] for k in range(1, len(others))]
    return [b, *[n for n in rest if n != exclude]][:length]


def attempt_scores(
    enrol: dict[str, Vector | None],
    probes: dict[str, tuple[Vector | None, Quality]],
    identity: dict[str, str],
    length: int,
    frames: int,
    rule: FusionRule | None,
) -> PairScores:
    """Scores of every attempt (a, b); `rule` None is the single-frame rule (b alone)."""
    names = sorted(identity)
    by_id: dict[str, list[str]] = {}
    for n in names:
        by_id.setdefault(identity[n], []).append(n)
    counts: dict[tuple[str, str], int] = {}
    for a in names:
        for b in names:
            if a != b:
                counts[(identity[a], identity[b])] = counts.get((identity[a], identity[b]), 0) + 1
    gen, gen_w, imp, imp_w = [], [], [], []
    total, total_w = 0, 0.0
    for a in names:
        template = enrol[a]
        for b in names:
            if a == b:
                continue
            same = identity[a] == identity[b]
            w = 1.0 / counts[(identity[a], identity[b])]
            if same:
                total += 1
                total_w += w
            seq = [b] if rule is None else sequence(b, by_id[identity[b]], a, length)
            usable = [n for n in seq if probes[n][0] is not None]
            if template is None or not usable:
                continue
            kept = [usable[i] for i in best_frames([probes[n][1] for n in usable], frames)]
            vectors = [v for n in kept if (v := probes[n][0]) is not None]
            score = fused_score(template, vectors, rule or FusionRule.EMBEDDING)
            (gen if same else imp).append(score)
            (gen_w if same else imp_w).append(w)
    return PairScores(np.array(gen), np.array(gen_w), np.array(imp), np.array(imp_w), total, total_w,
                      len(by_id))  # fmt: skip


def pct(x: float) -> str:
    return f"{100 * x:.3f} %" if x < 0.01 else f"{100 * x:.2f} %"


def line(label: str, s: PairScores, threshold: float) -> str:
    lost = s.genuine_total - len(s.genuine)
    far, frr = weighted_rates(s, threshold)
    t4, t3 = threshold_for_far(s, 1e-4), threshold_for_far(s, 1e-3)
    eer, _ = equal_error_rate(s)
    fr4 = int((s.genuine < t4).sum())
    return (
        f"{label:26s} FTA {lost:3d}/{s.genuine_total} | at {threshold:.3f}: FAR {pct(far)} FRR {pct(frr)} | "
        f"FRR at FAR<=0.01 % {pct(weighted_rates(s, t4)[1])} ({t4:.4f}; plain {fr4}/{len(s.genuine)}) | "
        f"at FAR<=0.1 % {pct(weighted_rates(s, t3)[1])} ({t3:.4f}) | EER {pct(eer)}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", nargs="+", default=["faces-asian", "faces"])
    ap.add_argument("--model", default=FaceSection().model)
    ap.add_argument("--flip", default=FaceSection().flip, choices=[f.value for f in Flip])
    ap.add_argument("--length", type=int, default=4, help="frames per attempt")
    ap.add_argument("--frames", type=int, nargs="+", default=[1, 2, 3], help="values of N (best frames kept)")
    ap.add_argument("--threshold", type=float, default=FaceSection().match_threshold)
    args = ap.parse_args()
    section = dataclasses.replace(FaceSection(), model=args.model, flip=args.flip, match_threshold=args.threshold)
    verifier = configured_verifier(section)  # the kiosk's own match, with the options' overrides
    for set_name in args.sets:
        folder = SHARED / set_name
        loaded = load_photo_set(folder)
        if loaded is None:
            print(f"\n{folder} absent: skipped")
            continue
        identity, images = loaded
        probes = {n: verifier.probe(im) for n, im in images.items()}
        enrol = {n: chip_template(verifier, im) for n, im in images.items()}
        print(f"\n#### {set_name}: {len(images)} photos, {len(set(identity.values()))} identities; {args.model}, "
              f"flip {args.flip}, chip-like enrolment, attempts of up to {args.length} frames")  # fmt: skip
        single = attempt_scores(enrol, probes, identity, args.length, 1, None)
        print(line("single frame (b alone)", single, args.threshold))
        for rule in FusionRule:
            for n in args.frames:
                if n == 1 and rule is not FusionRule.EMBEDDING:
                    continue  # one frame: every rule gives its cosine
                fused = attempt_scores(enrol, probes, identity, args.length, n, rule)
                print(line(f"best {n}, {rule.value}", fused, args.threshold))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
