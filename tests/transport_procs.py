"""Real processes for the link's fault tests: an ingest server and a spool-draining edge.

``python tests/transport_procs.py server DIR ENDPOINT [--insecure] [--clip-limit N]``
runs an IngestService on the project's database store (SQLite in DIR) until killed;
it writes its bound endpoint to DIR/endpoint once listening.

``python tests/transport_procs.py edge DIR ENDPOINT KEYS N CLIP_BYTES [--insecure]``
commits N signed events with a clip each to the spool in DIR (unless the spool
already holds them: a restart continues), then drains it and exits 0 when empty.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from edge.protocol.keys import load_curve_keypair, load_curve_public, load_signing_key  # noqa: E402
from edge.protocol.manifest import FileEntry, build_manifest, sign_manifest  # noqa: E402
from edge.spool.spool import Spool, SpoolEntry  # noqa: E402
from edge.transport.link import EdgeLink, LinkConfig  # noqa: E402


def make_event(i: int, camera_id: str = "cam-test") -> dict:
    return {
        "event_id": f"ev{i:05d}-{camera_id}",
        "camera_id": camera_id,
        "t_start": 1.0 + i,
        "t_end": 2.0 + i,
        "detected_at": 1.5 + i,
        "origin": {"floor": 1 + i % 9, "column": 1 + i % 4, "x": 10.0, "y": 20.0},
        "trajectory": [[1.0 + i, 10.0, 20.0], [1.1 + i, 10.5, 25.0]],
        "score": 0.9,
        "privacy": "ok",
    }


def clip_bytes(i: int, size: int) -> bytes:
    seed = hashlib.sha256(f"clip-{i}".encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


def spool_events(spool: Spool, key_path: Path, n: int, size: int, camera_id: str = "cam-test") -> None:
    """Commit ``n`` events, each with a signed clip of ``size`` bytes, as the outbox does."""
    sk = load_signing_key(key_path)
    for i in range(n):
        ev = make_event(i, camera_id)
        data = clip_bytes(i, size)
        entry = FileEntry("clip", "clip.mp4", len(data), hashlib.sha256(data).hexdigest())
        alert = sign_manifest(build_manifest(ev, [], final=False), sk)
        final = sign_manifest(build_manifest(ev, [entry], final=True), sk)
        spool.commit(
            [
                SpoolEntry(ev["event_id"], {"event": ev, "envelope": alert}),
                SpoolEntry(ev["event_id"], {"envelope": final}, "clip", "clip.mp4", data, entry.sha256),
            ]
        )


def run_server(args: argparse.Namespace) -> None:
    from server.clips.directory import DirectoryClipStore
    from server.db.engine import Database
    from server.db.store import DatabaseStore
    from server.ingest.service import IngestService

    d = Path(args.dir)
    db = Database.open(f"sqlite:///{d}/server.sqlite3")
    store = DatabaseStore(db, DirectoryClipStore(d / "clips", args.clip_limit))
    keys = None if args.insecure else load_curve_keypair(Path(args.keys) / "server.key")
    service = IngestService(store, args.endpoint, keys, Path(args.keys) / "edges", args.insecure, d / "work")
    service.start()
    (d / "endpoint").write_text(service.endpoint)
    while True:
        time.sleep(3600)


def run_edge(args: argparse.Namespace) -> int:
    d, keys = Path(args.dir), Path(args.keys)
    spool = Spool(d / "spool", 1 << 30)
    if spool.stats()["committed_items"] == 0:
        spool_events(spool, keys / "edge1.sign", args.n, args.clip_bytes)
    (d / "spooled").write_text("1")
    curve = None if args.insecure else load_curve_keypair(keys / "edge1.key")
    server = None if args.insecure else load_curve_public(keys / "server.key_public")
    cfg = LinkConfig(
        args.endpoint, "cam-test", heartbeat_s=0.5, ack_timeout_s=1.0, backoff_cap_s=1.0, chunk_bytes=64 * 1024
    )
    link = EdgeLink(spool, cfg, lambda: {"spool_depth": spool.stats()["depth"]}, curve, server)
    link.start()
    ok = link.wait_drained(120.0)
    link.stop()
    print(link.stats.as_dict(), flush=True)
    return 0 if ok else 1


def main() -> int:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("server")
    s.add_argument("dir")
    s.add_argument("endpoint")
    s.add_argument("keys")
    s.add_argument("--insecure", action="store_true")
    s.add_argument("--clip-limit", type=int, default=1 << 34)
    e = sub.add_parser("edge")
    e.add_argument("dir")
    e.add_argument("endpoint")
    e.add_argument("keys")
    e.add_argument("n", type=int)
    e.add_argument("clip_bytes", type=int)
    e.add_argument("--insecure", action="store_true")
    args = p.parse_args()
    if args.mode == "server":
        run_server(args)
        return 0
    return run_edge(args)


if __name__ == "__main__":
    sys.exit(main())
