"""Per-stage latency of the face pipeline (detection, landmarks, alignment, embedding, total; one liveness frame;
a probe and a chip-like portrait's template as configured: flip and alignments; one multi-frame decision on the
frames), delegate partitions of the embedding graph, and peak memory.

    .venv/bin/python bench/bench_face.py [--runs 15] [--fp32 /tmp/conv/build/sface_fp32.tflite]

For every TFLite runtime installed in this interpreter (ai-edge-litert; tflite-runtime needs NumPy < 2, so run
this script again with an interpreter that has it) and every embedding model (int8, float with fp16 weights, and
float32 when the build directory holds it). Frames are ../shared/faces photos scaled to 640 x 480 as a camera would
deliver them, or a synthetic frame when ../shared is absent. Prints medians over --runs runs per frame.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.config import FaceSection
from kiosk.face.fusion import DecisionRule, FusionRule
from kiosk.face.imaging import RGB, degrade_like_chip
from kiosk.face.liveness import observe, start, step
from kiosk.face.runtime import available_runtimes
from kiosk.face.spoof import screen_cues
from kiosk.face.verifier import FaceModels, FaceVerifier, Flip

ROOT = Path(__file__).resolve().parent.parent
FACES = ROOT.parent / "shared" / "faces"
FRAMES = ("img1.jpg", "img18.jpg", "img30.jpg", "img44.jpg", "img53.jpg")


def frames() -> list[RGB]:
    out = []
    for name in FRAMES:
        path = FACES / name
        if path.exists():
            with Image.open(path) as im:
                rgb = im.convert("RGB")
            rgb.thumbnail((640, 480))
            canvas = Image.new("RGB", (640, 480), (100, 100, 100))
            canvas.paste(rgb, ((640 - rgb.width) // 2, (480 - rgb.height) // 2))
            out.append(np.asarray(canvas, dtype=np.uint8))
    if not out:
        print(f"no photos at {FACES}: timing on a synthetic frame (no face: detection only)")
        out.append(np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8))
    return out


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(label: str, models: FaceModels, images: list[RGB], runs: int) -> None:
    face = FaceSection()
    decision = DecisionRule(face.frames, FusionRule(face.fusion))
    v = FaceVerifier(models, flip=Flip(face.flip), portrait_alignments=face.portrait_alignments, decision=decision)
    for image in images:  # warm-up (XNNPACK packs weights on first run)
        v.analyse(image)
    portraits = [degrade_like_chip(im, d.width) for im in images if (d := v.analyse(im).primary) is not None]
    names = (
        "detection",
        "landmarks",
        "alignment",
        "embedding",
        "total",
        "liveness_frame",
        "probe",
        "portrait",
        "decision",
    )
    stages: dict[str, list[float]] = {k: [] for k in names}
    challenge = start(0.0, random.Random(0))
    gc.collect()
    tracemalloc.start()
    for _ in range(runs):
        for image in images:
            t = time.perf_counter()
            analysis = v.analyse(image)
            if analysis.aligned is not None:
                v.models.embedder.embed(analysis.aligned)
            total = time.perf_counter() - t
            times = v.times
            stages["detection"].append(times.detection_s)
            stages["landmarks"].append(times.landmarks_s)
            stages["alignment"].append(times.alignment_s)
            t_embed = total - times.detection_s - times.landmarks_s - times.alignment_s
            stages["embedding"].append(t_embed if analysis.aligned is not None else 0.0)
            stages["total"].append(total)
        for image in images:  # one liveness frame: detection + landmarks + screen cues + observation + step
            t = time.perf_counter()
            analysis = v.analyse(image)
            cues = screen_cues(image, analysis.primary).suspicious if analysis.primary is not None else False
            challenge = step(challenge, observe(analysis.landmarks, 1, screen_cues=cues), 1.0)
            stages["liveness_frame"].append(time.perf_counter() - t)
        for image in images:  # what verify compares: analysis and the embedding with its mirror (flip)
            t = time.perf_counter()
            v.probe(image)
            stages["probe"].append(time.perf_counter() - t)
        for portrait in portraits:  # a chip-like portrait's template: analysis, alignments x flip
            t = time.perf_counter()
            v.enrol_image(portrait).forget()
            stages["portrait"].append(time.perf_counter() - t)
        if portraits:  # one multi-frame decision: every frame analysed, the best [face] frames embedded and fused
            with v.enrol_image(portraits[0]) as template:
                t = time.perf_counter()
                v.verify_frames(images, template)
                stages["decision"].append(time.perf_counter() - t)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    med = {k: 1000 * statistics.median(v) if v else 0.0 for k, v in stages.items()}
    ops = models.embedder.model.op_counts()
    graph = sum(n for k, n in ops.items() if k != "DELEGATE")
    print(f"{label}: embedding graph of {graph} operators in {ops.get('DELEGATE', 0)} delegate partition(s)")
    print(
        f"{label:44s} " + " ".join(f"{k} {med[k]:6.2f}" for k in stages) + f"  ms (median of {len(stages['total'])})"
        f"  python-heap peak {peak / 1e6:5.1f} MB  maxrss {maxrss_mb():6.1f} MB"
    )


def load(kind: str, runtime: str, fp32: Path) -> tuple[str, FaceModels]:
    if kind == "float32":
        return "float32", FaceModels.load(embedding_path=fp32, runtime=runtime)
    return ("int8" if kind == "int8" else "float (fp16 weights)"), FaceModels.load(kind, runtime=runtime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--fp32", type=Path, default=Path("/tmp/conv/build/sface_fp32.tflite"))
    ap.add_argument("--one", nargs=2, metavar=("RUNTIME", "KIND"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:  # one configuration per process, so that maxrss is that configuration's own peak
        images = frames()
        label, models = load(args.one[1], args.one[0], args.fp32)
        bench(f"{args.one[0]} / {label}", models, images, args.runs)
        return 0
    runtimes = available_runtimes()
    print(f"numpy {np.__version__}; runtimes here: {', '.join(runtimes) or 'none'}; frames 640x480 from {FACES}")
    kinds = ["int8", "float"] + (["float32"] if args.fp32.is_file() else [])
    if "float32" not in kinds:
        print(f"float32 model not at {args.fp32}: skipped (kiosk/models/build_models.py builds it)")
    for runtime in runtimes:
        for kind in kinds:
            cmd = [sys.executable, __file__, "--runs", str(args.runs), "--fp32", str(args.fp32), "--one", runtime, kind]
            out = subprocess.run(cmd, capture_output=True, text=True, check=False)
            lines = [ln for ln in out.stdout.splitlines() if ln.strip()]
            print(
                "\n".join(lines[-2:])
                if out.returncode == 0 and lines
                else f"{runtime} / {kind}: failed: {out.stderr[-300:]}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
