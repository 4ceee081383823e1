"""EdgeControl: server -> edge requests (config push, snapshot, running config) over the
ingest's ROUTER.

The ROUTER socket stays owned by the ingest thread. Callers (FastAPI request
threads) queue a request and wait on an event; the ingest thread sends the queue
(``send_pending``, woken through ``wake_fd``) and hands the edges' answers to
``on_reply``. The store workers call ``observe`` for every heartbeat and event the
ingest acknowledged, i.e. traffic from a connection that passed the CURVE
allow-list; that is the only way a camera_id gets a ROUTER identity, so requests
only ever go to an authenticated edge. A camera stays pinned to the edge key that
claimed it while that edge is alive, so one allowed edge cannot pull another
camera's config or imagery by sending heartbeats in its name.

Edges answer with their own encoder, which writes ``v`` and ``type`` first; the
ingest thread therefore recognises an answer by its first bytes (``is_reply``)
without parsing every chunk's JSON. An answer written otherwise goes to the
ingest handler, which counts it as an unknown type.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import queue
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import zmq

from edge.config.camera import ConfigError, config_digest, parse_camera_yaml
from edge.protocol.messages import (
    CONTROL_REPLIES,
    MAX_CONFIG_BYTES,
    SCHEMA_VERSION,
    Message,
    MessageType,
    ProtocolError,
    decode,
    encode,
    valid_id,
)

log = logging.getLogger(__name__)

LatestProvider = Callable[[str], "tuple[int, str] | None"]

_REPLY_PREFIXES = tuple(
    f'{{"v":{SCHEMA_VERSION},"type":"{t.value}"'.encode() for t in CONTROL_REPLIES
)
_OBSERVED_PREFIXES = tuple(
    f'{{"v":{SCHEMA_VERSION},"type":"{t.value}"'.encode() for t in (MessageType.HEARTBEAT, MessageType.EVENT)
)
_PREFIX_BYTES = max(len(p) for p in _REPLY_PREFIXES + _OBSERVED_PREFIXES)

COUNTER_NAMES = (
    "control_requests_total",
    "control_replies_total",
    "control_timeouts_total",
    "control_unreachable_total",
    "control_rejected_malformed_total",
    "control_unexpected_replies_total",
    "control_camera_conflicts_total",
    "config_pushes_applied_total",
    "config_pushes_refused_total",
    "config_catchup_pushes_total",
    "snapshots_total",
    "snapshots_refused_total",
    "running_configs_total",
    "running_configs_refused_total",
)


class EdgeUnavailable(Exception):
    """No authenticated edge for that camera is connected, or it refused the request."""


@dataclass(frozen=True)
class ConfigResult:
    """The edge's answer to a push: ``config_version`` is the digest it runs now."""

    applied: bool
    config_version: str
    error: str | None


@dataclass(frozen=True)
class RunningConfigReply:
    """What an edge runs now: ``yaml_text`` as loaded or pushed (a relative ``source``
    still relative; an RTSP password in it as written, so keep it out of pages and logs),
    ``config_version`` the digest it reports, ``version`` the server's number of a
    pushed config (None: the edge's ``--config`` file)."""

    yaml_text: str
    config_version: str
    version: int | None


@dataclass
class _Peer:
    routing_id: bytes
    user_id: str
    seen_at_s: float
    config_version: str | None = None


@dataclass
class _Pending:
    camera_id: str
    routing_id: bytes
    expect: MessageType
    done: threading.Event = field(default_factory=threading.Event)
    reply: Message | None = None
    failure: str | None = None


class EdgeControl:
    """Thread-safe requests to edges. ``stale_after_s``: an edge not heard from for
    this long counts as gone (edges heartbeat every 10 s by default)."""

    def __init__(self, stale_after_s: float = 45.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.stale_after_s = stale_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._peers: dict[str, _Peer] = {}
        self._pending: dict[int, _Pending] = {}
        self._outbox: deque[tuple[bytes, int, list[bytes | memoryview]]] = deque()
        self._seq = itertools.count(1)
        self._counts: Counter[str] = Counter(dict.fromkeys(COUNTER_NAMES, 0))
        self._conflicts_logged: set[tuple[str, str]] = set()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._latest: LatestProvider | None = None
        self._pushed: set[tuple[bytes, int]] = set()  # (connection, version) already sent
        self._catchup: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._catchup_thread: threading.Thread | None = None
        self._closed = False

    # -- request threads -----------------------------------------------------
    def connected(self, camera_id: str) -> bool:
        """An authenticated edge for ``camera_id`` was heard from within ``stale_after_s``."""
        with self._lock:
            return self._live_peer(camera_id) is not None

    def reported_config_version(self, camera_id: str) -> str | None:
        """The config digest the camera's edge reported in its last heartbeat."""
        with self._lock:
            peer = self._live_peer(camera_id)
            return peer.config_version if peer is not None else None

    def push_config(self, camera_id: str, yaml_text: str, version: int, timeout_s: float = 10.0) -> ConfigResult:
        """Send ``yaml_text`` (config ``version``) to the camera's edge and wait for its answer.

        Raises EdgeUnavailable (no edge known, or it disconnected) or TimeoutError.
        """
        if len(yaml_text.encode()) > MAX_CONFIG_BYTES:
            raise ValueError(f"the config YAML is over {MAX_CONFIG_BYTES} bytes")
        if not 1 <= version < 2**31:
            raise ValueError(f"config version must be a positive 32-bit integer, got {version}")
        fields = {"camera_id": camera_id, "version": version, "yaml": yaml_text}
        reply = self._request(camera_id, MessageType.CONFIG_PUSH, fields, MessageType.CONFIG_RESULT, timeout_s,
                              version=version)
        f = reply.fields
        result = ConfigResult(bool(f["applied"]), str(f["config_version"]), f.get("error"))
        self._count("config_pushes_applied_total" if result.applied else "config_pushes_refused_total")
        return result

    def request_snapshot(self, camera_id: str, timeout_s: float = 10.0) -> bytes:
        """A fresh JPEG of the camera's current frame, anonymised on the edge.

        Raises EdgeUnavailable (no edge, or the edge withholds imagery because its
        privacy stage cannot run) or TimeoutError.
        """
        reply = self._request(camera_id, MessageType.SNAPSHOT_REQUEST, {"camera_id": camera_id},
                              MessageType.SNAPSHOT, timeout_s)
        if not reply.fields["ok"]:
            self._count("snapshots_refused_total")
            raise EdgeUnavailable(f"camera {camera_id}: {reply.fields.get('error') or 'snapshot refused'}")
        self._count("snapshots_total")
        assert reply.payload is not None
        return bytes(reply.payload)

    def request_running_config(self, camera_id: str, timeout_s: float = 10.0) -> RunningConfigReply:
        """The config YAML the camera's edge runs now, and its digest.

        Raises EdgeUnavailable (no edge, or it refused: e.g. a config too large for the
        link) or TimeoutError.
        """
        reply = self._request(camera_id, MessageType.RUNNING_CONFIG_REQUEST, {"camera_id": camera_id},
                              MessageType.RUNNING_CONFIG, timeout_s)
        f = reply.fields
        if not f["ok"]:
            self._count("running_configs_refused_total")
            raise EdgeUnavailable(f"camera {camera_id}: {f.get('error') or 'running config refused'}")
        self._count("running_configs_total")
        return RunningConfigReply(str(f["yaml"]), str(f["config_version"]), f.get("version"))

    def set_latest_provider(self, fn: LatestProvider) -> None:
        """``fn(camera_id)`` -> the latest saved ``(version, yaml)`` or None. When an edge
        reports another config digest, that version is pushed to it once per connection,
        so an edge that was offline at save time catches up."""
        with self._lock:
            self._latest = fn
            if self._catchup_thread is None and not self._closed:
                self._catchup_thread = threading.Thread(target=self._catchup_loop, name="config-catchup",
                                                        daemon=True)
                self._catchup_thread.start()

    def counters(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def _count(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1

    def _live_peer(self, camera_id: str) -> _Peer | None:
        peer = self._peers.get(camera_id)
        if peer is None or self._clock() - peer.seen_at_s > self.stale_after_s:
            return None
        return peer

    def _request(
        self, camera_id: str, kind: MessageType, fields: dict[str, Any], expect: MessageType, timeout_s: float,
        version: int | None = None,
    ) -> Message:
        if not valid_id(camera_id):
            raise ValueError(f"camera_id {camera_id!r} must match [A-Za-z0-9][A-Za-z0-9._-]{{0,63}}")
        seq = next(self._seq)
        try:
            frames = encode(Message(kind, seq, "", fields))
        except ProtocolError as exc:  # e.g. a YAML whose JSON escaping outgrows the header limit
            raise ValueError(f"cannot send this request: {exc.detail}") from None
        with self._lock:
            if self._closed:
                raise EdgeUnavailable("the ingest is stopped")
            peer = self._live_peer(camera_id)
            if peer is None:
                raise EdgeUnavailable(
                    f"no edge for camera {camera_id} has been heard from in the last {self.stale_after_s:.0f} s"
                )
            pending = _Pending(camera_id, peer.routing_id, expect)
            self._pending[seq] = pending
            self._outbox.append((peer.routing_id, seq, frames))
            self._counts["control_requests_total"] += 1
            if version is not None:
                self._pushed.add((peer.routing_id, version))
            self._wake()  # under the lock: close() cannot have closed the pipe
        try:
            if not pending.done.wait(timeout_s):
                self._count("control_timeouts_total")
                raise TimeoutError(f"the edge of camera {camera_id} did not answer within {timeout_s:g} s")
        finally:
            with self._lock:
                self._pending.pop(seq, None)
        if pending.failure is not None:
            raise EdgeUnavailable(f"camera {camera_id}: {pending.failure}")
        assert pending.reply is not None
        return pending.reply

    def _wake(self) -> None:
        with contextlib.suppress(BlockingIOError):  # already woken
            os.write(self._wake_w, b"\0")

    # -- ingest thread ---------------------------------------------------------
    @property
    def wake_fd(self) -> int:
        """Readable when requests wait to be sent; the ingest thread polls it."""
        return self._wake_r

    @staticmethod
    def is_reply(head: Any) -> bool:
        """Whether a message's header frame is an edge's answer to a control request."""
        return bytes(memoryview(head)[:_PREFIX_BYTES]).startswith(_REPLY_PREFIXES)

    def send_pending(self, router: zmq.Socket) -> None:
        """Send queued requests (ingest thread only)."""
        with contextlib.suppress(BlockingIOError):
            os.read(self._wake_r, 65536)
        while True:
            with self._lock:
                if not self._outbox:
                    return
                routing_id, seq, frames = self._outbox.popleft()
            try:
                router.send_multipart([routing_id, *frames], flags=zmq.NOBLOCK)
            except zmq.ZMQError as exc:
                # EHOSTUNREACH: that connection is gone (the router is mandatory);
                # EAGAIN: its queue is full. Either way the caller hears it now.
                self._fail(seq, f"the edge is not reachable ({exc.strerror})")

    def _fail(self, seq: int, why: str) -> None:
        with self._lock:
            pending = self._pending.get(seq)
            self._counts["control_unreachable_total"] += 1
        if pending is not None:
            pending.failure = why
            pending.done.set()

    def on_reply(self, routing_id: bytes, frames: list[Any]) -> None:
        """An edge's answer (ingest thread): match it to the waiting request."""
        try:
            msg = decode([f.buffer if isinstance(f, zmq.Frame) else f for f in frames])
        except ProtocolError as exc:
            self._count("control_rejected_malformed_total")
            log.warning("malformed control answer from an edge: %s", exc)
            return
        if msg.payload is not None:  # the frame's buffer is reused once we return
            msg = Message(msg.type, msg.seq, msg.event_id, msg.fields, bytes(msg.payload))
        with self._lock:
            pending = self._pending.get(msg.seq)
            valid = (
                pending is not None
                and pending.routing_id == routing_id
                and pending.expect is msg.type
                and msg.fields.get("camera_id") == pending.camera_id
                and (msg.type is not MessageType.SNAPSHOT or not msg.fields["ok"] or _is_jpeg(msg.payload))
            )
            self._counts["control_replies_total" if valid else "control_unexpected_replies_total"] += 1
        if not valid or pending is None:
            log.warning("ignoring a %s answer (seq %d) that matches no waiting request", msg.type.value, msg.seq)
            return
        pending.reply = msg
        pending.done.set()

    # -- store workers -------------------------------------------------------------
    def observe(self, routing_id: bytes, head: Any, user_id: str) -> None:
        """Note which connection speaks for which camera, from a heartbeat or event the
        ingest accepted (``user_id``: the edge's CURVE key, '' when insecure)."""
        if not bytes(memoryview(head)[:_PREFIX_BYTES]).startswith(_OBSERVED_PREFIXES):
            return
        try:
            fields = json.loads(bytes(head))
        except ValueError:
            return
        if fields.get("type") == MessageType.HEARTBEAT.value:
            camera_id = fields.get("camera_id")
            version = (fields.get("stats") or {}).get("config_version")
        else:
            camera_id = (fields.get("event") or {}).get("camera_id")
            version = None
        if not isinstance(camera_id, str) or not valid_id(camera_id):
            return
        check = False
        with self._lock:
            peer = self._peers.get(camera_id)
            now = self._clock()
            if peer is not None and peer.user_id != user_id and now - peer.seen_at_s <= self.stale_after_s:
                self._counts["control_camera_conflicts_total"] += 1
                if (camera_id, user_id) not in self._conflicts_logged:
                    self._conflicts_logged.add((camera_id, user_id))
                    log.warning("camera %s is claimed by a second edge key while its edge is alive; ignored",
                                camera_id)
                return
            if peer is None or peer.routing_id != routing_id or peer.user_id != user_id:
                peer = self._peers[camera_id] = _Peer(routing_id, user_id, now)
                check = True
            peer.seen_at_s = now
            if isinstance(version, str) and version != peer.config_version:
                peer.config_version = version
                check = True
            check = check and self._latest is not None and peer.config_version is not None
        if check:
            self._catchup.put(camera_id)

    # -- catch-up thread -----------------------------------------------------------
    def _catchup_loop(self) -> None:
        while (camera_id := self._catchup.get()) is not None:
            try:
                self._catch_up(camera_id)
            except Exception:  # a broken provider must not end catch-up for every camera
                log.exception("config catch-up for %s failed", camera_id)

    def _catch_up(self, camera_id: str) -> None:
        provider = self._latest
        latest = provider(camera_id) if provider is not None else None
        if latest is None:
            return
        version, yaml_text = latest
        try:
            digest = config_digest(parse_camera_yaml(yaml_text, f"{camera_id} v{version}"))
        except ConfigError as exc:
            log.error("the latest saved config of %s does not load, not pushing it: %s", camera_id, exc)
            return
        with self._lock:
            peer = self._live_peer(camera_id)
            if peer is None or peer.config_version == digest or (peer.routing_id, version) in self._pushed:
                return
            self._counts["config_catchup_pushes_total"] += 1
        log.info("edge of %s runs config %s, not the latest v%d (%s): pushing it",
                 camera_id, peer.config_version, version, digest)
        try:
            result = self.push_config(camera_id, yaml_text, version)
        except (EdgeUnavailable, TimeoutError) as exc:
            log.warning("catch-up push of %s v%d failed: %s", camera_id, version, exc)
            return
        if not result.applied:
            log.error("edge of %s refused config v%d: %s", camera_id, version, result.error)

    def close(self) -> None:
        """After the ingest thread stopped: fail waiting callers, stop catch-up."""
        with self._lock:
            self._closed = True
            pending = list(self._pending.values())
            thread = self._catchup_thread
            os.close(self._wake_r)
            os.close(self._wake_w)
        for p in pending:
            p.failure = "the ingest stopped"
            p.done.set()
        if thread is not None:
            self._catchup.put(None)
            thread.join(timeout=15.0)


def _is_jpeg(data: bytes | memoryview | None) -> bool:
    return data is not None and bytes(data[:3]) == b"\xff\xd8\xff" and bytes(data[-2:]) == b"\xff\xd9"
