"""Motion difference stage on one core: OpenCV against the ONNX graph (onnxruntime).

Same frames, same background, same run; prints ms per frame and the ratio.

    .venv/bin/python bench/bench_motion_backends.py
"""

from __future__ import annotations

import os
import time

import cv2
import numpy as np

from edge.motion.difference import DifferenceStage, OnnxDifference, OpenCVDifference

RESOLUTIONS = [(1280, 720), (1920, 1080), (3840, 2160)]


def _ms_per_call(fn: DifferenceStage, frame: np.ndarray, background: np.ndarray, repeats: int) -> float:
    fn(frame, background)  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        fn(frame, background)
    return (time.perf_counter() - start) / repeats * 1000.0


def main() -> None:
    cv2.setNumThreads(1)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    rng = np.random.default_rng(0)
    cv_stage, onnx_stage = OpenCVDifference(), OnnxDifference(threads=1)
    print(f"{'resolution':>10s} {'opencv ms':>10s} {'onnx ms':>10s} {'onnx/opencv':>12s} {'identical':>9s}")
    for w, h in RESOLUTIONS:
        frame = rng.integers(0, 256, (h, w), dtype=np.uint8)
        background = np.clip(frame.astype(np.int16) + rng.integers(-6, 7, (h, w)), 0, 255).astype(np.uint8)
        repeats = max(5, int(4e8 / (w * h * 20)))
        t_cv = _ms_per_call(cv_stage, frame, background, repeats)
        t_onnx = _ms_per_call(onnx_stage, frame, background, repeats)
        pairs = zip(cv_stage(frame, background), onnx_stage(frame, background), strict=True)
        same = all(np.array_equal(a, b) for a, b in pairs)
        print(f"{w}x{h:<5d} {t_cv:10.2f} {t_onnx:10.2f} {t_onnx / t_cv:11.1f}x {same!s:>9s}")


if __name__ == "__main__":
    main()
