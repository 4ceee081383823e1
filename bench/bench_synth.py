"""Speed of `fallwatch synth` on one core: rendering and encoding a scene.

The baseline, measured in the same run on the same scene, is the least any renderer
must spend: encoding the static backdrop plus sensor noise (one x264 thread). The
full scene adds everything that moves; the render-only pass shows what drawing costs
without the encoder. Prints wall seconds, frames per second, the ratio to the
baseline, the full scene's CPU seconds and the process's peak memory.

    .venv/bin/python bench/bench_synth.py                         # 1080p 12 s and 360p 4 s
    .venv/bin/python bench/bench_synth.py --case 1280x720x8 --seed 3
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import tempfile
import time
from pathlib import Path

import cv2

from edge.synth.encode import H264Writer
from edge.synth.noise import NoiseBank
from edge.synth.render import SceneRenderer
from edge.synth.scene import make_scene_spec
from edge.synth.writer import write_scene


def _case(text: str) -> tuple[int, int, float]:
    w, h, d = text.lower().split("x")
    return int(w), int(h), float(d)


def _baseline_s(spec, path: Path) -> float:  # type: ignore[no-untyped-def]
    renderer = SceneRenderer(spec)
    p = renderer.backdrop.pad_px
    still = renderer.backdrop.canvas_bgr[p : p + spec.height, p : p + spec.width]
    noise = NoiseBank(spec.noise_rng, spec.lighting.noise_sigma, spec.width, spec.height)
    t0 = time.perf_counter()
    with H264Writer(path, spec.width, spec.height, spec.fps, spec.crf, threads=1) as writer:
        for _ in range(spec.n_frames):
            yuv = cv2.cvtColor(still, cv2.COLOR_BGR2YUV_I420)
            noise.apply(yuv[: spec.height])
            writer.write(yuv)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", type=_case, action="append", help="WIDTHxHEIGHTxSECONDS (repeatable)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenes", type=int, default=2, help="scenes per case (indices 0..N-1)")
    args = ap.parse_args()
    cases = args.case or [(1920, 1080, 12.0), (640, 360, 4.0)]
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    cv2.setNumThreads(1)
    print(
        f"{'scene':>22} {'frames':>6} {'baseline_s':>10} {'render_s':>9} {'full_s':>7} "
        f"{'full_fps':>8} {'ratio':>6} {'full_cpu_s':>9}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for w, h, dur in cases:
            for index in range(args.scenes):
                spec = make_scene_spec(args.seed, index, w, h, dur, 25.0)
                base = _baseline_s(spec, Path(tmp) / "baseline.mp4")
                t0 = time.perf_counter()
                for _ in SceneRenderer(spec).frames():
                    pass
                render = time.perf_counter() - t0
                t0, c0 = time.perf_counter(), time.process_time()
                write_scene(spec, tmp, threads=1)
                full, full_cpu = time.perf_counter() - t0, time.process_time() - c0
                name = f"{w}x{h} {dur:g}s #{index} {spec.lighting.mode}"
                print(
                    f"{name:>22} {spec.n_frames:>6} {base:>10.2f} {render:>9.2f} {full:>7.2f} "
                    f"{spec.n_frames / full:>8.1f} {full / base:>6.2f} {full_cpu:>9.2f}"
                )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak_mib:.0f} MiB (ratio = full scene / encoding a still backdrop with noise;")
    print("full_cpu_s = CPU seconds of the full scene, a fair figure on a busy machine)")


if __name__ == "__main__":
    main()
