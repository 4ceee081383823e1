"""IngestService: the ROUTER thread that receives edge messages and acknowledges them.

One thread owns the ROUTER socket and its monitor socket and hands messages to a
few store worker threads (each edge connection always to the same worker, so its
messages stay in order); replies come back to the socket thread through a queue
and a wake-up pipe. The ZAP authenticator
(CurveZMQ allow-list) runs in pyzmq's ThreadAuthenticator thread. An edge whose
CURVE key is not allowed, or a plaintext client, never gets past the handshake;
both are counted (``rejected_unknown_key_total`` from the ZAP callback,
``rejected_handshake_total`` from the socket monitor). The monitor also counts the
connections that closed (``connections_closed_total``, refused handshakes included: a
link that keeps dropping shows there).

``control`` (server.ingest.control.EdgeControl) sends config pushes and snapshot
requests to connected edges through the same ROUTER; the edges' answers never
reach the store workers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time
from pathlib import Path
from typing import Any

import zmq
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils.monitor import recv_monitor_message

from edge.protocol.keys import AllowedEdge, CurveKeyPair, load_allowed_edges
from edge.protocol.messages import MAX_CHUNK_BYTES, MAX_HEADER_BYTES, Message, MessageType, encode
from server.ingest.control import EdgeControl
from server.ingest.counters import Counters
from server.ingest.handler import IngestHandler
from server.storage import IngestStore

log = logging.getLogger(__name__)

ServerKeys = CurveKeyPair

_HANDSHAKE_FAILURES = (
    zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL | zmq.EVENT_HANDSHAKE_FAILED_AUTH
)


class _AllowList:
    """ZAP credentials provider: allows exactly the configured CURVE keys, counts the rest."""

    def __init__(self, keys: set[bytes], counters: Counters) -> None:
        self.keys = keys
        self.counters = counters

    def callback(self, domain: str, key: bytes) -> bool:
        if key in self.keys:
            return True
        self.counters.add("rejected_unknown_key_total")
        log.warning("refused an edge with an unknown CURVE key %s", key.decode(errors="replace"))
        return False


class IngestService:
    """Receives events, file chunks and heartbeats from edges and stores them.

    ``bind`` is a ZeroMQ endpoint (``tcp://0.0.0.0:5555``; ``tcp://127.0.0.1:*``
    picks a free port, see ``endpoint``). ``allowed_edge_keys`` are folders of
    ``NAME.key_public`` + ``NAME.sign_public`` files, such files, or loaded edges.
    ``keys`` may be ``None`` only with ``insecure=True`` (plaintext, development).
    ``work_dir`` holds partially received files. ``store_workers`` threads call the
    store (which must be thread-safe, as ``server.db.store.DatabaseStore`` is).
    """

    def __init__(
        self,
        store: IngestStore,
        bind: str,
        keys: ServerKeys | None,
        allowed_edge_keys: Path | list[Path] | list[AllowedEdge],
        insecure: bool,
        work_dir: Path,
        heartbeat_flush_s: float = 0.5,
        store_workers: int = 8,
    ) -> None:
        if keys is None and not insecure:
            raise ValueError("server keys are required unless insecure=True")
        edges = (
            list(allowed_edge_keys)
            if isinstance(allowed_edge_keys, list) and all(isinstance(e, AllowedEdge) for e in allowed_edge_keys)
            else load_allowed_edges(allowed_edge_keys)  # type: ignore[arg-type]
        )
        if not insecure and not edges:
            raise ValueError("no allowed edge keys: every edge would be refused")
        self.bind = bind
        self.keys = keys
        self.insecure = insecure
        self._counters = Counters()
        self._handler = IngestHandler(
            store, work_dir, {e.curve_public.decode(): e for e in edges}, insecure, self._counters
        )
        self._curve_keys = {e.curve_public for e in edges}
        self._flush_s = heartbeat_flush_s
        self._ctx: zmq.Context | None = None
        self._auth: ThreadAuthenticator | None = None
        self._router: zmq.Socket | None = None
        self._monitor: zmq.Socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        # Storing is fsync-bound; parallel workers let the filesystem commit many
        # edges' data in one journal flush instead of one edge after another.
        self._work_queues: list[queue.SimpleQueue[tuple[bytes, list[Any]] | None]] = [
            queue.SimpleQueue() for _ in range(store_workers)
        ]
        self._replies: queue.SimpleQueue[tuple[bytes, Message]] = queue.SimpleQueue()
        self._replies_r, self._replies_w = os.pipe()
        os.set_blocking(self._replies_r, False)
        os.set_blocking(self._replies_w, False)
        self._pending = 0
        self._max_pending = 16 * store_workers
        self.endpoint = ""
        self.control = EdgeControl()

    def start(self) -> None:
        """Bind (errors surface here, in the caller's thread) and start the ROUTER thread."""
        if self.insecure:
            log.warning("INSECURE ingest on %s: no encryption, no edge authentication", self.bind)
        self._ctx = zmq.Context()
        router = self._ctx.socket(zmq.ROUTER)
        router.setsockopt(zmq.LINGER, 1000)
        router.setsockopt(zmq.MAXMSGSIZE, MAX_CHUNK_BYTES + MAX_HEADER_BYTES)
        router.setsockopt(zmq.RCVHWM, 64)
        router.setsockopt(zmq.SNDHWM, 1000)
        router.setsockopt(zmq.SNDTIMEO, 0)
        # A control request to an edge that has gone fails at once instead of vanishing.
        router.setsockopt(zmq.ROUTER_MANDATORY, 1)
        if not self.insecure and self.keys is not None:
            self._auth = ThreadAuthenticator(self._ctx, log=logging.getLogger("server.ingest.zap"))
            self._auth.start()
            self._auth.configure_curve_callback("*", _AllowList(self._curve_keys, self._counters))
            router.curve_server = True
            router.curve_publickey = self.keys.public
            router.curve_secretkey = self.keys.secret
        self._monitor = router.get_monitor_socket(_HANDSHAKE_FAILURES | zmq.EVENT_DISCONNECTED)
        try:
            router.bind(self.bind)
        except zmq.ZMQError as exc:
            self._close_all(router)
            raise OSError(f"cannot bind the ingest to {self.bind}: {exc}") from None
        self.endpoint = router.getsockopt_string(zmq.LAST_ENDPOINT)
        self._router = router
        self._thread = threading.Thread(target=self._run, name="ingest-router", daemon=True)
        self._thread.start()
        log.info("ingest listening on %s (%s)", self.endpoint, "plaintext" if self.insecure else "CURVE")

    def stop(self) -> None:
        """Stop the thread, flush the last heartbeats and close every socket."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
            self._thread = None

    def counters(self) -> dict[str, int]:
        return {**self._counters.snapshot(), **self.control.counters()}

    def _close_all(self, router: zmq.Socket) -> None:
        if self._monitor is not None:
            router.disable_monitor()
            self._monitor.close(linger=0)
            self._monitor = None
        router.close()
        if self._auth is not None:
            self._auth.stop()
            self._auth = None
        if self._ctx is not None:
            self._ctx.term()
            self._ctx = None

    def _run(self) -> None:
        router, monitor = self._router, self._monitor
        assert router is not None and monitor is not None
        workers = [
            threading.Thread(target=self._work, args=(q,), name=f"ingest-store-{i}", daemon=True)
            for i, q in enumerate(self._work_queues)
        ]
        for w in workers:
            w.start()
        poller = zmq.Poller()
        poller.register(monitor, zmq.POLLIN)
        poller.register(self._replies_r, zmq.POLLIN)
        poller.register(self.control.wake_fd, zmq.POLLIN)
        reading = False
        next_flush = time.monotonic() + self._flush_s
        try:
            while not self._stop.is_set():
                # Stop reading while the workers are saturated: ZeroMQ's high-water
                # marks then push back on the edges instead of memory growing here.
                if reading != (self._pending < self._max_pending):
                    reading = not reading
                    (poller.register if reading else poller.unregister)(router, *([zmq.POLLIN] if reading else []))
                for sock, _ in poller.poll(100):
                    if sock is router:
                        self._dispatch(router)
                    elif sock is monitor:
                        self._on_monitor(monitor)
                    elif sock == self.control.wake_fd:
                        self.control.send_pending(router)
                    else:
                        self._send_replies(router)
                if time.monotonic() >= next_flush:
                    self._handler.flush_heartbeats()
                    next_flush = time.monotonic() + self._flush_s
        finally:
            for q in self._work_queues:
                q.put(None)
            for w in workers:
                w.join(timeout=10.0)
            self._send_replies(router)
            self._handler.flush_heartbeats()
            self._close_all(router)
            self.control.close()
            os.close(self._replies_r)
            os.close(self._replies_w)

    def _dispatch(self, router: zmq.Socket) -> None:
        """Hand received messages to the store workers, one worker per edge connection
        so that an edge's messages are handled in the order it sent them."""
        while self._pending < self._max_pending:
            try:
                frames = router.recv_multipart(zmq.NOBLOCK, copy=False)
            except zmq.Again:
                return
            routing_id = frames[0].bytes
            if len(frames) > 1 and self.control.is_reply(frames[1].buffer):
                self.control.on_reply(routing_id, frames[1:])
                continue
            self._pending += 1
            self._work_queues[hash(routing_id) % len(self._work_queues)].put((routing_id, frames[1:]))

    def _work(self, work: queue.SimpleQueue[tuple[bytes, list[Any]] | None]) -> None:
        while (job := work.get()) is not None:
            routing_id, body = job
            reply = self._handle(body)
            if reply.type is MessageType.ACK and body:
                self.control.observe(routing_id, body[0].buffer, self._user_id(body))
            self._replies.put((routing_id, reply))
            with contextlib.suppress(BlockingIOError):  # already woken
                os.write(self._replies_w, b"\0")

    def _send_replies(self, router: zmq.Socket) -> None:
        with contextlib.suppress(BlockingIOError):
            os.read(self._replies_r, 65536)
        while True:
            try:
                routing_id, reply = self._replies.get_nowait()
            except queue.Empty:
                return
            self._pending -= 1
            # A peer that is gone or whose queue is full retries on its ack timeout.
            with contextlib.suppress(zmq.ZMQError):
                router.send_multipart([routing_id, *encode(reply)], flags=zmq.NOBLOCK)

    def _user_id(self, body: list[Any]) -> str:
        """The ZAP User-Id (the edge's CURVE public key); '' when insecure."""
        if self.insecure or not body:
            return ""
        return str(body[0].get("User-Id") or "")

    def _handle(self, body: list[Any]) -> Message:
        user_id = self._user_id(body)
        try:
            return self._handler.handle([f.buffer for f in body], user_id)
        except Exception:
            # A bug must not take the ingest down; the sender retries later.
            self._counters.add("internal_errors_total")
            log.exception("ingest failed on a message")
            return Message(MessageType.NACK, 0, "", {"reason": "internal_error", "retry": True})

    def _on_monitor(self, monitor: zmq.Socket) -> None:
        while True:
            try:
                event = recv_monitor_message(monitor, zmq.NOBLOCK)
            except zmq.Again:
                return
            if event["event"] & _HANDSHAKE_FAILURES:
                self._counters.add("rejected_handshake_total")
                log.warning("handshake refused from %s (event %d)", event.get("endpoint"), event["event"])
            elif event["event"] == zmq.EVENT_DISCONNECTED:
                self._counters.add("connections_closed_total")
