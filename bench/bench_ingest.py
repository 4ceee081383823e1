"""Load benchmark of the ZeroMQ ingest: many edges against one server process on loopback.

    .venv/bin/python bench/bench_ingest.py [--edges 200] [--seconds 20] [--clip-mb 2]
    .venv/bin/python bench/bench_ingest.py --modes curve --baseline-tree /tmp/base   # before/after

Every simulated edge has its own CURVE key and Ed25519 signing key, sends a heartbeat
every second and, back to back, signed events each followed by a clip in chunks of
``DEFAULT_CHUNK_BYTES`` (two in flight), exactly as the real link frames them. The
server is the real ``IngestService`` on the project's database store (SQLite + clip
directory) in its own process; the simulated edges run in ``--client-procs`` other
processes on the same cores. Two phases are run on the same machine in the same run:
plaintext (``insecure``) as the baseline, then CURVE (the product default); the report
gives events/s, heartbeats/s, p95 ack latency, server CPU and peak memory, and the
CURVE/plaintext ratios. Under each phase a second line says what else used the
machine: the clients' CPU (measured in their own processes), how busy all CPUs were
and the load average, so a result from a shared machine can be read for what it is,
and the server's database commits (writes per commit shows the group commit).

``--baseline-tree DIR`` first runs the same phases with the server code of another
checkout (``git archive HEAD | tar -x -C DIR``; its ``server`` package, with this
tree's ``edge`` protocol) and prints this tree's ratios against it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import resource
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
# mode -> (insecure, heartbeat flood); the order is the report's
MODES = {"plaintext": (True, False), "curve": (False, False), "hb-plaintext": (True, True), "hb-curve": (False, True)}


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


def server_main(data: Path, keys: Path, insecure: bool, tree: Path | None, workers: int) -> None:
    if tree is not None:  # another version's server package; ``edge`` is already this tree's
        sys.path.insert(0, str(tree))
    from edge.protocol.keys import load_curve_keypair
    from server.clips.directory import DirectoryClipStore
    from server.db.engine import Database
    from server.db.store import DatabaseStore
    from server.ingest.service import IngestService

    db = Database.open(f"sqlite:///{data}/server.sqlite3")
    store = DatabaseStore(db, DirectoryClipStore(data / "clips", 1 << 40))
    keys_pair = None if insecure else load_curve_keypair(keys / "server.key")
    service = IngestService(
        store, "tcp://127.0.0.1:*", keys_pair, keys / "edges", insecure, data / "work", store_workers=workers
    )
    service.start()
    (data / "endpoint.tmp").write_text(service.endpoint)
    (data / "endpoint.tmp").replace(data / "endpoint")  # never seen half-written
    while not (data / "stop").exists():
        time.sleep(0.2)
    writer = getattr(store, "writer", None)  # a baseline tree may have no group commit
    commits = {"db_writes": writer.writes, "db_commits": writer.commits} if writer is not None else {}
    (data / "counters.json").write_text(json.dumps({**service.counters(), **commits}))
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
        self.heartbeats_sent = 0
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
        if kind == "heartbeat":
            self.heartbeats_sent += 1

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
    cpu0 = _self_cpu_s()
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
    out = {"events": sum(e.events_done for e in edges), "heartbeats_sent": sum(e.heartbeats_sent for e in edges),
           "latencies": {k: [x for e in edges for x in e.latencies[k]] for k in ("heartbeat", "event", "chunk")}}
    for e in edges:
        e.sock.close()
    ctx.term()
    out["cpu_s"] = _self_cpu_s() - cpu0  # ZeroMQ's I/O thread (CURVE encryption) included
    return out


def _self_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _machine_busy_s() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all CPUs together."""
    # user nice system idle iowait irq softirq steal (guest time is already in user)
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hz, sum(ticks) / hz


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


def phase(
    keys: Path, n_edges: int, seconds: float, clip_mb: int, insecure: bool, procs: int, flood: bool,
    tree: Path | None, workers: int,
) -> dict:
    data = Path(tempfile.mkdtemp(prefix="fw-bench-"))
    server = subprocess.Popen([sys.executable, __file__, "--role", "server", str(data), str(keys),
                               "--store-workers", str(workers)]
                              + (["--insecure"] if insecure else [])
                              + (["--baseline-tree", str(tree)] if tree is not None else []))
    try:
        while not (data / "endpoint").exists():
            assert server.poll() is None, "server died"
            time.sleep(0.05)
        endpoint = (data / "endpoint").read_text()
        load0 = os.getloadavg()[0]
        cpu0, t0, (busy0, total0) = _proc_cpu_s(server.pid), time.monotonic(), _machine_busy_s()
        groups = [list(range(i, n_edges, procs)) for i in range(procs)]
        with mp.get_context("spawn").Pool(procs) as pool:
            jobs = [(g, endpoint, str(keys), insecure, seconds, clip_mb, flood) for g in groups]
            results = pool.map(client_main, jobs)
        wall = time.monotonic() - t0
        cpu = _proc_cpu_s(server.pid) - cpu0
        busy1, total1 = _machine_busy_s()
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
        "mode": ("baseline " if tree is not None else "")
        + ("plaintext" if insecure else "curve") + (" heartbeat flood" if flood else ""),
        "events_per_s": counters["files_ingested_total"] / wall,
        "heartbeats_per_s": counters["heartbeats_total"] / wall,
        "heartbeats_offered_per_s": sum(r["heartbeats_sent"] for r in results) / wall,
        "mb_per_s": counters["bytes_received_total"] / wall / 1e6,
        "p95_ack_ms": {k: 1000 * p95(v) for k, v in lat.items()},
        "server_cpu_cores": cpu / wall,
        "client_cpu_cores": sum(r["cpu_s"] for r in results) / wall,
        "client_procs": procs,
        "machine_busy": (busy1 - busy0) / (total1 - total0),
        "load": (load0, os.getloadavg()[0]),
        "server_peak_rss_mb": rss,
        "db_writes": counters.get("db_writes"),
        "db_commits": counters.get("db_commits"),
        "rejected": sum(v for k, v in counters.items() if k.startswith("rejected_")),
    }


def report(r: dict) -> None:
    # The first line's format is what bench/run_all.py reads.
    print(f"{r['mode']:>25}: {r['events_per_s']:6.1f} events/s ({r['mb_per_s']:.0f} MB/s), "
          f"{r['heartbeats_per_s']:6.0f} heartbeats/s, p95 ack ms: heartbeat {r['p95_ack_ms']['heartbeat']:.0f}, "
          f"event {r['p95_ack_ms']['event']:.0f}, chunk {r['p95_ack_ms']['chunk']:.0f}; "
          f"server {r['server_cpu_cores']:.2f} cores, peak RSS {r['server_peak_rss_mb']:.0f} MB, "
          f"rejected {r['rejected']}")
    commits = (f"; database {r['db_writes']} writes in {r['db_commits']} commits "
               f"({r['db_writes'] / max(r['db_commits'], 1):.1f} per commit)" if r["db_commits"] is not None else "")
    per_event = (f"server CPU {1000 * r['server_cpu_cores'] / r['events_per_s']:.1f} ms/event; "
                 if r["events_per_s"] else "")
    print(f"{'':>27}({per_event}heartbeats offered {r['heartbeats_offered_per_s']:.0f}/s; "
          f"clients {r['client_cpu_cores']:.2f} "
          f"cores in {r['client_procs']} processes; all CPUs {100 * r['machine_busy']:.0f}% busy, load average "
          f"{r['load'][0]:.1f} -> {r['load'][1]:.1f}{commits})")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--edges", type=int, default=200)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--clip-mb", type=int, default=2)
    p.add_argument("--client-procs", type=int, default=2)
    p.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}")
    p.add_argument("--baseline-tree", type=Path, help="a checkout whose server runs the same phases first")
    p.add_argument("--repeat", type=int, default=1, help="rounds of (baseline tree, this tree); median ratios")
    p.add_argument("--store-workers", type=int, default=8, help="IngestService store_workers")
    p.add_argument("--role", default="bench")
    p.add_argument("rest", nargs="*")
    p.add_argument("--insecure", action="store_true")
    args = p.parse_args()
    if args.role == "server":
        server_main(Path(args.rest[0]), Path(args.rest[1]), args.insecure, args.baseline_tree, args.store_workers)
        return 0
    modes = args.modes.split(",")
    if unknown := [m for m in modes if m not in MODES]:
        p.error(f"unknown mode(s) {', '.join(unknown)}; choose from {', '.join(MODES)}")
    if args.baseline_tree is not None and not (args.baseline_tree / "server" / "ingest" / "service.py").is_file():
        p.error(f"--baseline-tree {args.baseline_tree} holds no server/ingest/service.py")
    keys = Path(tempfile.mkdtemp(prefix="fw-bench-keys-")) / "k"
    try:
        make_keys(keys, args.edges)
        measure(args, keys, modes)
    finally:
        shutil.rmtree(keys.parent, ignore_errors=True)
    return 0


def measure(args: argparse.Namespace, keys: Path, modes: list[str]) -> None:
    """Run the phases (``--repeat`` rounds, the baseline tree's first in each) and report."""
    print(f"{args.edges} edges, {args.clip_mb}-MB clips, heartbeats 1/s/edge, {args.seconds:.0f} s per phase, "
          f"{os.cpu_count()} CPUs (clients share them)")

    def run(mode: str, tree: Path | None) -> dict:
        insecure, flood = MODES[mode]
        r = phase(keys, args.edges, args.seconds, args.clip_mb, insecure, args.client_procs, flood, tree,
                  args.store_workers)
        report(r)
        return r

    ratios: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
    for _ in range(args.repeat):
        # Back to back in each round, so both trees see about the same machine load.
        base_rows = {m: run(m, args.baseline_tree) for m in modes} if args.baseline_tree is not None else {}
        rows = {m: run(m, None) for m in modes}
        for m, b in base_rows.items():
            r = rows[m]
            ratios[m].append({
                "events/s": _ratio(r["events_per_s"], b["events_per_s"]),
                "heartbeats/s": _ratio(r["heartbeats_per_s"], b["heartbeats_per_s"]),
                "p95 event ack": _ratio(r["p95_ack_ms"]["event"], b["p95_ack_ms"]["event"]),
                "server CPU": _ratio(r["server_cpu_cores"], b["server_cpu_cores"]),
                "server CPU/event": _ratio(r["server_cpu_cores"] / r["events_per_s"] if r["events_per_s"] else 0,
                                           b["server_cpu_cores"] / b["events_per_s"] if b["events_per_s"] else 0),
            })
    for m, rounds in ratios.items():
        if rounds:
            each = ", ".join(f"{k} {_median([x[k] for x in rounds]):.2f}" for k in rounds[0])
            print(f"this tree / baseline tree, {m} (median of {len(rounds)}): {each}")
    if all(m in rows for m in MODES):
        base, curve, hb_base, hb_curve = (rows[m] for m in MODES)
        print(f"curve/plaintext ratios: events/s {curve['events_per_s'] / base['events_per_s']:.2f}, "
              f"heartbeat capacity {hb_curve['heartbeats_per_s'] / hb_base['heartbeats_per_s']:.2f}, "
              f"server CPU {curve['server_cpu_cores'] / base['server_cpu_cores']:.2f}")


def _ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else float("nan")


def _median(xs: list[float]) -> float:
    s, mid = sorted(xs), len(xs) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


if __name__ == "__main__":
    sys.exit(main())
