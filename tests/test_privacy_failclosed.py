"""Fail closed: no model, an altered model or a model that throws means no imagery."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from edge.config.camera import PrivacyConfig
from edge.privacy import Anonymizer, PrivacyUnavailable
from edge.privacy.centerface import FaceDetector


def _model_that_throws(path: Path) -> Path:
    """A real ONNX graph with CenterFace's names that only runs on 32x32 inputs."""
    shape = helper.make_tensor("shape", TensorProto.INT64, [4], [1, 1, 32, 96])
    nodes = [
        helper.make_node("Reshape", ["input.1", "shape"], ["537"]),
        helper.make_node("Concat", ["537", "537"], ["538"], axis=1),
        helper.make_node("Concat", ["537", "537"], ["539"], axis=1),
        helper.make_node("Concat", ["537"] * 10, ["540"], axis=1),
    ]
    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, c, 32, 96])
            for n, c in (("537", 1), ("538", 2), ("539", 2), ("540", 10))]
    graph = helper.make_graph(
        nodes, "throws", [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [10, 3, 32, 32])],
        outs, [shape],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def test_missing_model_withholds(tmp_path: Path) -> None:
    with pytest.raises(PrivacyUnavailable, match="missing"):
        Anonymizer.from_config(PrivacyConfig(), tmp_path)
    anon = Anonymizer.load_or_withhold(PrivacyConfig(), tmp_path)
    assert anon.state == "withheld" and "missing" in anon.reason
    with pytest.raises(PrivacyUnavailable):
        anon.anonymize(np.zeros((64, 64, 3), np.uint8))
    with pytest.raises(PrivacyUnavailable):
        anon.anonymize_snapshot(np.zeros((64, 64, 3), np.uint8))


def test_model_that_is_not_onnx_fails_to_load(tmp_path: Path) -> None:
    bad = tmp_path / "centerface.onnx"
    bad.write_bytes(b"\x00garbage")
    with pytest.raises(PrivacyUnavailable, match="cannot load face model"):
        FaceDetector(bad)


def test_model_that_throws_withholds_for_good(tmp_path: Path) -> None:
    anon = Anonymizer(PrivacyConfig(), FaceDetector(_model_that_throws(tmp_path / "m.onnx")))
    assert anon.state == "ok"
    with pytest.raises(PrivacyUnavailable, match="face model failed"):
        anon.anonymize(np.zeros((64, 64, 3), np.uint8))
    assert anon.state == "withheld"
    with pytest.raises(PrivacyUnavailable, match="withheld"):
        anon.anonymize_frames([np.zeros((32, 32, 3), np.uint8)])  # would run, but stays closed


def test_bad_frames_are_refused_with_a_clear_message() -> None:
    anon = Anonymizer(PrivacyConfig(faces=False), None)
    with pytest.raises(ValueError, match="H x W x 3 uint8"):
        anon.anonymize(np.zeros((10, 10), np.uint8))
    assert anon.state == "ok"


def test_polygons_only_need_no_model() -> None:
    poly = [(10.0, 10.0), (50.0, 10.0), (50.0, 40.0), (10.0, 40.0)]
    anon = Anonymizer.from_config(PrivacyConfig(faces=False, polygons=[poly]), "/nonexistent")
    img = np.random.default_rng(0).integers(0, 255, (60, 80, 3), dtype=np.uint8)
    out = anon.anonymize(img)
    changed = np.any(out != img, axis=2)
    assert changed[25, 30] and not changed[50, 70] and anon.model_version == "none"
