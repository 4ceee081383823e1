"""Cost of anonymisation on one core: per 1080p frame and per 10-s event clip.

Baseline, measured in the same run: the naive plan of scanning every whole frame
at the fine scale (what a plain per-frame detector run needs for 16 px faces).
The clip is a synthesized 1080p facade at 25 fps with two real faces (astronaut)
walking and sensor noise, anonymised with the edge's defaults and threads=1.

    python bench/bench_anonymize.py [--seconds 10] [--fps 25]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2
import numpy as np

from edge.config.camera import PrivacyConfig
from edge.privacy import Anonymizer
from edge.privacy.faceset import cut_faces, facade_scene, packaged_file, paste


def clip(n_frames: int, anonymizer: Anonymizer) -> list[np.ndarray]:
    astronaut = cv2.imread(str(packaged_file("scikit-image", "data/astronaut.png")))
    patch = cut_faces(anonymizer.scanner.detector, "astronaut", astronaut, 1.0)[0]
    base = facade_scene(seed=1)
    rng = np.random.default_rng(0)
    frames = []
    for i in range(n_frames):
        f = base.copy()
        paste(f, patch, 24, 100 + 4 * i % 1600, 900)
        paste(f, patch, 60, 1700 - 3 * i % 1500, 780)
        noise = rng.integers(-2, 3, (270, 480, 1), dtype=np.int16)
        f = np.clip(f + cv2.resize(noise, (1920, 1080), interpolation=cv2.INTER_NEAREST)[..., None], 0, 255)
        frames.append(f.astype(np.uint8))
    return frames


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--fps", type=float, default=25.0)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    anonymizer = Anonymizer.from_config(PrivacyConfig(threads=1))
    n = round(args.seconds * args.fps)
    frames = clip(n, anonymizer)

    # CPU time of this process (one thread): robust to other processes on the machine.
    t0 = time.process_time()
    for f in frames[:3]:
        anonymizer.anonymize_snapshot(f)
    full_ms = (time.process_time() - t0) / 3 * 1000

    t0, w0 = time.process_time(), time.perf_counter()
    out = anonymizer.anonymize_frames(frames)
    clip_s = time.process_time() - t0
    wall_s = time.perf_counter() - w0
    stats = anonymizer.scanner.stats
    assert len(out) == n
    per_frame_ms = clip_s / n * 1000
    print(f"frames: {n} at {args.fps:g} fps, 1920x1080, 1 thread")
    print(f"baseline whole-frame scan: {full_ms:.0f} ms CPU/frame -> {full_ms * n / 1000:.1f} s per clip")
    print(f"anonymiser: {per_frame_ms:.1f} ms/frame, {clip_s:.2f} s added per {args.seconds:g}-s clip")
    print(f"(CPU time; wall time {wall_s:.2f} s on this machine's current load)")
    print(f"real-time factor (clip duration / anonymise time): {args.seconds / clip_s:.2f}")
    print(f"speed-up vs baseline: {full_ms / per_frame_ms:.1f}x")
    print(f"full scans: {stats.full_scans - 3}, region scans: {stats.region_scans}")


if __name__ == "__main__":
    main()
