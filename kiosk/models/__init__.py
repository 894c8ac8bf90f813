"""The model files the face pipeline loads, with their manifest (source, licence, sha256) and build script."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parent
MANIFEST = MODELS_DIR / "manifest.json"

DETECTOR = "face_detection_short_range.tflite"
LANDMARKS = "face_landmark.tflite"
EMBEDDING = {"int8": "sface_int8.tflite", "float": "sface_fp16.tflite"}


@dataclass(frozen=True)
class ModelEntry:
    file: str
    sha256: str
    source: str
    licence: str


def manifest() -> dict[str, ModelEntry]:
    data = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return {m["file"]: ModelEntry(m["file"], m["sha256"], m["source"], m["licence"]) for m in data["models"]}


def verified_path(name: str, directory: Path = MODELS_DIR) -> Path:
    """The path of model `name` after checking it against the manifest's sha256.

    Raises ModelUnavailable (missing, unknown to the manifest, or altered)."""
    from kiosk.face.errors import ModelUnavailable

    entries = manifest()
    if name not in entries:
        raise ModelUnavailable(f"{name} is not listed in {MANIFEST.name}", reason="model_unlisted")
    path = directory / name
    if not path.is_file():
        raise ModelUnavailable(f"model file missing: {path}", reason="model_missing")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != entries[name].sha256:
        raise ModelUnavailable(f"{name}: sha256 does not match the manifest", reason="model_altered")
    return path
