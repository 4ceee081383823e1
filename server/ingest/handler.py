"""Turn one decoded edge message into storage calls and a reply, socket-free.

``IngestHandler.handle`` is what the ROUTER thread calls for every message (and what
the fuzz test calls directly). It never raises for anything a peer can send: every
rejection is counted and answered with a ``nack`` naming the reason. A reply is an
``ack`` only after the store returned, i.e. after the data is durable.

Identity: with CURVE, the ZAP User-Id of the message is the edge's CURVE public key,
and only that edge's Ed25519 key may sign its manifests. With ``insecure`` there is
no authenticated identity; manifests must then be signed by any allowed edge's key,
or by any key at all when no edges are configured (development only).
"""

from __future__ import annotations

import errno
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

from edge.protocol.keys import AllowedEdge
from edge.protocol.manifest import ManifestError, VerifiedManifest, verify_manifest
from edge.protocol.messages import FileKind, Message, MessageType, ProtocolError, decode, valid_id
from server.clips.store import ClipStoreFull
from server.ingest.assembler import Assembler
from server.ingest.counters import Counters
from server.storage import FileChecksumError, IngestStore

log = logging.getLogger(__name__)

INSECURE_EDGE = "insecure"


def _reply(kind: MessageType, request: Message | None, **fields: Any) -> Message:
    seq = request.seq if request is not None else 0
    event_id = request.event_id if request is not None else ""
    return Message(kind, seq, event_id, fields)


class IngestHandler:
    """Message -> store; thread-safe as long as one edge's messages go to one thread.

    ``edges`` maps a CURVE public key (z85 text) to the allowed edge; with
    ``insecure`` it is only used for the signing keys. Heartbeats are coalesced per
    camera and written by ``flush_heartbeats`` (the ROUTER thread calls it about
    twice a second): they are status, not evidence, and this keeps thousands of
    them a second from becoming thousands of database commits.
    """

    def __init__(
        self,
        store: IngestStore,
        work_dir: Path,
        edges: dict[str, AllowedEdge],
        insecure: bool,
        counters: Counters,
    ) -> None:
        self.store = store
        self.assembler = Assembler(work_dir)
        self.edges = edges
        self.insecure = insecure
        self.counters = counters
        self._sign_keys_any = {e.sign_public_hex for e in edges.values()} or None
        self._pending_heartbeats: dict[str, dict[str, Any]] = {}
        self._heartbeat_lock = threading.Lock()

    def handle(self, frames: list[Any], user_id: str) -> Message:
        """Process one message; ``user_id`` is the ZAP User-Id ('' when insecure)."""
        try:
            msg = decode(frames)
        except ProtocolError as exc:
            self.counters.add(f"rejected_{exc.reason}_total")
            return _reply(MessageType.NACK, None, reason=exc.reason, detail=exc.detail[:200], retry=False)
        try:
            return self._dispatch(msg, user_id)
        except ProtocolError as exc:
            self.counters.add(f"rejected_{exc.reason}_total")
            return _reply(MessageType.NACK, msg, reason=exc.reason, detail=exc.detail[:200], retry=False)

    def _edge(self, user_id: str) -> tuple[str, set[str] | None]:
        """The edge name and the signing keys it may use."""
        if self.insecure:
            return INSECURE_EDGE, self._sign_keys_any
        edge = self.edges.get(user_id)
        if edge is None:  # ZAP let it in, so the allow-list changed under us
            raise ProtocolError("unsigned", "the connection's key is not an allowed edge")
        return edge.name, {edge.sign_public_hex}

    def _verify(
        self, envelope: dict[str, Any], event: dict[str, Any] | None, keys: set[str] | None
    ) -> VerifiedManifest:
        try:
            return verify_manifest(envelope, event, keys)
        except ManifestError as exc:
            raise ProtocolError("tampered", str(exc)) from None

    def _dispatch(self, msg: Message, user_id: str) -> Message:
        if msg.type is MessageType.EVENT:
            return self._on_event(msg, user_id)
        if msg.type is MessageType.CHUNK:
            return self._on_chunk(msg, user_id)
        if msg.type is MessageType.HEARTBEAT:
            return self._on_heartbeat(msg, user_id)
        raise ProtocolError("unknown_type", f"{msg.type.value} is a reply, not a request")

    def _on_event(self, msg: Message, user_id: str) -> Message:
        edge, keys = self._edge(user_id)
        event = msg.fields["event"]
        verified = self._verify(msg.fields["envelope"], event, keys)
        if verified.event_id != msg.event_id or not valid_id(str(event.get("camera_id", ""))):
            raise ProtocolError("tampered", "event_id or camera_id of the header and manifest disagree")
        if verified.manifest["camera_id"] != event["camera_id"]:
            raise ProtocolError("tampered", "camera_id of the metadata differs from the manifest")
        record = {**event, "evidence": msg.fields["envelope"], "edge_id": edge, "received_at": time.time()}
        try:
            new = self.store.put_event(record)
        except Exception as exc:
            return self._store_failed(msg, exc, have=None)
        self.counters.add("events_ingested_total" if new else "events_duplicate_total")
        return _reply(MessageType.ACK, msg, duplicate=not new)

    def _on_chunk(self, msg: Message, user_id: str) -> Message:
        edge, keys = self._edge(user_id)
        f = msg.fields
        kind, name, size, sha = f["file_kind"], f["name"], f["size"], f["sha256"]
        verified = self._verify(f["envelope"], None, keys)
        if verified.event_id != msg.event_id:
            raise ProtocolError("tampered", "the chunk's manifest is for another event")
        if kind == FileKind.MANIFEST:
            if not verified.manifest.get("final"):
                raise ProtocolError("tampered", "a manifest file must come with the final manifest")
        else:
            entry = verified.file(kind, name)
            if entry is None or entry.size != size or entry.sha256 != sha:
                raise ProtocolError("tampered", f"{kind} {name} is not listed as sent in its signed manifest")
        self.counters.add("chunks_received_total")
        self.counters.add("bytes_received_total", len(msg.payload or b""))
        path = self.assembler.partial_path(edge, msg.event_id, kind, name)
        with self.assembler.holding(path):
            return self._store_chunk(msg, edge, path)

    def _store_chunk(self, msg: Message, edge: str, path: Path) -> Message:
        f = msg.fields
        kind, name, size, sha, offset = f["file_kind"], f["name"], f["size"], f["sha256"], f["offset"]
        if self.assembler.is_done(edge, msg.event_id, kind, name):
            return _reply(MessageType.ACK, msg, have=size, done=True, duplicate=True)
        have = self.assembler.have(path)
        if offset > have:
            return _reply(MessageType.NACK, msg, reason="gap", have=have, retry=True)
        try:
            have = self.assembler.write(path, offset, msg.payload or b"")
        except OSError as exc:
            return self._store_failed(msg, exc, have=self.assembler.have(path))
        if have < size:
            # "Received", not "stored": the edge keeps the file until the done ack,
            # which comes only after put_file stored it durably.
            return _reply(MessageType.ACK, msg, have=have, done=False)
        if have > size:
            return self._start_over(msg, path)
        if kind == FileKind.MANIFEST:
            # Its bytes are checked before they are parsed: torn is not tampered.
            if self.assembler.sha256_of(path) != sha:
                return self._start_over(msg, path)
            if not self._manifest_file_matches(path, f["envelope"]):
                self.assembler.discard(path)
                raise ProtocolError("tampered", "the manifest file differs from its signed envelope")
        try:
            new = self.store.put_file(msg.event_id, kind, name, path, sha)
        except FileChecksumError:
            return self._start_over(msg, path)
        except Exception as exc:
            return self._store_failed(msg, exc, have=have)
        self.assembler.mark_done(edge, msg.event_id, kind, name)
        self.counters.add("files_ingested_total" if new else "files_duplicate_total")
        return _reply(MessageType.ACK, msg, have=size, done=True, duplicate=not new)

    def _start_over(self, msg: Message, path: Path) -> Message:
        """A complete file with the wrong bytes: a torn tail after a power loss looks the
        same as a bad sender, and either way the transfer starts over from byte 0."""
        self.assembler.discard(path)
        self.counters.add("rejected_checksum_total")
        return _reply(MessageType.NACK, msg, reason="checksum", have=0, retry=True)

    @staticmethod
    def _manifest_file_matches(path: Path, envelope: dict[str, Any]) -> bool:
        try:
            return bool(json.loads(path.read_bytes()) == envelope)
        except (OSError, ValueError):
            return False

    def _store_failed(self, msg: Message, exc: Exception, have: int | None) -> Message:
        """Answer a store failure: refused data for good, anything else for a retry."""
        if isinstance(exc, ValueError):  # the store's input errors: retrying cannot help
            self.counters.add("rejected_store_refused_total")
            log.warning("store refused %s %s: %s", msg.type.value, msg.event_id, exc)
            return _reply(MessageType.NACK, msg, reason="store_refused", detail=str(exc)[:200], retry=False)
        full = isinstance(exc, ClipStoreFull) or (
            isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)
        )
        self.counters.add("storage_full_total" if full else "store_errors_total")
        log.warning("store failed for %s %s: %s", msg.type.value, msg.event_id, exc)
        fields: dict[str, Any] = {"reason": "storage_full" if full else "store_error", "retry": True}
        if have is not None:
            fields["have"] = have
        return _reply(MessageType.NACK, msg, **fields)

    def _on_heartbeat(self, msg: Message, user_id: str) -> Message:
        edge, _ = self._edge(user_id)
        camera_id = msg.fields["camera_id"]
        with self._heartbeat_lock:
            self._pending_heartbeats[camera_id] = {**msg.fields["stats"], "edge_id": edge, "received_at": time.time()}
        self.counters.add("heartbeats_total")
        return _reply(MessageType.ACK, msg)

    def flush_heartbeats(self) -> None:
        """Store the latest heartbeat of every camera heard from since the last flush, in one commit."""
        with self._heartbeat_lock:
            pending, self._pending_heartbeats = self._pending_heartbeats, {}
        if not pending:
            return
        try:
            self.store.put_heartbeats(pending)
        except Exception as exc:
            self.counters.add("store_errors_total")
            log.warning("storing the heartbeats of %d cameras failed: %s", len(pending), exc)
            with self._heartbeat_lock:  # tried again at the next flush, unless a newer one came
                for camera_id, hb in pending.items():
                    self._pending_heartbeats.setdefault(camera_id, hb)
