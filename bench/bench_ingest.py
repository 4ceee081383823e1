"""Load benchmark of the ZeroMQ ingest: many edges against one server process on loopback.

    .venv/bin/python bench/bench_ingest.py [--edges 200] [--seconds 20] [--clip-mb 2]

Every simulated edge has its own CURVE key and Ed25519 signing key, sends a heartbeat
every second and, back to back, signed events each followed by a clip in 512-KiB
chunks (two in flight), exactly as the real link frames them. The server is the real
``IngestService`` on the project's database store (SQLite + clip directory) in its own
process. Two phases are run on the same machine in the same run: plaintext
(``insecure``) as the baseline, then CURVE (the product default); the report gives
events/s, heartbeats/s, p95 ack latency, server CPU and peak memory, and the
CURVE/plaintext ratios.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import zmq  # noqa: E402
import zmq.auth  # noqa: E402
import zmq.auth.certs  # noqa: E402
from nacl.signing import SigningKey  # noqa: E402

from edge.protocol.manifest import FileEntry, build_manifest, sign_manifest  # noqa: E402
from edge.protocol.messages import DEFAULT_CHUNK_BYTES, Message, MessageType, decode, encode  # noqa: E402

CHUNK = DEFAULT_CHUNK_BYTES
WINDOW = 2
FLOOD_WINDOW = 4


def make_keys(root: Path, n: int) -> None:
    """server.key plus n edges (CURVE + signing) without 2n subprocess-heavy calls."""
    root.mkdir(parents=True)
    (root / "edges").mkdir()
    pub, sec = zmq.curve_keypair()
    zmq.auth.certs._write_key_file(str(root / "server.key"), "", pub, sec)
    zmq.auth.certs._write_key_file(str(root / "server.key_public"), "", pub)
    for i in range(n):
        pub, sec = zmq.curve_keypair()
        sk = SigningKey.generate()
        zmq.auth.certs._write_key_file(str(root / "edges" / f"e{i}.key_public"), "", pub)
        (root / "edges" / f"e{i}.sign_public").write_text(sk.verify_key.encode().hex())
        (root / f"e{i}.secret.json").write_text(json.dumps(
            {"pub": pub.decode(), "sec": sec.decode(), "sign": sk.encode().hex()}))


def server_main(data: Path, keys: Path, insecure: bool) -> None:
    from edge.protocol.keys import load_curve_keypair
    from server.clips.directory import DirectoryClipStore
    from server.db.engine import Database
    from server.db.store import DatabaseStore
    from server.ingest.service import IngestService

    db = Database.open(f"sqlite:///{data}/server.sqlite3")
    store = DatabaseStore(db, DirectoryClipStore(data / "clips", 1 << 40))
    keys_pair = None if insecure else load_curve_keypair(keys / "server.key")
    service = IngestService(store, "tcp://127.0.0.1:*", keys_pair, keys / "edges", insecure, data / "work")
    service.start()
    (data / "endpoint").write_text(service.endpoint)
    while not (data / "stop").exists():
        time.sleep(0.2)
    (data / "counters.json").write_text(json.dumps(service.counters()))
    service.stop()


class SimEdge:
    """One edge: a DEALER socket, a heartbeat clock and one event-with-clip at a time."""

    def __init__(
        self, ctx: zmq.Context, idx: int, endpoint: str, keys: Path, insecure: bool, clip: bytes, flood: bool
    ) -> None:
        self.flood = flood
        self.idx, self.clip, self.sha = idx, clip, hashlib.sha256(clip).hexdigest()
        secret = json.loads((keys / f"e{idx}.secret.json").read_text())
        self.sign = SigningKey(bytes.fromhex(secret["sign"]))
        self.sock = ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        if not insecure:
            self.sock.curve_publickey = secret["pub"].encode()
            self.sock.curve_secretkey = secret["sec"].encode()
            self.sock.curve_serverkey = zmq.auth.load_certificate(str(keys / "server.key_public"))[0]
        self.sock.connect(endpoint)
        self.seq = 0
        self.sent: dict[int, tuple[float, str]] = {}
        self.next_hb = time.monotonic() + (idx % 100) / 100.0
        self.n_event = 0
        self.offset = -1  # -1: event not sent yet
        self.acked = 0
        self.inflight = 0
        self.latencies: dict[str, list[float]] = {"heartbeat": [], "event": [], "chunk": []}
        self.events_done = 0
        self._new_event()

    def _new_event(self) -> None:
        self.n_event += 1
        self.event = {"event_id": f"b{self.idx}-{self.n_event}-{os.getpid()}", "camera_id": f"cam-{self.idx}",
                      "t_start": 1.0, "t_end": 2.0, "detected_at": 1.5, "score": 0.9, "privacy": "ok",
                      "origin": {"floor": 5, "column": 2, "x": 1.0, "y": 2.0}, "trajectory": [[1.0, 1.0, 2.0]]}
        entry = FileEntry("clip", "clip.mp4", len(self.clip), self.sha)
        self.env_alert = sign_manifest(build_manifest(self.event, [], final=False), self.sign)
        self.env_final = sign_manifest(build_manifest(self.event, [entry], final=True), self.sign)
        self.offset, self.acked, self.inflight = -1, 0, 0

    def _send(self, msg: Message, kind: str) -> None:
        self.sock.send_multipart(encode(msg), copy=False)
        self.sent[msg.seq] = (time.monotonic(), kind)

    def pump(self, now: float) -> None:
        if self.flood:  # heartbeat capacity: keep a few in flight, nothing else
            while len(self.sent) < FLOOD_WINDOW:
                self.seq += 1
                self._send(Message(MessageType.HEARTBEAT, self.seq, "", {"camera_id": f"cam-{self.idx}",
                                                                         "stats": {"fps": 25.0}}), "heartbeat")
            return
        if now >= self.next_hb:
            self.seq += 1
            self._send(Message(MessageType.HEARTBEAT, self.seq, "", {"camera_id": f"cam-{self.idx}",
                                                                     "stats": {"fps": 25.0, "spool_depth": 0}}),
                       "heartbeat")
            self.next_hb += 1.0
        eid = self.event["event_id"]
        if self.offset == -1:
            self.seq += 1
            self._send(Message(MessageType.EVENT, self.seq, eid, {"event": self.event, "envelope": self.env_alert}),
                       "event")
            self.offset = -2  # waiting for the event's ack
        while self.offset >= 0 and self.offset < len(self.clip) and self.inflight < WINDOW:
            self.seq += 1
            fields = {"file_kind": "clip", "name": "clip.mp4", "size": len(self.clip), "sha256": self.sha,
                      "offset": self.offset, "envelope": self.env_final}
            data = memoryview(self.clip)[self.offset : self.offset + CHUNK]
            self._send(Message(MessageType.CHUNK, self.seq, eid, fields, data), "chunk")
            self.offset += len(data)
            self.inflight += 1

    def on_reply(self, frames: list[bytes], now: float) -> None:
        reply = decode(frames)
        sent = self.sent.pop(reply.seq, None)
        if sent is None:
            return
        t0, kind = sent
        self.latencies[kind].append(now - t0)
        if reply.type is not MessageType.ACK:
            raise RuntimeError(f"edge {self.idx}: {reply.fields}")
        if kind == "event":
            self.offset = 0
        elif kind == "chunk":
            self.inflight -= 1
            if reply.fields.get("done"):
                self.events_done += 1
                self._new_event()


def client_main(args: tuple) -> dict:
    idxs, endpoint, keys, insecure, seconds, clip_mb, flood = args
    ctx = zmq.Context()
    clip = hashlib.sha256(b"clip").digest() * (clip_mb * 1024 * 1024 // 32)
    edges = [SimEdge(ctx, i, endpoint, Path(keys), insecure, clip, flood) for i in idxs]
    by_sock = {e.sock: e for e in edges}
    poller = zmq.Poller()
    for e in edges:
        poller.register(e.sock, zmq.POLLIN)
    t_end = time.monotonic() + seconds
    while (now := time.monotonic()) < t_end:
        for e in edges:
            e.pump(now)
        for sock, _ in poller.poll(20):
            edge = by_sock[sock]
            while True:
                try:
                    frames = sock.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                edge.on_reply(frames, time.monotonic())
    out = {"events": sum(e.events_done for e in edges),
           "latencies": {k: [x for e in edges for x in e.latencies[k]] for k in ("heartbeat", "event", "chunk")}}
    for e in edges:
        e.sock.close()
    ctx.term()
    return out


def _proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def p95(xs: list[float]) -> float:
    return sorted(xs)[int(0.95 * (len(xs) - 1))] if xs else float("nan")


def phase(keys: Path, n_edges: int, seconds: float, clip_mb: int, insecure: bool, procs: int, flood: bool) -> dict:
    data = Path(tempfile.mkdtemp(prefix="fw-bench-"))
    server = subprocess.Popen([sys.executable, __file__, "--role", "server", str(data), str(keys)]
                              + (["--insecure"] if insecure else []))
    try:
        while not (data / "endpoint").exists():
            assert server.poll() is None, "server died"
            time.sleep(0.05)
        endpoint = (data / "endpoint").read_text()
        cpu0, t0 = _proc_cpu_s(server.pid), time.monotonic()
        groups = [list(range(i, n_edges, procs)) for i in range(procs)]
        with mp.get_context("spawn").Pool(procs) as pool:
            jobs = [(g, endpoint, str(keys), insecure, seconds, clip_mb, flood) for g in groups]
            results = pool.map(client_main, jobs)
        wall = time.monotonic() - t0
        cpu = _proc_cpu_s(server.pid) - cpu0
        rss = _peak_rss_mb(server.pid)
        (data / "stop").touch()
        server.wait(30)
        counters = json.loads((data / "counters.json").read_text())
    finally:
        if server.poll() is None:
            server.kill()
        shutil.rmtree(data, ignore_errors=True)
    lat = {k: [x for r in results for x in r["latencies"][k]] for k in ("heartbeat", "event", "chunk")}
    return {
        "mode": ("plaintext" if insecure else "curve") + (" heartbeat flood" if flood else ""),
        "events_per_s": counters["files_ingested_total"] / wall,
        "heartbeats_per_s": counters["heartbeats_total"] / wall,
        "mb_per_s": counters["bytes_received_total"] / wall / 1e6,
        "p95_ack_ms": {k: 1000 * p95(v) for k, v in lat.items()},
        "server_cpu_cores": cpu / wall,
        "server_peak_rss_mb": rss,
        "rejected": sum(v for k, v in counters.items() if k.startswith("rejected_")),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--edges", type=int, default=200)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--clip-mb", type=int, default=2)
    p.add_argument("--client-procs", type=int, default=2)
    p.add_argument("--role", default="bench")
    p.add_argument("rest", nargs="*")
    p.add_argument("--insecure", action="store_true")
    args = p.parse_args()
    if args.role == "server":
        server_main(Path(args.rest[0]), Path(args.rest[1]), args.insecure)
        return 0
    keys = Path(tempfile.mkdtemp(prefix="fw-bench-keys-")) / "k"
    make_keys(keys, args.edges)
    print(f"{args.edges} edges, {args.clip_mb}-MB clips, heartbeats 1/s/edge, {args.seconds:.0f} s per phase, "
          f"{os.cpu_count()} CPUs (clients share them)")
    rows = [
        phase(keys, args.edges, args.seconds, args.clip_mb, insecure, args.client_procs, flood)
        for flood in (False, True)
        for insecure in (True, False)
    ]
    for r in rows:
        print(f"{r['mode']:>25}: {r['events_per_s']:6.1f} events/s ({r['mb_per_s']:.0f} MB/s), "
              f"{r['heartbeats_per_s']:6.0f} heartbeats/s, p95 ack ms: heartbeat {r['p95_ack_ms']['heartbeat']:.0f}, "
              f"event {r['p95_ack_ms']['event']:.0f}, chunk {r['p95_ack_ms']['chunk']:.0f}; "
              f"server {r['server_cpu_cores']:.2f} cores, peak RSS {r['server_peak_rss_mb']:.0f} MB, "
              f"rejected {r['rejected']}")
    base, curve, hb_base, hb_curve = rows
    print(f"curve/plaintext ratios: events/s {curve['events_per_s'] / base['events_per_s']:.2f}, "
          f"heartbeat capacity {hb_curve['heartbeats_per_s'] / hb_base['heartbeats_per_s']:.2f}, "
          f"server CPU {curve['server_cpu_cores'] / base['server_cpu_cores']:.2f}")
    shutil.rmtree(keys.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
