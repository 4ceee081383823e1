"""The verifier's model loader: a bad model file is a clear error at start-up.

Small real ONNX graphs are built here with the onnx helper API and run by
onnxruntime; ``constant_model`` is also used by the pipeline tests to get a
verifier whose answer is known.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from edge.verifier.model import Verifier, VerifierError
from edge.verifier.tube import CROP_PX, MOSAIC_PX, TUBE_FRAMES


def constant_model(
    path: Path, throw_p: float, names: str | None = "{0: 'other', 1: 'throw'}", side: int = MOSAIC_PX
) -> Path:
    """An ONNX classifier (N, 3, side, side) -> (N, 2) that answers [1 - p, p] for any input.

    The input still flows through the graph (its mean times zero), so onnxruntime
    really reads it and the batch size follows the input.
    """
    x = helper.make_tensor_value_info("images", TensorProto.FLOAT, ["batch", 3, side, side])
    y = helper.make_tensor_value_info("output0", TensorProto.FLOAT, ["batch", 2])
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["m"], axes=[1, 2, 3], keepdims=0),
        helper.make_node("Unsqueeze", ["m", "one_axis"], ["m1"]),
        helper.make_node("Mul", ["m1", "zero"], ["z"]),
        helper.make_node("Add", ["z", "probs"], ["output0"]),
    ]
    init = [
        helper.make_tensor("one_axis", TensorProto.INT64, [1], [1]),
        helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
        helper.make_tensor("probs", TensorProto.FLOAT, [1, 2], [1.0 - throw_p, throw_p]),
    ]
    model = helper.make_model(
        helper.make_graph(nodes, "constant", [x], [y], init), opset_imports=[helper.make_opsetid("", 17)]
    )
    model.ir_version = 8
    if names is not None:
        helper.set_model_props(model, {"names": names})
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def test_a_valid_model_scores_tubes_with_its_throw_class(tmp_path: Path) -> None:
    v = Verifier(constant_model(tmp_path / "m.onnx", 0.8))
    assert v.classes == {0: "other", 1: "throw"} and v.throw_index == 1
    tube = np.full((TUBE_FRAMES, CROP_PX, CROP_PX), 100, np.uint8)
    assert v.score_tube(tube) == pytest.approx(0.8, abs=1e-6)
    batch = np.zeros((5, MOSAIC_PX, MOSAIC_PX), np.uint8)
    assert v.score_mosaics(batch) == pytest.approx([0.8] * 5, abs=1e-6)


def test_the_throw_class_is_found_by_name_not_position(tmp_path: Path) -> None:
    v = Verifier(constant_model(tmp_path / "m.onnx", 0.3, names="{0: 'throw', 1: 'other'}"))
    assert v.throw_index == 0
    assert v.score_tube(np.zeros((TUBE_FRAMES, CROP_PX, CROP_PX), np.uint8)) == pytest.approx(0.7, abs=1e-6)


def test_a_missing_model_names_the_file_and_the_way_out(tmp_path: Path) -> None:
    with pytest.raises(VerifierError, match=r"nothere\.onnx is missing.*fallwatch train verifier"):
        Verifier(tmp_path / "nothere.onnx")


def test_a_corrupt_model_is_a_clear_error(tmp_path: Path) -> None:
    good = constant_model(tmp_path / "good.onnx", 0.5).read_bytes()
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(good[: len(good) // 2])
    with pytest.raises(VerifierError, match=r"bad\.onnx is not a usable ONNX model"):
        Verifier(bad)
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"this is not a model")
    with pytest.raises(VerifierError, match=r"junk\.onnx"):
        Verifier(junk)


def test_a_model_for_another_input_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(VerifierError, match=r"input shape .* is not \(N, 3, 96, 96\)"):
        Verifier(constant_model(tmp_path / "m.onnx", 0.5, side=64))


@pytest.mark.parametrize(
    ("names", "message"),
    [(None, "no 'names' metadata"), ("{0: 'bird', 1: 'leaf'}", "no single 'throw'"), ("[oops", "unreadable")],
)
def test_class_names_must_say_which_output_is_a_throw(tmp_path: Path, names: str | None, message: str) -> None:
    with pytest.raises(VerifierError, match=message):
        Verifier(constant_model(tmp_path / "m.onnx", 0.5, names=names))
