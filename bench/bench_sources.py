"""Cost of the robust source wrapper, and how fast a live stream comes back.

1. Throughput: the baseline, measured in the same run on the same H.264 file, is
   ``VideoFileSource`` iterated directly (decode only, what ``fallwatch detect``
   does). ``open_source`` adds the reader thread, the queue and retiming; the ratio
   shows what that costs per frame. Decoding runs on one thread in both.
2. Recovery: a real MPEG-TS server process (tests/stream_server.py) is killed and
   restarted; reported are the seconds from the restart to the first frame of the
   new connection, and from the kill to that frame (outage seen by detection).

    .venv/bin/python bench/bench_sources.py
    .venv/bin/python bench/bench_sources.py --size 1920x1080 --frames 250
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

from edge.sources.backoff import Backoff
from edge.sources.open import open_source
from edge.sources.video_file import VideoFileSource

SERVER = Path(__file__).resolve().parents[1] / "tests" / "stream_server.py"


def write_clip(path: Path, width_px: int, height_px: int, frames: int) -> None:
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (height_px, width_px, 3), dtype=np.uint8)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = width_px, height_px, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "23"}
        for i in range(frames):
            img = np.roll(base, i * 4, axis=1)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def direct_s(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    n = sum(1 for _ in VideoFileSource(path, threads=1))
    return time.perf_counter() - start, n


def wrapped_s(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    with open_source(path, threads=1) as src:
        n = sum(1 for _ in src)
    return time.perf_counter() - start, n


def recovery_s(trials: int) -> list[tuple[float, float]]:
    results = []
    for _ in range(trials):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        cmd = [sys.executable, str(SERVER), str(port), "100000"]
        server = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
        src = open_source(f"tcp://127.0.0.1:{port}", stall_timeout_s=2.0, backoff=Backoff(initial_s=0.1, max_s=1.0))
        killed_at = restarted_at = 0.0
        try:
            for frame in src:
                if src.stats.reconnects == 0 and frame.index == 25:
                    server.kill()
                    server.wait()
                    killed_at = time.perf_counter()
                    server = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
                    restarted_at = time.perf_counter()
                elif src.stats.reconnects == 1:
                    now = time.perf_counter()
                    results.append((now - restarted_at, now - killed_at))
                    break
        finally:
            src.close()
            server.kill()
            server.wait()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--recoveries", type=int, default=3)
    args = parser.parse_args()
    width_px, height_px = (int(v) for v in args.size.lower().split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.mp4"
        write_clip(clip, width_px, height_px, args.frames)
        direct, wrapped = [], []
        for _ in range(args.repeats):  # interleaved so that machine load hits both alike
            t, n = direct_s(clip)
            direct.append(t)
            t2, n2 = wrapped_s(clip)
            wrapped.append(t2)
            assert n == n2 == args.frames, (n, n2)
    d, w = statistics.median(direct), statistics.median(wrapped)
    print(f"file {args.size}, {args.frames} frames, median of {args.repeats}:")
    print(f"  baseline VideoFileSource   {args.frames / d:8.1f} fps")
    print(f"  open_source (LiveSource)   {args.frames / w:8.1f} fps   time ratio {w / d:.3f}")
    rec = recovery_s(args.recoveries)
    if rec:
        after_restart = statistics.median(r[0] for r in rec)
        outage = statistics.median(r[1] for r in rec)
        print(f"live tcp stream, {len(rec)} kill/restart cycles (median):")
        print(f"  restart -> first frame again {after_restart:6.2f} s")
        print(f"  kill -> first frame again    {outage:6.2f} s")


if __name__ == "__main__":
    main()
