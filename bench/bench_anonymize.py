"""Cost of anonymisation on one core: per 1080p frame and per 10-s event clip.

Baseline, measured in the same run: the naive plan of scanning every whole frame
at the fine scale (what a plain per-frame detector run needs for 16 px faces).
The clip is a synthesized 1080p facade at 25 fps with two real faces (astronaut)
walking and sensor noise, anonymised with the edge's defaults and threads=1, the
output frames consumed one by one as the recorder's encoder does.
``--recall`` also prints recall per face height on the real-face test set
(tests/data/faces, astronaut, carphone) for the fine whole-frame scan (first
frames, snapshots; region scans use the same scale) and for the safety-net scan.

    python bench/bench_anonymize.py [--seconds 10] [--fps 25] [--recall]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2
import numpy as np

from edge.config.camera import PrivacyConfig
from edge.privacy import Anonymizer
from edge.privacy.faceset import (
    composite_scenes,
    covered,
    cut_faces,
    facade_scene,
    packaged_file,
    paste,
    real_face_patches,
)
from edge.privacy.scanner import NET_SCALE

FACES_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "faces"
HEIGHTS_PX = [16, 20, 24, 32, 48, 96]


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


def recall_by_height(anonymizer: Anonymizer) -> tuple[str, str]:
    """Found / total real faces per pasted height: fine whole-frame scan, and the safety net."""
    scanner = anonymizer.scanner
    patches = real_face_patches(scanner.detector, FACES_DIR)
    hits = {h: [0, 0, 0] for h in HEIGHTS_PX}
    for scene, boxes in composite_scenes(patches, HEIGHTS_PX):
        fine = covered(boxes, scanner.scan_at(scene, scanner.fine_scale))
        net = covered(boxes, scanner.scan_at(scene, NET_SCALE))
        heights = np.round(boxes[:, 3] - boxes[:, 1])
        for h in HEIGHTS_PX:
            hits[h][0] += int(fine[heights == h].sum())
            hits[h][1] += int(net[heights == h].sum())
            hits[h][2] += int((heights == h).sum())
    return (
        ", ".join(f"{h} px {fine}/{total}" for h, (fine, _, total) in hits.items()),
        ", ".join(f"{h} px {net}/{total}" for h, (_, net, total) in hits.items()),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--fps", type=float, default=25.0)
    parser.add_argument("--recall", action="store_true", help="also print recall per face height")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    anonymizer = Anonymizer.from_config(PrivacyConfig(threads=1))
    n = round(args.seconds * args.fps)
    frames = clip(n, anonymizer)
    load_before = os.getloadavg()[0]

    # CPU time of this process (one thread): robust to other processes on the machine.
    t0 = time.process_time()
    for f in frames[:3]:
        anonymizer.anonymize_snapshot(f)
    full_ms = (time.process_time() - t0) / 3 * 1000

    t0, w0 = time.process_time(), time.perf_counter()
    emitted = sum(1 for _ in anonymizer.anonymize_iter(frames))
    clip_s = time.process_time() - t0
    wall_s = time.perf_counter() - w0
    stats = anonymizer.scanner.stats
    assert emitted == n
    per_frame_ms = clip_s / n * 1000
    print(f"frames: {n} at {args.fps:g} fps, 1920x1080, 1 thread, scan stride {anonymizer.scan_stride}")
    print(f"baseline whole-frame scan: {full_ms:.0f} ms CPU/frame -> {full_ms * n / 1000:.1f} s per clip")
    print(f"anonymiser: {per_frame_ms:.1f} ms/frame, {clip_s:.2f} s added per {args.seconds:g}-s clip")
    print(f"(CPU time; wall time {wall_s:.2f} s; 1-min load average {load_before:.2f} -> {os.getloadavg()[0]:.2f})")
    print(f"real-time factor (clip duration / anonymise time): {args.seconds / clip_s:.2f}")
    print(f"speed-up vs baseline: {full_ms / per_frame_ms:.1f}x")
    whole = f"{stats.full_scans - 3} fine, {stats.net_scans} net"
    print(f"frames scanned: {stats.frames} of {n}; whole-frame scans: {whole}; region scans: {stats.region_scans}")
    if args.recall:
        fine, net = recall_by_height(anonymizer)
        print(f"recall, whole frame at the fine scale {anonymizer.scanner.fine_scale:g}: {fine}")
        print(f"recall, safety net at scale {NET_SCALE:g}: {net}")


if __name__ == "__main__":
    main()
