"""Edge detection speed on one core: fallwatch's motion against OpenCV MOG2 on full frames.

Both variants decode the same H.264 file with one decoder thread, run on one CPU
core (affinity pinned where the OS allows) with OpenCV limited to one thread, and
feed the same tracker and physics gate; only the motion stage differs. Prints frames
per second, the realtime factor, the ratio to the baseline and each run's peak memory.

    .venv/bin/python bench/bench_detect.py                 # 1080p, synthesized scene
    .venv/bin/python bench/bench_detect.py --resolution 1280x720 --resolution 3840x2160
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from edge.config.camera import load_camera_config
from edge.motion.candidate import Candidate
from edge.motion.detector import MotionResult
from edge.pipeline import DetectionPipeline
from edge.sources.video_file import VideoFileSource


class Mog2Motion:
    """Baseline motion stage: MOG2 on the full frame, blobs by connected components."""

    def __init__(self, region_mask: np.ndarray) -> None:
        self.mog = cv2.createBackgroundSubtractorMOG2(history=50, varThreshold=16, detectShadows=False)
        self.mask = region_mask

    def process(self, gray: np.ndarray, key_frame: bool = False) -> MotionResult:
        """The pipeline's call; key frames mean nothing to MOG2, which learns every frame."""
        fg = self.mog.apply(gray)
        fg &= self.mask
        _, _, stats, centroids = cv2.connectedComponentsWithStats(fg, connectivity=8)
        cands = [
            Candidate(float(cx), float(cy), int(s[4]), int(s[2]), int(s[3]), 0.0)
            for s, (cx, cy) in zip(stats[1:], centroids[1:], strict=True)
        ]
        share = float(np.count_nonzero(fg)) / max(1, int(np.count_nonzero(self.mask)))
        return MotionResult(cands[:300], disturbed=False, changed_share=share)


def _reset_peak_rss() -> None:
    with contextlib.suppress(OSError):  # Linux only: resets VmHWM for this process
        Path("/proc/self/clear_refs").write_text("5")


def _peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def run_variant(video: Path, config_path: Path, baseline: bool) -> dict[str, float]:
    config = load_camera_config(config_path)
    _reset_peak_rss()
    source = VideoFileSource(video, threads=1)
    pipeline = DetectionPipeline(config, source.fps)
    frames = events = 0
    start = time.perf_counter()
    for frame in source:
        if baseline and frames == 0:
            pipeline._ensure_motion(frame)  # build the region once, then swap the motion stage
            pipeline._motion = Mog2Motion(pipeline._motion.region.mask)  # type: ignore[assignment,union-attr]
        events += len(pipeline.process(frame))
        frames += 1
    wall = time.perf_counter() - start
    return {
        "frames": frames,
        "events": events,
        "fps": frames / wall,
        "realtime": frames / source.fps / wall,
        "peak_rss_mb": _peak_rss_mb(),
    }


def make_scene(outdir: Path, width: int, height: int, seed: int, duration_s: float) -> tuple[Path, Path]:
    from edge.synth.scene import make_scene_spec
    from edge.synth.writer import write_scene

    spec = make_scene_spec(seed=seed, index=0, width=width, height=height, duration_s=duration_s, fps=25.0)
    write_scene(spec, outdir)
    return outdir / "scene_0000.mp4", outdir / "scene_0000.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resolution", action="append", help="WxH (repeatable); default 1920x1080")
    parser.add_argument("--seed", type=int, default=9001)
    parser.add_argument("--duration", type=float, default=12.0)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    resolutions = args.resolution or ["1920x1080"]
    print(f"{'resolution':>10s} {'variant':>10s} {'fps':>8s} {'x realtime':>10s} {'peak MB':>8s} {'events':>6s}")
    with tempfile.TemporaryDirectory() as tmp:
        for res in resolutions:
            w, h = (int(v) for v in res.lower().split("x"))
            video, cfg = make_scene(Path(tmp) / res, w, h, args.seed, args.duration)
            base = run_variant(video, cfg, baseline=True)
            ours = run_variant(video, cfg, baseline=False)
            for name, r in (("MOG2", base), ("fallwatch", ours)):
                print(
                    f"{res:>10s} {name:>10s} {r['fps']:8.1f} {r['realtime']:10.2f} "
                    f"{r['peak_rss_mb']:8.0f} {r['events']:6d}"
                )
            print(f"{res:>10s} {'ratio':>10s} {ours['fps'] / base['fps']:8.2f}x faster than the MOG2 baseline")


if __name__ == "__main__":
    main()
