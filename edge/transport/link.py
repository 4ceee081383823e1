"""EdgeLink: one thread owns the DEALER socket, drains the spool and sends heartbeats.

Nothing here blocks the caller: ``wake()`` only writes a byte to a pipe the link
thread polls. Items leave the spool only when the server acknowledges them (after it
stored them durably). Files go in chunks, several in flight; the server's ack says
how many bytes it holds (``have``), so a transfer resumes where the server stands
after either side restarted. Missing or negative replies are retried with
exponential backoff and jitter; a reply to a message that was already given up on
(an old ``seq`` or an old transfer generation) is ignored, which makes duplicated
and late replies harmless.

The server may also send control requests (config push, snapshot request) down
the same connection: the link hands them to ``on_request`` (which must not block)
and sends whatever answer is later given to ``send_reply``. Only the server this
DEALER connected to (and, with CURVE, authenticated) can reach it, and inbound
messages are capped at the header size limit.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import zmq

from edge.protocol.keys import CurveKeyPair
from edge.protocol.messages import (
    CONTROL_REQUESTS,
    DEFAULT_CHUNK_BYTES,
    MAX_HEADER_BYTES,
    Message,
    MessageType,
    ProtocolError,
    control_refusal,
    decode,
    encode,
)
from edge.spool.spool import Spool, SpoolItem
from edge.transport.backoff import backoff_s

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkConfig:
    """Timing and flow limits. Seconds for times, bytes for sizes."""

    endpoint: str
    camera_id: str
    heartbeat_s: float = 10.0
    ack_timeout_s: float = 5.0
    window: int = 8
    max_transfers: int = 4
    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    backoff_base_s: float = 0.2
    backoff_cap_s: float = 10.0
    linger_ms: int = 200


@dataclass
class LinkStats:
    messages_sent: int = 0
    acks: int = 0
    nacks: int = 0
    timeouts: int = 0
    retries: int = 0
    items_delivered: int = 0
    items_rejected: int = 0
    heartbeats_sent: int = 0
    heartbeats_acked: int = 0
    not_connected: int = 0
    malformed_received: int = 0
    control_requests: int = 0
    control_replies_sent: int = 0
    control_replies_dropped: int = 0
    last_ack_wall_s: float | None = None
    last_heartbeat_rtt_s: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Transfer:
    item: SpoolItem
    size: int
    acked_offset: int = 0
    next_offset: int = 0
    attempts: int = 0
    not_before: float = 0.0
    gen: int = 0
    inflight: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class _Sent:
    item_id: int
    gen: int
    sent_at: float


class EdgeLink:
    """Drains ``spool`` to the server at ``config.endpoint``.

    ``curve`` holds the edge's key pair and ``server_public`` the server's public
    key (both z85); ``None`` for both means plaintext (``--insecure``).
    ``heartbeat_fn`` returns the heartbeat's stats; it runs on the link thread.
    ``on_request`` receives the server's control requests on the link thread; without
    it they are refused.
    """

    def __init__(
        self,
        spool: Spool,
        config: LinkConfig,
        heartbeat_fn: Callable[[], dict[str, Any]],
        curve: CurveKeyPair | None,
        server_public: bytes | None,
        context: zmq.Context | None = None,
        on_request: Callable[[Message], None] | None = None,
    ) -> None:
        if (curve is None) != (server_public is None):
            raise ValueError("give both the edge key pair and the server public key, or neither")
        self.spool = spool
        self.config = config
        self.stats = LinkStats()
        self._heartbeat_fn = heartbeat_fn
        self._curve = curve
        self._server_public = server_public
        self._ctx = context or zmq.Context.instance()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self._thread = threading.Thread(target=self._run, name="edge-link", daemon=True)
        self._transfers: dict[int, _Transfer] = {}
        self._inflight: dict[int, _Sent] = {}
        self._heartbeats: dict[int, float] = {}
        self._seq = 0
        self._on_request = on_request
        self._outgoing: deque[Message] = deque()  # answers to control requests, any thread appends
        self._heartbeat_now = threading.Event()

    # -- caller side -------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Tell the link that the spool has new items (never blocks)."""
        with contextlib.suppress(BlockingIOError):  # the pipe is full of wake-ups already
            os.write(self._wake_w, b"\0")

    def send_reply(self, reply: Message) -> None:
        """Queue the answer to a control request for the link thread (never blocks)."""
        self._outgoing.append(reply)
        self.wake()

    def heartbeat_soon(self) -> None:
        """Send the next heartbeat now instead of at its interval (after a config change)."""
        self._heartbeat_now.set()
        self.wake()

    def wait_drained(self, timeout_s: float) -> bool:
        """Wait until the spool is empty and nothing is in flight; False on timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._idle.clear()
            self.wake()
            if self._idle.wait(min(0.5, max(0.0, deadline - time.monotonic()))) and self.spool.stats()["depth"] == 0:
                return True
        return False

    def stop(self) -> None:
        """Stop the thread; unacknowledged items stay in the spool for the next start."""
        self._stop.set()
        self.wake()
        if self._thread.is_alive():
            self._thread.join(timeout=10.0)
        os.close(self._wake_r)
        os.close(self._wake_w)

    # -- link thread -------------------------------------------------------
    def _socket(self) -> zmq.Socket:
        sock = self._ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, self.config.linger_ms)
        sock.setsockopt(zmq.IMMEDIATE, 1)  # queue nothing towards a server that is not there
        sock.setsockopt(zmq.RECONNECT_IVL, 100)
        sock.setsockopt(zmq.RECONNECT_IVL_MAX, 5000)
        sock.setsockopt(zmq.SNDHWM, 1000)
        sock.setsockopt(zmq.SNDTIMEO, 0)
        # Acks and control requests are header-only; libzmq drops a connection that
        # sends more, before Python ever sees it.
        sock.setsockopt(zmq.MAXMSGSIZE, MAX_HEADER_BYTES)
        if self._curve is not None and self._server_public is not None:
            sock.curve_publickey = self._curve.public
            sock.curve_secretkey = self._curve.secret
            sock.curve_serverkey = self._server_public
        sock.connect(self.config.endpoint)
        return sock

    def _run(self) -> None:
        sock = self._socket()
        poller = zmq.Poller()
        poller.register(sock, zmq.POLLIN)
        poller.register(self._wake_r, zmq.POLLIN)
        next_heartbeat = time.monotonic()
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                if now >= next_heartbeat or self._heartbeat_now.is_set():
                    self._heartbeat_now.clear()
                    self._send_heartbeat(sock, now)
                    next_heartbeat = now + self.config.heartbeat_s
                self._send_outgoing(sock)
                self._refill()
                self._pump(sock, now)
                if not self._transfers and not self._inflight:
                    self._idle.set()
                wait_s = min(next_heartbeat - now, 0.25)
                for s, _ in poller.poll(max(1, int(wait_s * 1000))):
                    if s is sock:
                        self._receive(sock)
                    else:
                        os.read(self._wake_r, 4096)
                self._expire(time.monotonic())
        except Exception:
            log.exception("edge link thread failed")
            raise
        finally:
            sock.close()

    def _refill(self) -> None:
        free = self.config.max_transfers - len(self._transfers)
        if free <= 0:
            return
        for item in self.spool.next_items(free, exclude=set(self._transfers)):
            if item.kind == "event":
                self._transfers[item.item_id] = _Transfer(item, size=1)
                continue
            try:
                size = item.file_size_bytes
            except OSError:
                log.error("spool file of %s/%s vanished; dropping it", item.event_id, item.name)
                self.spool.drop_lost(item.item_id)
                continue
            self._transfers[item.item_id] = _Transfer(item, size=size)

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _send(self, sock: zmq.Socket, msg: Message) -> bool:
        try:
            sock.send_multipart(encode(msg), flags=zmq.NOBLOCK, copy=False)
        except zmq.Again:
            self.stats.not_connected += 1
            return False
        self.stats.messages_sent += 1
        return True

    def _message_for(self, t: _Transfer, seq: int) -> Message | None:
        item = t.item
        if item.kind == "event":
            return Message(MessageType.EVENT, seq, item.event_id, dict(item.body))
        assert item.path is not None
        n = min(self.config.chunk_bytes, t.size - t.next_offset)
        try:
            with open(item.path, "rb") as f:
                f.seek(t.next_offset)
                data = f.read(n)
        except OSError:
            return None
        fields = {
            "file_kind": item.file_kind,
            "name": item.name,
            "size": t.size,
            "sha256": item.sha256,
            "offset": t.next_offset,
            **item.body,
        }
        return Message(MessageType.CHUNK, seq, item.event_id, fields, data)

    def _pump(self, sock: zmq.Socket, now: float) -> None:
        for item_id, t in list(self._transfers.items()):
            while t.not_before <= now and t.next_offset < t.size and len(self._inflight) < self.config.window:
                seq = self._next_seq()
                msg = self._message_for(t, seq)
                if msg is None:
                    log.error("spool file of %s/%s unreadable; dropping it", t.item.event_id, t.item.name)
                    self.spool.drop_lost(item_id)
                    self._forget(item_id)
                    break
                if not self._send(sock, msg):
                    return
                self._inflight[seq] = _Sent(item_id, t.gen, now)
                t.inflight.add(seq)
                t.next_offset += len(msg.payload) if msg.payload is not None else 1

    def _send_heartbeat(self, sock: zmq.Socket, now: float) -> None:
        seq = self._next_seq()
        try:
            stats = self._heartbeat_fn()
        except Exception:
            log.exception("building the heartbeat failed")
            return
        msg = Message(MessageType.HEARTBEAT, seq, "", {"camera_id": self.config.camera_id, "stats": stats})
        if self._send(sock, msg):
            self.stats.heartbeats_sent += 1
            self._heartbeats[seq] = now
            for old in [s for s, t0 in self._heartbeats.items() if now - t0 > 60.0]:
                del self._heartbeats[old]

    def _receive(self, sock: zmq.Socket) -> None:
        while True:
            try:
                frames = sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            try:
                reply = decode(frames)
            except ProtocolError as exc:
                self.stats.malformed_received += 1
                log.warning("ignoring a malformed message from the server: %s", exc)
                continue
            if reply.type in CONTROL_REQUESTS:
                self._on_control(reply)
            elif reply.type in (MessageType.ACK, MessageType.NACK):
                self._on_reply(reply, time.monotonic())
            else:
                self.stats.malformed_received += 1
                log.warning("ignoring a %s message from the server: it only sends replies and requests",
                            reply.type.value)

    def _on_control(self, request: Message) -> None:
        self.stats.control_requests += 1
        if self._on_request is None:
            self.send_reply(control_refusal(request, "this edge does not take control requests"))
            return
        try:
            self._on_request(request)
        except Exception as exc:  # a bug in the node must not take the link down
            log.exception("control request %s failed", request.type.value)
            self.send_reply(control_refusal(request, f"edge error: {exc}"))

    def _send_outgoing(self, sock: zmq.Socket) -> None:
        while self._outgoing:
            reply = self._outgoing.popleft()
            if self._send(sock, reply):
                self.stats.control_replies_sent += 1
            else:  # the server is gone; it times the request out and may ask again
                self.stats.control_replies_dropped += 1

    def _forget(self, item_id: int) -> None:
        t = self._transfers.pop(item_id, None)
        if t is not None:
            for seq in t.inflight:
                self._inflight.pop(seq, None)

    def _rewind(self, t: _Transfer, offset: int) -> None:
        """Give up on what is in flight for ``t`` and continue from ``offset``."""
        for seq in t.inflight:
            self._inflight.pop(seq, None)
        t.inflight.clear()
        t.gen += 1
        t.acked_offset = t.next_offset = offset

    def _on_reply(self, reply: Message, now: float) -> None:
        if reply.seq in self._heartbeats:
            sent_at = self._heartbeats.pop(reply.seq)
            self.stats.heartbeats_acked += 1
            self.stats.last_heartbeat_rtt_s = now - sent_at
            self.stats.last_ack_wall_s = time.time()
            return
        sent = self._inflight.pop(reply.seq, None)
        if sent is None:
            return  # duplicate or late reply
        t = self._transfers.get(sent.item_id)
        if t is None or t.gen != sent.gen:
            return
        t.inflight.discard(reply.seq)
        self.stats.last_ack_wall_s = time.time()
        if reply.type is MessageType.ACK:
            self.stats.acks += 1
            t.attempts = 0
            have = reply.fields.get("have")
            if t.item.kind == "event" or reply.fields.get("done"):
                self.spool.ack(sent.item_id)
                self._forget(sent.item_id)
                self.stats.items_delivered += 1
            elif isinstance(have, int) and have > t.acked_offset:
                t.acked_offset = have
                t.next_offset = max(t.next_offset, have)
            return
        self.stats.nacks += 1
        reason = reply.fields.get("reason", "?")
        have = reply.fields.get("have")
        resume = have if isinstance(have, int) and 0 <= have < t.size else t.acked_offset
        if reason == "gap":
            self._rewind(t, resume)
        elif reply.fields.get("retry"):
            self._rewind(t, resume)
            self._retry_later(t, now)
            log.warning("server deferred %s/%s: %s", t.item.event_id, t.item.name or "event", reason)
        else:
            log.error("server rejected %s/%s for good: %s", t.item.event_id, t.item.name or "event", reason)
            self.spool.drop_rejected(sent.item_id)
            self._forget(sent.item_id)
            self.stats.items_rejected += 1

    def _retry_later(self, t: _Transfer, now: float) -> None:
        t.attempts += 1
        self.stats.retries += 1
        t.not_before = now + backoff_s(t.attempts, self.config.backoff_base_s, self.config.backoff_cap_s)

    def _expire(self, now: float) -> None:
        late = {s.item_id for s in self._inflight.values() if now - s.sent_at > self.config.ack_timeout_s}
        for item_id in late:
            t = self._transfers.get(item_id)
            if t is None:
                continue
            self.stats.timeouts += 1
            self._rewind(t, t.acked_offset)
            self._retry_later(t, now)
