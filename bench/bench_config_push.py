"""Config push and snapshot over the real CURVE link: does a push disturb detection?

The real node (tests/edge_harness.py) runs frames at 25 fps against a real ingest
(SQLite). Three phases on the same node, one after another:

- baseline: no control traffic; the intervals between frames;
- pushes: configs that each rebuild the detection pipeline, back to back;
- snapshots: snapshot requests back to back (face scan + JPEG on the edge).

Prints the frame-interval p99 and max of each phase as a ratio to the baseline, the
push and snapshot round trips, and the snapshot round trip against anonymising and
encoding the same frame in this process (the link's share).

    .venv/bin/python bench/bench_config_push.py [--seconds 5] [--height 1080]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from edge.config.camera import PrivacyConfig  # noqa: E402
from edge.privacy import Anonymizer  # noqa: E402
from edge.recording.ring import encode_jpeg  # noqa: E402
from tests import scenes  # noqa: E402
from tests.edge_harness import CAMERA, Edge, camera_yaml, digest_of, wait_for  # noqa: E402
from tests.link_helpers import make_keys, open_store, start_service  # noqa: E402


def intervals_ms(times_s: list[float], t0: float, t1: float) -> np.ndarray:
    during = np.array([t for t in times_s if t0 <= t <= t1])
    return np.diff(during) * 1000.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=5.0, help="length of each phase")
    p.add_argument("--height", type=int, default=1080, help="frame height in px (16:9)")
    args = p.parse_args()
    size = (args.height * 16 // 9, args.height)
    frame = cv2.cvtColor(cv2.resize(np.clip(scenes.background(), 0, 255).astype(np.uint8), size),
                         cv2.COLOR_GRAY2BGR)
    with tempfile.TemporaryDirectory(prefix="fallwatch-bench-push-") as tmp_name:
        tmp = Path(tmp_name)
        keys = make_keys(tmp / "keys")
        store, db = open_store(tmp)
        service = start_service(store, keys, tmp / "work")
        cfg = tmp / "cam.yaml"
        cfg.write_text(camera_yaml())
        try:
            with Edge(tmp, keys, service.endpoint, cfg, frame) as edge:
                if not wait_for(lambda: service.control.reported_config_version(CAMERA) == digest_of(camera_yaml())):
                    print("the edge never reported in", file=sys.stderr)
                    return 1
                time.sleep(1.0)  # past start-up
                t0 = time.monotonic()
                time.sleep(args.seconds)
                t1 = time.monotonic()
                push_ms = []
                version = 1
                while time.monotonic() < t1 + args.seconds:
                    version += 1
                    start = time.perf_counter()
                    result = service.control.push_config(CAMERA, camera_yaml(floors=10 + version % 2), version)
                    push_ms.append((time.perf_counter() - start) * 1000.0)
                    assert result.applied, result.error
                t2 = time.monotonic()
                snap_ms = []
                while time.monotonic() < t2 + args.seconds:
                    start = time.perf_counter()
                    service.control.request_snapshot(CAMERA)
                    snap_ms.append((time.perf_counter() - start) * 1000.0)
                t3 = time.monotonic()
                times = list(edge.frame_times_s)
        finally:
            service.stop()
            db.close()
    local = Anonymizer.from_config(PrivacyConfig())
    local_ms = []
    for _ in range(5):
        start = time.perf_counter()
        encode_jpeg(local.anonymize_snapshot(frame), 90)
        local_ms.append((time.perf_counter() - start) * 1000.0)

    base = intervals_ms(times, t0, t1)
    print(f"frames {size[0]}x{size[1]} at {scenes.FPS:g} fps, {args.seconds:g} s per phase")
    print(f"{'phase':<10} {'frames':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'p99/base':>9} {'max/base':>9}")
    for name, (a, b) in {"baseline": (t0, t1), "pushes": (t1, t2), "snapshots": (t2, t3)}.items():
        iv = intervals_ms(times, a, b)
        p99 = float(np.percentile(iv, 99))
        print(f"{name:<10} {len(iv) + 1:>6} {np.median(iv):>8.1f} {p99:>8.1f} {iv.max():>8.1f} "
              f"{p99 / np.percentile(base, 99):>9.2f} {iv.max() / base.max():>9.2f}")
    print(f"push round trip: median {statistics.median(push_ms):.1f} ms over {len(push_ms)} pushes "
          "(validate, rebuild the pipeline, persist with fsync, swap)")
    snap, anon = statistics.median(snap_ms), statistics.median(local_ms)
    print(f"snapshot round trip: median {snap:.1f} ms over {len(snap_ms)}; anonymise + JPEG in-process "
          f"{anon:.1f} ms; ratio {snap / anon:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
