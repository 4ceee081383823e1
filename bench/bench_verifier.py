"""Cost of the learned verifier on one core, against detection without it, same run.

1. Latency of one verifier call (tube cut + mosaic + ONNX inference) against the
   per-frame cost of the detection pipeline at the scene's resolution.
2. Whole-scene detection with the verifier on against off, on the same synth
   scenes (one with throws, one with distractors only): the verifier runs only
   for tracks that passed physics, so the ratio should stay close to 1.

    .venv/bin/python bench/bench_verifier.py [--model models/verifier.onnx]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from edge.config.camera import load_camera_config
from edge.pipeline import DetectionPipeline
from edge.sources.video_file import VideoFileSource
from edge.verifier.model import Verifier
from edge.verifier.tube import CROP_PX, TUBE_FRAMES


def _scenes(folder: Path) -> list[Path]:
    from edge.synth.scene import make_scene_spec
    from edge.synth.writer import write_scene

    out = []
    # Three large daylight throws, so the verifier has tracks to look at; then distractors only.
    specs = [
        make_scene_spec(4242, 0, 1280, 720, 8.0, 25.0, n_throws=3, throw_kind="compact", throw_size_px=6.0,
                        lighting="day"),
        make_scene_spec(4242, 1, 1280, 720, 8.0, 25.0, distractor_only=True),
    ]
    for spec in specs:
        write_scene(spec, folder, threads=1)
        out.append(folder / f"{spec.scene_id}.yaml")
    return out


def _detect_s(config_path: Path, verifier: Verifier | None) -> tuple[float, int, int, int]:
    """(wall seconds, frames, events, verifier calls) of one scene, frames decoded beforehand."""
    config = load_camera_config(config_path)
    source = VideoFileSource(str(config.source), threads=1)
    frames = list(source)
    pipeline = DetectionPipeline(config, source.fps, verifier=verifier)
    start = time.perf_counter()
    events = sum(len(pipeline.process(f)) for f in frames)
    return time.perf_counter() - start, len(frames), events, pipeline.stats.verifier_calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None, help="ONNX verifier (default models/verifier.onnx)")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    verifier = Verifier(args.model, threads=1)
    tube = np.random.default_rng(0).integers(0, 255, (TUBE_FRAMES, CROP_PX, CROP_PX), dtype=np.uint8)
    for _ in range(20):
        verifier.score_tube(tube)
    times = []
    for _ in range(300):
        start = time.perf_counter()
        verifier.score_tube(tube)
        times.append(time.perf_counter() - start)
    call_ms = 1000.0 * float(np.median(times))
    with tempfile.TemporaryDirectory() as tmp:
        configs = _scenes(Path(tmp))
        print(f"{'scene':>24s} {'off ms/frame':>12s} {'on ms/frame':>12s} {'on/off':>7s} {'calls':>6s} "
              f"{'events off/on':>13s}")
        frame_ms = []
        for path in configs:
            off_s, n, ev_off, _ = _detect_s(path, None)
            on_s, _, ev_on, calls = _detect_s(path, verifier)
            frame_ms.append(1000.0 * off_s / n)
            name = path.stem + (" (distractors)" if path is configs[1] else " (throws)")
            print(f"{name:>24s} {1000 * off_s / n:12.2f} {1000 * on_s / n:12.2f} {on_s / off_s:6.2f}x {calls:6d} "
                  f"{ev_off:>6d}/{ev_on:<6d}")
    print(f"one verifier call: {call_ms:.2f} ms = {call_ms / float(np.mean(frame_ms)):.2f} x one 1280x720 "
          f"frame of detection ({float(np.mean(frame_ms)):.2f} ms)")


if __name__ == "__main__":
    main()
