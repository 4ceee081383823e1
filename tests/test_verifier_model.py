"""The shipped verifier (models/verifier.onnx): format, size, and that it tells a fall from nothing."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from scenes import FPS, falling, flat_config, frames

from edge.pipeline import DetectionPipeline
from edge.verifier.model import Verifier, default_model_path
from edge.verifier.tube import CROP_PX, TUBE_FRAMES, cut_tube

MODEL = default_model_path()


def test_the_model_file_is_small_onnx_opset_17_or_later_with_a_throw_class() -> None:
    assert MODEL.stat().st_size <= 5 * 1024 * 1024
    model = onnx.load(str(MODEL))
    assert max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")) >= 17
    ops = {n.op_type for n in model.graph.node}
    assert ops and ops <= {"Conv", "Sigmoid", "Mul", "GlobalAveragePool", "Flatten", "Gemm", "Softmax", "Reshape",
                           "MatMul", "Add", "Relu"}, ops  # plain CNN ops, compilable by NPU toolchains
    v = Verifier(MODEL)
    assert sorted(v.classes.values()) == ["other", "throw"]


@pytest.mark.parametrize(("x_m", "y_m", "diameter_px", "contrast"),
                         [(5.0, 22.5, 3.0, -60.0), (12.0, 28.0, 4.0, -50.0), (8.8, 26.0, 3.0, 70.0)])
def test_a_falling_object_scores_high_and_an_empty_facade_low(
    x_m: float, y_m: float, diameter_px: float, contrast: float
) -> None:
    verifier = Verifier(MODEL)
    pipeline = DetectionPipeline(flat_config(detection={"verifier_threshold": 0.01}), FPS, verifier=verifier)
    video = list(frames(75, falling(x_m, y_m, 0.6, diameter_px=diameter_px, contrast=contrast)))
    events = [e for f in video for e in pipeline.process(f)]
    assert len(events) == 1
    assert events[0].to_dict()["verifier_score"] > 0.8
    # The same frames, the tube cut on a still patch of the image away from the object.
    last = [(f.t_s, f.gray) for f in video[-TUBE_FRAMES:]]
    t = np.array([t for t, _ in last])
    empty = cut_tube(last, t, np.full(len(t), 560.0), np.full(len(t), 200.0))
    assert empty.shape == (TUBE_FRAMES, CROP_PX, CROP_PX)
    assert verifier.score_tube(empty) < 0.2
