"""The verifier model: an ONNX image classifier run by onnxruntime on one thread.

Input: float32 (N, 3, MOSAIC_PX, MOSAIC_PX) in 0..1, the tube mosaic of
``edge.verifier.tube`` repeated on three channels (the classifier is trained as an
ordinary image classifier). Output: (N, classes) probabilities; the class names
come from the model's metadata (``names``, written by the ultralytics export), and
the score is the probability of ``throw``.

Everything that can be wrong with the file is checked when the model is loaded,
so a missing or corrupt model stops the edge at start-up with a message naming
the file, never in the middle of a stream.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

from edge.verifier.tube import MOSAIC_PX, mosaic

THROW_CLASS = "throw"
MODEL_FILE = "verifier.onnx"


class VerifierError(ValueError):
    """The verifier model cannot be used; the message names the file and the problem."""


def default_model_path() -> Path:
    """``models/verifier.onnx`` of the repository (next to ``edge/``)."""
    return Path(__file__).resolve().parents[2] / "models" / MODEL_FILE


def _class_names(meta: dict[str, str], path: Path) -> dict[int, str]:
    raw = meta.get("names")
    if raw is None:
        raise VerifierError(f"verifier model {path}: no 'names' metadata, cannot tell which output is '{THROW_CLASS}'")
    try:
        names = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        raise VerifierError(f"verifier model {path}: unreadable 'names' metadata {raw!r}") from None
    if not isinstance(names, dict):
        raise VerifierError(f"verifier model {path}: 'names' metadata is not a mapping: {raw!r}")
    return {int(k): str(v) for k, v in names.items()}


class Verifier:
    """Scores tubes with the ONNX classifier at ``path`` (1 CPU thread by default)."""

    def __init__(self, path: str | Path | None = None, threads: int = 1) -> None:
        import onnxruntime as ort

        self.path = Path(path) if path is not None else default_model_path()
        if not self.path.is_file():
            raise VerifierError(
                f"verifier model {self.path} is missing; train it with `fallwatch train verifier "
                f"--out {self.path}` or set detection.verifier: off"
            )
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors for bad files
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise VerifierError(f"verifier model {self.path} is not a usable ONNX model: {first}") from None
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        if len(inputs) != 1 or len(outputs) != 1:
            raise VerifierError(f"verifier model {self.path}: expected one input and one output")
        shape = inputs[0].shape
        if len(shape) != 4 or list(shape[1:]) != [3, MOSAIC_PX, MOSAIC_PX]:
            raise VerifierError(
                f"verifier model {self.path}: input shape {shape} is not (N, 3, {MOSAIC_PX}, {MOSAIC_PX})"
            )
        self._input = inputs[0].name
        self._batch_fixed = isinstance(shape[0], int)
        names = _class_names(self._session.get_modelmeta().custom_metadata_map, self.path)
        throw = [i for i, n in names.items() if n == THROW_CLASS]
        if len(throw) != 1:
            raise VerifierError(
                f"verifier model {self.path}: classes {sorted(names.values())} have no single '{THROW_CLASS}'"
            )
        self.throw_index = throw[0]
        self.classes = names
        # One dry run, so a graph that loads but cannot execute fails now, not mid-stream.
        self.score_mosaics(np.zeros((1, MOSAIC_PX, MOSAIC_PX), np.uint8))

    def score_mosaics(self, mosaics: np.ndarray) -> np.ndarray:
        """(N,) throw probabilities of (N, MOSAIC_PX, MOSAIC_PX) uint8 mosaics."""
        x = np.repeat((mosaics.astype(np.float32) / 255.0)[:, None], 3, axis=1)
        if self._batch_fixed:
            probs = np.concatenate([self._session.run(None, {self._input: x[i : i + 1]})[0] for i in range(len(x))])
        else:
            probs = self._session.run(None, {self._input: x})[0]
        return probs[:, self.throw_index].astype(np.float64)

    def score_tube(self, tube: np.ndarray) -> float:
        """Throw probability of one (TUBE_FRAMES, CROP_PX, CROP_PX) uint8 tube."""
        return float(self.score_mosaics(mosaic(tube)[None])[0])
