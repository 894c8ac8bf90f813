"""Evaluate the whole face pipeline on ../shared/faces: int8 and float, full-quality and chip-like enrolment.

    .venv/bin/python bench/eval_face.py [--faces ../shared/faces] [--fp32 /work/convenv/build/sface_fp32.tflite]

Prints detection failures, score distributions, FAR/FRR at the configured threshold and the zero-FAR threshold.
The probe side is always the full photo; enrolment is either the full photo or a chip-like copy (face ~64 px
wide, JPEG quality 40, decoded again in memory). Nothing is written to disk.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.config import FaceSection
from kiosk.face.embedding import cosine
from kiosk.face.errors import FaceError
from kiosk.face.evaluation import histogram, load_identities, pairs, rates, summary, zero_far_threshold
from kiosk.face.imaging import RGB, degrade_like_chip
from kiosk.face.verifier import FaceModels, FaceVerifier

ROOT = Path(__file__).resolve().parent.parent


def embed_all(
    verifier: FaceVerifier, images: dict[str, RGB], degrade: bool
) -> tuple[dict[str, npt.NDArray[np.float32]], list[str]]:
    out: dict[str, npt.NDArray[np.float32]] = {}
    failed = []
    for name, image in images.items():
        if degrade:
            found = verifier.models.detector.detect(image)
            if not found:
                failed.append(name)
                continue
            image = degrade_like_chip(image, max(d.width for d in found))
        try:
            with verifier.enrol_image(image) as template:
                out[name] = template.embedding.copy()
        except FaceError:
            failed.append(name)
    return out, failed


def score_pairs(
    enrol: dict[str, npt.NDArray[np.float32]],
    probe: dict[str, npt.NDArray[np.float32]],
    identity: dict[str, str],
    ordered: bool,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    genuine: list[float] = []
    impostor: list[float] = []
    names = sorted(set(enrol) & set(probe))
    for a, b, same in pairs(names, identity, ordered=ordered):
        (genuine if same else impostor).append(cosine(enrol[a], probe[b]))
    return np.array(genuine), np.array(impostor)


def report(label: str, genuine: npt.NDArray[np.float64], impostor: npt.NDArray[np.float64], threshold: float) -> None:
    r = rates(genuine, impostor, threshold)
    zero = zero_far_threshold(impostor)
    rz = rates(genuine, impostor, zero)
    print(f"\n== {label}")
    print(f"genuine : {summary(genuine)}")
    print(f"impostor: {summary(impostor)}")
    print("genuine histogram:\n" + histogram(genuine))
    print("impostor histogram:\n" + histogram(impostor))
    print(
        f"at threshold {threshold:.2f}: FAR {100 * r.far:.2f}% ({r.false_accepts}/{r.impostor})  "
        f"FRR {100 * r.frr:.2f}% ({r.false_rejects}/{r.genuine})"
    )
    print(f"zero-FAR threshold {zero:.4f}: FRR {100 * rz.frr:.2f}% ({rz.false_rejects}/{rz.genuine})")
    sweep = [rates(genuine, impostor, t / 100) for t in range(34, 52, 2)]
    print("sweep: " + "  ".join(f"{r.threshold:.2f} FAR {100 * r.far:.2f}/FRR {100 * r.frr:.1f}" for r in sweep))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faces", type=Path, default=ROOT.parent / "shared" / "faces")
    ap.add_argument("--threshold", type=float, default=FaceSection().match_threshold)
    ap.add_argument("--runtime", default=None, help="ai_edge_litert or tflite_runtime (default: first installed)")
    ap.add_argument("--fp32", type=Path, default=Path("/work/convenv/build/sface_fp32.tflite"),
                    help="float32 model from the build directory, evaluated when present")  # fmt: skip
    args = ap.parse_args()
    if not (args.faces / "identities.json").exists():
        print(f"no test photos at {args.faces} (../shared absent): nothing to evaluate")
        return 0
    identity = load_identities(args.faces)
    images = {n: np.asarray(Image.open(args.faces / n).convert("RGB")) for n in sorted(identity)}
    print(f"{len(images)} photos, {len(set(identity.values()))} identities, threshold {args.threshold:.2f}")

    kinds: list[tuple[str, FaceModels]] = [("int8", FaceModels.load("int8", runtime=args.runtime))]
    kinds.append(("float (fp16 weights)", FaceModels.load("float", runtime=args.runtime)))
    if args.fp32.is_file():
        kinds.append(("float32", FaceModels.load(embedding_path=args.fp32, runtime=args.runtime)))
    else:
        print(f"float32 model not found at {args.fp32}: skipped (build it with kiosk/models/build_models.py)")

    full: dict[str, dict[str, npt.NDArray[np.float32]]] = {}
    for label, models in kinds:
        verifier = FaceVerifier(models, threshold=args.threshold)
        t = time.perf_counter()
        probe, failed = embed_all(verifier, images, degrade=False)
        chip, chip_failed = embed_all(verifier, images, degrade=True)
        print(f"\n##### {label} ({models.embedder.model.runtime}, {time.perf_counter() - t:.1f} s)")
        print(f"detection failures: full-quality {len(failed)} {failed}; chip-like {len(chip_failed)} {chip_failed}")
        full[label] = probe
        report(f"{label}: full-quality enrolment (unordered pairs)", *score_pairs(probe, probe, identity, False),
               args.threshold)  # fmt: skip
        report(f"{label}: chip-like enrolment (face ~64 px, JPEG q40) vs full probe (ordered pairs)",
               *score_pairs(chip, probe, identity, True), args.threshold)  # fmt: skip
    if len(full) > 1:
        ref = full[kinds[1][0]]
        agree = np.array([cosine(full["int8"][n], ref[n]) for n in sorted(set(full["int8"]) & set(ref))])
        print(f"\nint8 vs float embeddings of the same photo: cosine {summary(agree)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
