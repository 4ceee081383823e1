"""The per-pixel difference stage of motion: |3x3 mean of (frame - background)|
(each sign's mean rounded on its own) and the 3x3 mean of |frame - background|.

The mean is taken of the signed difference, before the absolute value: an object
darker (or brighter) than the facade behind it adds up over the window, while sensor
and compression noise, positive and negative in turn, cancels. The mean of the
absolute difference keeps the noise's 0.8 sigma bias instead, which sets the
threshold about three times higher for the same false-pixel rate, and a 2-px
object or a faint motion-blurred streak falls below it.

Two interchangeable backends compute the same two uint8 images from a uint8 frame
crop and the uint8 background: OpenCV (default, fastest on x86 CPUs) and an ONNX graph
run by onnxruntime (the form that NPU toolchains of camera boards compile).
"""

from __future__ import annotations

from typing import Protocol

import cv2
import numpy as np


class DifferenceStage(Protocol):
    name: str

    def __call__(self, frame_u8: np.ndarray, background_u8: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Two H x W uint8 images from the rounded 3x3 means of the brightening and of the
        darkening: |their difference| (the signed mean, what objects are found in) and
        their sum (the mean absolute difference, how much of the view changed)."""


class OpenCVDifference:
    name = "opencv"

    def __call__(self, frame_u8: np.ndarray, background_u8: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Two saturating uint8 halves: cheaper than a signed 16-bit image, and exact.
        brighter = cv2.blur(cv2.subtract(frame_u8, background_u8), (3, 3))
        darker = cv2.blur(cv2.subtract(background_u8, frame_u8), (3, 3))
        return cv2.absdiff(brighter, darker), cv2.add(brighter, darker)


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
        helper.make_node("Neg", ["d"], ["nd"]),
        helper.make_node("Relu", ["d"], ["brighter"]),
        helper.make_node("Relu", ["nd"], ["darker"]),
    ]
    for half in ("brighter", "darker"):
        nodes += [
            helper.make_node("Unsqueeze", [half, "axes01"], [f"{half}4"]),
            helper.make_node("Pad", [f"{half}4", "pads"], [f"{half}_padded"], mode="reflect"),
            helper.make_node("AveragePool", [f"{half}_padded"], [f"{half}_mean4"], kernel_shape=[3, 3]),
            helper.make_node("Squeeze", [f"{half}_mean4", "axes01"], [f"{half}_mean"]),
            helper.make_node("Add", [f"{half}_mean", "half"], [f"{half}_shifted"]),
            helper.make_node("Floor", [f"{half}_shifted"], [f"{half}_rounded"]),
        ]
    nodes += [
        helper.make_node("Sub", ["brighter_rounded", "darker_rounded"], ["signed_mean"]),
        helper.make_node("Abs", ["signed_mean"], ["rounded"]),
        helper.make_node("Cast", ["rounded"], ["diff"], to=TensorProto.UINT8),
        helper.make_node("Add", ["brighter_rounded", "darker_rounded"], ["abs_mean"]),
        helper.make_node("Min", ["abs_mean", "u8_max"], ["abs_mean_clipped"]),
        helper.make_node("Cast", ["abs_mean_clipped"], ["absdiff"], to=TensorProto.UINT8),
    ]
    inits = [
        helper.make_tensor("axes01", TensorProto.INT64, [2], [0, 1]),
        helper.make_tensor("pads", TensorProto.INT64, [8], [0, 0, 1, 1, 0, 0, 1, 1]),
        helper.make_tensor("half", TensorProto.FLOAT, [], [0.5]),
        helper.make_tensor("u8_max", TensorProto.FLOAT, [], [255.0]),
    ]
    graph = helper.make_graph(
        nodes,
        "fallwatch_motion_difference",
        [
            helper.make_tensor_value_info("frame", TensorProto.UINT8, ["H", "W"]),
            helper.make_tensor_value_info("background", TensorProto.UINT8, ["H", "W"]),
        ],
        [
            helper.make_tensor_value_info("diff", TensorProto.UINT8, ["H", "W"]),
            helper.make_tensor_value_info("absdiff", TensorProto.UINT8, ["H", "W"]),
        ],
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

    def __call__(self, frame_u8: np.ndarray, background_u8: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        signed, absolute = self._session.run(
            None, {"frame": np.ascontiguousarray(frame_u8), "background": np.ascontiguousarray(background_u8)}
        )
        return signed, absolute


def difference_stage(backend: str, threads: int = 1) -> DifferenceStage:
    if backend == "onnx":
        return OnnxDifference(threads)
    if backend == "opencv":
        return OpenCVDifference()
    raise ValueError(f"unknown motion backend {backend!r} (use 'opencv' or 'onnx')")
