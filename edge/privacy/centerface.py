"""CenterFace face detector on onnxruntime (CPU), any input size.

The ONNX file declares a fixed 10x3x32x32 input; the graph itself is fully
convolutional, so the declared input/output dimensions are rewritten to symbolic
ones in memory before the session is built (the file on disk stays byte-identical
to the pinned one). The network takes RGB in 0-255, spatial size a multiple of 32,
and outputs at stride 4 a face-centre heatmap, log box sizes and centre offsets.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.privacy.boxes import empty_boxes, nms
from edge.privacy.errors import PrivacyUnavailable

STRIDE_PX = 4
ALIGN_PX = 32
_INPUT = "input.1"
_OUTPUTS = ("537", "538", "539")  # heatmap, log scale, offset (landmarks unused)
_SYMBOLIC_DIMS = {
    "input.1": ("B", 3, "H", "W"),
    "537": ("B", 1, "h", "w"),
    "538": ("B", 2, "h", "w"),
    "539": ("B", 2, "h", "w"),
    "540": ("B", 10, "h", "w"),
}


def _dynamic_model_bytes(path: Path) -> bytes:
    import onnx

    model = onnx.load(str(path))
    # Old exporters list every weight as a graph input too; dropping those lets
    # onnxruntime fold constants and silences a warning per weight.
    weights = {init.name for init in model.graph.initializer}
    inputs = [v for v in model.graph.input if v.name not in weights]
    del model.graph.input[:]
    model.graph.input.extend(inputs)
    for value in [*model.graph.input, *model.graph.output]:
        for dim, want in zip(value.type.tensor_type.shape.dim, _SYMBOLIC_DIMS[value.name], strict=True):
            if isinstance(want, str):
                dim.dim_param = want
            else:
                dim.dim_value = want
    return model.SerializeToString()


class FaceDetector:
    """Find faces in BGR images; boxes come back in the input image's px.

    ``threads`` is onnxruntime's intra-op thread count (1 for benchmarks and for a
    one-core edge budget). Any failure to load or run raises PrivacyUnavailable.
    """

    def __init__(self, model_path: Path, threads: int = 1) -> None:
        try:
            import onnxruntime as ort

            opts = ort.SessionOptions()
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
            opts.log_severity_level = 3
            self._session = ort.InferenceSession(
                _dynamic_model_bytes(Path(model_path)), opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # any loader error means no privacy: fail closed
            raise PrivacyUnavailable(f"cannot load face model {model_path}: {exc}") from exc

    def detect(self, bgr: np.ndarray, scale: float = 1.0, threshold: float = 0.2) -> np.ndarray:
        """Faces in an H x W x 3 uint8 BGR image as ``[x1, y1, x2, y2, score]`` rows (px).

        The image is resized by ``scale`` first (above 1 finds smaller faces), padded
        with black to a multiple of 32, and the boxes mapped back to input px.
        """
        import cv2

        if bgr.ndim != 3 or bgr.shape[2] != 3 or bgr.dtype != np.uint8:
            raise ValueError(f"expected an H x W x 3 uint8 image, got {bgr.shape} {bgr.dtype}")
        img = bgr
        if scale != 1.0:
            size = (max(1, round(bgr.shape[1] * scale)), max(1, round(bgr.shape[0] * scale)))
            interp = cv2.INTER_LINEAR if scale > 1.0 else cv2.INTER_AREA
            img = cv2.resize(bgr, size, interpolation=interp)
        h, w = img.shape[:2]
        hp, wp = -(-h // ALIGN_PX) * ALIGN_PX, -(-w // ALIGN_PX) * ALIGN_PX
        blob = np.zeros((1, 3, hp, wp), dtype=np.float32)
        blob[0, :, :h, :w] = img[:, :, ::-1].transpose(2, 0, 1)
        try:
            heat, log_size, offset = self._session.run(list(_OUTPUTS), {_INPUT: blob})
        except Exception as exc:
            raise PrivacyUnavailable(f"face model failed on a {w}x{h} input: {exc}") from exc
        boxes = decode(heat[0, 0], log_size[0], offset[0], threshold)
        boxes[:, :4] /= np.float32(img.shape[1] / bgr.shape[1])
        return boxes


def decode(heat: np.ndarray, log_size: np.ndarray, offset: np.ndarray, threshold: float) -> np.ndarray:
    """Heatmap peaks above ``threshold`` to NMS-filtered boxes in network-input px."""
    ys, xs = np.nonzero(heat > threshold)
    if len(ys) == 0:
        return empty_boxes()
    h_px = np.exp(log_size[0, ys, xs]) * STRIDE_PX
    w_px = np.exp(log_size[1, ys, xs]) * STRIDE_PX
    cy = (ys + offset[0, ys, xs] + 0.5) * STRIDE_PX
    cx = (xs + offset[1, ys, xs] + 0.5) * STRIDE_PX
    boxes = np.stack(
        [cx - w_px / 2, cy - h_px / 2, cx + w_px / 2, cy + h_px / 2, heat[ys, xs]], axis=1
    ).astype(np.float32)
    return nms(boxes, 0.3)
