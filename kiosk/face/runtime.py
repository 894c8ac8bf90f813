"""Loading a TFLite model with whichever interpreter is installed (ai-edge-litert first, tflite-runtime as fallback)."""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kiosk.face.errors import ModelUnavailable

RUNTIMES = ("ai_edge_litert", "tflite_runtime")
_INTERPRETER_MODULES = {"ai_edge_litert": "ai_edge_litert.interpreter", "tflite_runtime": "tflite_runtime.interpreter"}


def available_runtimes() -> list[str]:
    """The interpreter packages importable here, in order of preference."""
    found = []
    for name in RUNTIMES:
        try:
            importlib.import_module(_INTERPRETER_MODULES[name])
        except ImportError:
            continue
        found.append(name)
    return found


@dataclass(frozen=True)
class Quantization:
    """An int8/uint8 tensor's affine mapping: real = scale * (q - zero_point); scale 0 means a float tensor."""

    scale: float
    zero_point: int

    @property
    def quantized(self) -> bool:
        return self.scale != 0.0


class TfliteModel:
    """One interpreter for one model file, single input; `run` returns the output tensors in the model's order."""

    def __init__(self, path: Path, *, runtime: str | None = None, num_threads: int = 2) -> None:
        if not path.is_file():
            raise ModelUnavailable(f"model file missing: {path.name}", reason="model_missing")
        names = [runtime] if runtime else available_runtimes()
        if not names:
            raise ModelUnavailable(
                "no TFLite runtime installed (ai-edge-litert or tflite-runtime)", reason="no_runtime"
            )
        try:
            module = importlib.import_module(_INTERPRETER_MODULES[names[0]])
        except (ImportError, KeyError) as e:
            raise ModelUnavailable(f"TFLite runtime {names[0]!r} not importable: {e}", reason="no_runtime") from e
        self.runtime = names[0]
        self.path = path
        self._lock = threading.Lock()
        try:
            self._interp: Any = module.Interpreter(model_path=str(path), num_threads=num_threads)
            self._interp.allocate_tensors()
        except (ValueError, RuntimeError) as e:
            raise ModelUnavailable(
                f"{path.name} cannot be loaded by {self.runtime}: {e}", reason="model_invalid"
            ) from e
        inputs = self._interp.get_input_details()
        if len(inputs) != 1:
            raise ModelUnavailable(f"{path.name}: expected one input, found {len(inputs)}", reason="model_invalid")
        self._input = inputs[0]
        self._outputs = self._interp.get_output_details()
        self.input_shape: tuple[int, ...] = tuple(int(d) for d in self._input["shape"])
        self.input_dtype: np.dtype[Any] = np.dtype(self._input["dtype"])
        scale, zero = self._input["quantization"]
        self.input_quant = Quantization(float(scale), int(zero))

    def op_counts(self) -> dict[str, int]:
        """Operators of the graph by name, plus one DELEGATE per partition a delegate (XNNPACK) took over: 1 means
        the whole graph runs delegated (empty when the runtime cannot tell)."""
        details = getattr(self._interp, "_get_ops_details", None)
        counts: dict[str, int] = {}
        for op in details() if details is not None else []:
            counts[str(op["op_name"])] = counts.get(str(op["op_name"]), 0) + 1
        return counts

    def output_quant(self, index: int) -> Quantization:
        scale, zero = self._outputs[index]["quantization"]
        return Quantization(float(scale), int(zero))

    def run(self, tensor: npt.NDArray[Any]) -> list[npt.NDArray[Any]]:
        """Run on one input tensor (already in the model's dtype and shape); outputs are copies.

        An interpreter is not thread-safe: a stale journey's worker may still be running when the next one starts,
        so each model's set/invoke/get is serialized."""
        with self._lock:
            self._interp.set_tensor(self._input["index"], tensor)
            self._interp.invoke()
            return [np.array(self._interp.get_tensor(d["index"])) for d in self._outputs]

    def run_float(self, tensor: npt.NDArray[np.float32]) -> list[npt.NDArray[np.float32]]:
        """Run on a real-valued input, quantizing it when the model's input is integer; outputs de-quantized."""
        if self.input_quant.quantized and self.input_dtype.kind in "iu":
            info = np.iinfo(self.input_dtype)
            q = np.round(tensor / self.input_quant.scale) + self.input_quant.zero_point
            fed: npt.NDArray[Any] = np.clip(q, info.min, info.max).astype(self.input_dtype)
        else:
            fed = tensor.astype(self.input_dtype, copy=False)
        raw = self.run(fed)
        out: list[npt.NDArray[np.float32]] = []
        for i, r in enumerate(raw):
            quant = self.output_quant(i)
            if quant.quantized and r.dtype.kind in "iu":
                out.append(((r.astype(np.float32) - quant.zero_point) * quant.scale).astype(np.float32))
            else:
                out.append(r.astype(np.float32, copy=False))
        return out
