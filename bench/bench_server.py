"""Queue page and /api/health response times with 100,000 events and 500 cameras.

Runs the real app under uvicorn on loopback, logs in as a guard over HTTP and times
sequential requests. Prints p50/p95 per route and the ratio to /healthz (the
baseline: same server, same run, no database work).

    .venv/bin/python bench/bench_server.py [--db postgresql://...] [--events 100000] [--cameras 500]
"""

from __future__ import annotations

import argparse
import random
import re
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import insert

from server.app import create_app
from server.config import ServerConfig
from server.context import ServerContext
from server.db.models import CameraRow, EventRow
from server.db.users import create_user

PASSWORD = "benchmark password"


def populate(ctx: ServerContext, n_events: int, n_cameras: int) -> None:
    rng = random.Random(1)
    now = time.time()
    cams = [f"cam-{i:03d}" for i in range(n_cameras)]
    with ctx.db.engine.begin() as conn:
        conn.execute(
            insert(CameraRow),
            [
                {
                    "camera_id": c,
                    "first_seen_at_s": now - 86400,
                    "last_heartbeat_at_s": now - rng.uniform(0, 200),
                    "last_event_at_s": now - rng.uniform(0, 86400),
                    "heartbeat": {
                        "fps_processed": 25.0,
                        "frames_dropped": rng.randint(0, 50),
                        "spool_depth": rng.randint(0, 5),
                        "privacy": "ok",
                        "model_versions": {"detector": "d1", "privacy": "centerface-1"},
                        "config_version": "v1",
                    },
                }
                for c in cams
            ],
        )
        batch = []
        for i in range(n_events):
            t = now - (n_events - i) * 30.0
            ev_id = f"{i:08d}{rng.getrandbits(64):016x}"
            floor, column = rng.randint(1, 30), rng.randint(1, 6)
            cam = rng.choice(cams)
            data = {"event_id": ev_id, "camera_id": cam, "t_start": 1.0, "t_end": 2.0, "detected_at": 1.5,
                    "origin": {"floor": floor, "column": column, "x": 100.0, "y": 50.0},
                    "trajectory": [[1.0 + k * 0.04, 100.0, 50.0 + k * k] for k in range(20)], "score": 0.9}
            batch.append({"event_id": ev_id, "camera_id": cam, "occurred_at_s": t, "received_at_s": t,
                          "origin_floor": floor, "origin_column": column, "score": 0.9, "privacy": "ok",
                          "status": rng.choice(["new", "new", "confirmed", "false_alarm"]), "data": data})
            if len(batch) == 5000:
                conn.execute(insert(EventRow), batch)
                batch = []
        if batch:
            conn.execute(insert(EventRow), batch)
    with ctx.db.session() as s:
        create_user(s, "guard", "guard", PASSWORD, now)
        s.commit()


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db")
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--cameras", type=int, default=500)
    ap.add_argument("--requests", type=int, default=100)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="fallwatch-bench-"))
    ctx = ServerContext.open(ServerConfig(data_dir=tmp, db_url=args.db))
    t0 = time.perf_counter()
    populate(ctx, args.events, args.cameras)
    print(f"database: {ctx.db.backend}, {args.events} events, {args.cameras} cameras "
          f"(inserted in {time.perf_counter() - t0:.1f} s)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, follow_redirects=False) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
        assert c.post("/login", data={"name": "guard", "password": PASSWORD, "csrf_token": token}).status_code == 303
        routes = {
            "/healthz (baseline)": "/healthz",
            "queue page /": "/",
            "queue page filtered (floor 7)": "/?floor=7",
            "/api/events": "/api/events",
            "/api/health": "/api/health",
        }
        results = {}
        for label, path in routes.items():
            for _ in range(5):
                assert c.get(path).status_code == 200
            times = []
            for _ in range(args.requests):
                t = time.perf_counter()
                r = c.get(path)
                times.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, (path, r.status_code)
            results[label] = times
    base_p95 = p(results["/healthz (baseline)"], 95)
    print(f"{'route':32s} {'p50 ms':>8s} {'p95 ms':>8s} {'p95 / baseline':>15s}")
    for label, times in results.items():
        print(f"{label:32s} {p(times, 50):8.1f} {p(times, 95):8.1f} {p(times, 95) / base_p95:15.1f}")
    server.should_exit = True
    ctx.close()


if __name__ == "__main__":
    main()
