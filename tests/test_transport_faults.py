"""Fault tests with real processes: kill -9 either side, lose and duplicate messages.

In every case the server's database is counted at the end: every event and every
clip exactly once, none lost, none duplicated.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import zmq

from edge.spool.spool import Spool
from tests.link_helpers import counts, free_port, make_keys, make_link, open_store, start_service
from tests.transport_procs import spool_events

PROCS = Path(__file__).with_name("transport_procs.py")


def _server(tmp: Path, keys: Path, port: int) -> subprocess.Popen:
    (tmp / "endpoint").unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, str(PROCS), "server", str(tmp), f"tcp://127.0.0.1:{port}", str(keys)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not (tmp / "endpoint").exists():
        assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    return proc


def _edge(tmp: Path, keys: Path, port: int, n: int, size: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(PROCS), "edge", str(tmp), f"tcp://127.0.0.1:{port}", str(keys), str(n), str(size)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def _kill9(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)


def test_server_killed_in_the_middle_of_a_clip_transfer(tmp_path: Path) -> None:
    keys = make_keys(tmp_path / "keys")
    port = free_port()
    server = _server(tmp_path, keys, port)
    edge = _edge(tmp_path, keys, port, 5, 2_000_000)
    try:
        partial = tmp_path / "work" / "partial"
        deadline = time.monotonic() + 30
        while not any(p.is_file() and p.stat().st_size > 0 for p in partial.rglob("*")):
            assert time.monotonic() < deadline, "no clip transfer started"
            time.sleep(0.01)
        _kill9(server)  # mid-clip: a partial file is on disk, unacknowledged chunks in flight
        time.sleep(0.5)
        server = _server(tmp_path, keys, port)
        assert edge.wait(60) == 0
    finally:
        for p in (edge, server):
            if p.poll() is None:
                _kill9(p)
    _, db = open_store(tmp_path)
    assert counts(db) == (5, 5, 5)
    db.close()


def test_edge_killed_with_a_full_spool_then_restarted(tmp_path: Path) -> None:
    keys = make_keys(tmp_path / "keys")
    port = free_port()
    edge = _edge(tmp_path, keys, port, 8, 200_000)  # no server yet: everything stays spooled
    deadline = time.monotonic() + 30
    while not (tmp_path / "spooled").exists():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)
    _kill9(edge)
    assert Spool(tmp_path / "spool", 1 << 30).stats()["depth"] == 16
    server = _server(tmp_path, keys, port)
    try:
        edge = _edge(tmp_path, keys, port, 8, 200_000)
        assert edge.wait(60) == 0
    finally:
        for p in (edge, server):
            if p.poll() is None:
                _kill9(p)
    _, db = open_store(tmp_path)
    assert counts(db) == (8, 8, 8)
    db.close()


class LossyProxy:
    """A real ZeroMQ hop between edges and server that drops and duplicates messages
    in both directions (plaintext, so it can read routing ids)."""

    def __init__(self, upstream: str, drop: float, dup: float, seed: int = 1) -> None:
        self.ctx = zmq.Context()
        self.front = self.ctx.socket(zmq.ROUTER)
        self.port = self.front.bind_to_random_port("tcp://127.0.0.1")
        self.upstream, self.drop, self.dup = upstream, drop, dup
        self.rng = random.Random(seed)
        self.dropped = self.duplicated = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _copies(self) -> int:
        r = self.rng.random()
        if r < self.drop:
            self.dropped += 1
            return 0
        if r < self.drop + self.dup:
            self.duplicated += 1
            return 2
        return 1

    def _run(self) -> None:
        backs: dict[bytes, zmq.Socket] = {}
        poller = zmq.Poller()
        poller.register(self.front, zmq.POLLIN)
        while not self._stop.is_set():
            for sock, _ in poller.poll(50):
                frames = sock.recv_multipart()
                if sock is self.front:
                    rid, body = frames[0], frames[1:]
                    if rid not in backs:
                        backs[rid] = self.ctx.socket(zmq.DEALER)
                        backs[rid].connect(self.upstream)
                        poller.register(backs[rid], zmq.POLLIN)
                    for _ in range(self._copies()):
                        backs[rid].send_multipart(body)
                else:
                    rid = next(r for r, b in backs.items() if b is sock)
                    for _ in range(self._copies()):
                        self.front.send_multipart([rid, *frames])
        for b in backs.values():
            b.close(linger=0)
        self.front.close(linger=0)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.ctx.term()


def test_dropped_and_duplicated_messages_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    keys = make_keys(tmp_path / "keys")
    store, db = open_store(tmp_path)
    service = start_service(store, keys, tmp_path / "work", insecure=True)
    proxy = LossyProxy(service.endpoint, drop=0.15, dup=0.15)
    spool = Spool(tmp_path / "spool", 1 << 30)
    spool_events(spool, keys / "edge1.sign", 10, 150_000)
    link = make_link(spool, f"tcp://127.0.0.1:{proxy.port}", None, ack_timeout_s=0.3, backoff_cap_s=0.3)
    link.start()
    try:
        assert link.wait_drained(40.0), (link.stats, spool.stats())
    finally:
        link.stop()
        proxy.close()
        service.stop()
    assert proxy.dropped > 10 and proxy.duplicated > 10
    assert counts(db) == (10, 10, 10)
    c = service.counters()
    assert c["events_ingested_total"] == 10 and c["files_ingested_total"] == 10
    db.close()
