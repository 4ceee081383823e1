"""The per-pixel difference stage of motion: |frame - background|, 3x3 mean.

Two interchangeable backends compute the same uint8 image from a uint8 frame crop
and the uint8 background: OpenCV (default, fastest on x86 CPUs) and an ONNX graph
run by onnxruntime (the form that NPU toolchains of camera boards compile).
"""

from __future__ import annotations

from typing import Protocol

import cv2
import numpy as np


class DifferenceStage(Protocol):
    name: str

    def __call__(self, frame_u8: np.ndarray, background_u8: np.ndarray) -> np.ndarray:
        """H x W uint8: 3x3 mean of the absolute difference, rounded."""


class OpenCVDifference:
    name = "opencv"

    def __call__(self, frame_u8: np.ndarray, background_u8: np.ndarray) -> np.ndarray:
        return cv2.blur(cv2.absdiff(frame_u8, background_u8), (3, 3))


def build_difference_model(opset: int = 17) -> bytes:
    """The ONNX graph of the difference stage, for any frame size.

    Border handling matches OpenCV's default (reflect-101, numpy's 'reflect').
    The mean of 9 uint8 values is rounded the way OpenCV's integer box filter does
    (half away from zero, i.e. floor(x + 0.5) for non-negative x).
    """
    import onnx
    from onnx import TensorProto, helper

    nodes = [
        helper.make_node("Cast", ["frame"], ["f"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["background"], ["b"], to=TensorProto.FLOAT),
        helper.make_node("Sub", ["f", "b"], ["d"]),
        helper.make_node("Abs", ["d"], ["ad"]),
        helper.make_node("Unsqueeze", ["ad", "axes01"], ["ad4"]),
        helper.make_node("Pad", ["ad4", "pads"], ["padded"], mode="reflect"),
        helper.make_node("AveragePool", ["padded"], ["mean4"], kernel_shape=[3, 3]),
        helper.make_node("Squeeze", ["mean4", "axes01"], ["mean"]),
        helper.make_node("Add", ["mean", "half"], ["shifted"]),
        helper.make_node("Floor", ["shifted"], ["rounded"]),
        helper.make_node("Cast", ["rounded"], ["diff"], to=TensorProto.UINT8),
    ]
    inits = [
        helper.make_tensor("axes01", TensorProto.INT64, [2], [0, 1]),
        helper.make_tensor("pads", TensorProto.INT64, [8], [0, 0, 1, 1, 0, 0, 1, 1]),
        helper.make_tensor("half", TensorProto.FLOAT, [], [0.5]),
    ]
    graph = helper.make_graph(
        nodes,
        "fallwatch_motion_difference",
        [
            helper.make_tensor_value_info("frame", TensorProto.UINT8, ["H", "W"]),
            helper.make_tensor_value_info("background", TensorProto.UINT8, ["H", "W"]),
        ],
        [helper.make_tensor_value_info("diff", TensorProto.UINT8, ["H", "W"])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="fallwatch")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


class OnnxDifference:
    """The difference stage as an ONNX graph in onnxruntime (CPU, ``threads`` threads)."""

    name = "onnx"

    def __init__(self, threads: int = 1) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(build_difference_model(), opts, providers=["CPUExecutionProvider"])

    def __call__(self, frame_u8: np.ndarray, background_u8: np.ndarray) -> np.ndarray:
        (out,) = self._session.run(
            None, {"frame": np.ascontiguousarray(frame_u8), "background": np.ascontiguousarray(background_u8)}
        )
        return out


def difference_stage(backend: str, threads: int = 1) -> DifferenceStage:
    if backend == "onnx":
        return OnnxDifference(threads)
    if backend == "opencv":
        return OpenCVDifference()
    raise ValueError(f"unknown motion backend {backend!r} (use 'opencv' or 'onnx')")
