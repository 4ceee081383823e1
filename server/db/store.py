"""The database + clip store behind the ZeroMQ ingest (``server.storage.IngestStore``).

Each method commits before it returns (SQLite with synchronous=FULL, PostgreSQL
commits are durable), so the ingest may acknowledge to the edge right after.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from edge.protocol.messages import valid_id
from server.clips.store import ClipStore, ClipStoreFull
from server.db.engine import Database
from server.db.models import CameraRow, EventFileRow, EventRow

log = logging.getLogger("fallwatch.server.store")

FILE_KINDS = ("clip", "snapshot", "snapshot_clean", "manifest")
# Keys the ingest adds to an event beside the signed metadata (server.ingest.handler).
INGEST_KEYS = ("evidence", "edge_id", "received_at")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class StoreInputError(ValueError):
    """Data the store refuses (unknown event, bad id, checksum mismatch); nothing was stored."""


def _positive_int(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
        raise StoreInputError(f"{what} must be an integer from 1 to 10000, got {value!r}")
    return value


def _occurred_at_s(event: dict[str, Any], received_at_s: float) -> float:
    """Wall-clock time of the event: the edge's ``wall_time`` (UTC epoch s) when sent."""
    wall = event.get("wall_time")
    if isinstance(wall, int | float) and not isinstance(wall, bool) and 1e9 < wall < 1e11:
        return float(wall)
    return received_at_s


def file_key(event_id: str, kind: str, name: str) -> str:
    """Clip store key: events fan out over 256 folders by the first two id characters."""
    return f"{event_id[:2]}/{event_id}/{kind}-{name}"


class DatabaseStore:
    """Implements ``IngestStore`` on a ``Database`` and a ``ClipStore``."""

    def __init__(
        self,
        db: Database,
        clips: ClipStore,
        clock: Callable[[], float] = time.time,
        on_full: Callable[[], None] | None = None,
    ) -> None:
        """``on_full`` is called when the clip store refuses a file (retention wakes up)."""
        self.db = db
        self.clips = clips
        self.clock = clock
        self.on_full = on_full
        self._lock = threading.Lock()
        self._counters = {
            "events_ingested_total": 0,
            "events_duplicate_total": 0,
            "files_ingested_total": 0,
            "files_duplicate_total": 0,
            "heartbeats_total": 0,
        }

    def _count(self, name: str) -> None:
        with self._lock:
            self._counters[name] += 1

    def counters(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counters)

    def put_event(self, event: dict[str, Any]) -> bool:
        """Store the event; ``evidence`` (signed envelope), ``edge_id`` and ``received_at``
        added by the ingest are kept apart from the signed metadata."""
        row = self._event_row(event)
        with self.db.session() as s:
            if s.scalar(select(EventRow.id).where(EventRow.event_id == row.event_id)) is not None:
                self._count("events_duplicate_total")
                return False
            s.add(row)
            try:
                s.flush()
            except IntegrityError:
                # Another writer stored the same event between the check and the insert.
                s.rollback()
                self._count("events_duplicate_total")
                return False
            self._touch_camera(s, row.camera_id, last_event_at_s=row.occurred_at_s)
            s.commit()
        self._count("events_ingested_total")
        log.info("event %s from %s stored", row.event_id, row.camera_id)
        return True

    def _event_row(self, record: dict[str, Any]) -> EventRow:
        """Split the ingest's record into the signed metadata and what the ingest added."""
        if not isinstance(record, dict):
            raise StoreInputError("an event must be a JSON object")
        event = {k: v for k, v in record.items() if k not in INGEST_KEYS}
        envelope, edge_id = record.get("evidence"), record.get("edge_id")
        if envelope is not None and not isinstance(envelope, dict):
            raise StoreInputError("evidence must be the signed manifest envelope (an object)")
        if edge_id is not None and (not isinstance(edge_id, str) or len(edge_id) > 64):
            raise StoreInputError("edge_id must be a string of at most 64 characters")
        event_id, camera_id = event.get("event_id"), event.get("camera_id")
        if not isinstance(event_id, str) or not valid_id(event_id):
            raise StoreInputError(f"event_id {event_id!r} must match [A-Za-z0-9][A-Za-z0-9._-]{{0,63}}")
        if not isinstance(camera_id, str) or not valid_id(camera_id):
            raise StoreInputError(f"camera_id {camera_id!r} must match [A-Za-z0-9][A-Za-z0-9._-]{{0,63}}")
        origin = event.get("origin") or {}
        if not isinstance(origin, dict):
            raise StoreInputError("origin must be an object")
        score = event.get("score")
        if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
            raise StoreInputError(f"score must be a number, got {score!r}")
        privacy = event.get("privacy")
        if privacy is not None and privacy not in ("ok", "withheld"):
            raise StoreInputError(f"privacy must be 'ok' or 'withheld', got {privacy!r}")
        now = self.clock()
        return EventRow(
            event_id=event_id,
            camera_id=camera_id,
            occurred_at_s=_occurred_at_s(event, now),
            received_at_s=now,
            origin_floor=_positive_int(origin.get("floor"), "origin.floor"),
            origin_column=_positive_int(origin.get("column"), "origin.column"),
            score=None if score is None else float(score),
            privacy=privacy,
            status="new",
            edge_id=edge_id,
            data=event,
            envelope=envelope,
        )

    def _touch_camera(self, s: Session, camera_id: str, **values: Any) -> None:
        done = s.execute(update(CameraRow).where(CameraRow.camera_id == camera_id).values(**values))
        if done.rowcount == 0:  # type: ignore[attr-defined]
            s.add(CameraRow(camera_id=camera_id, first_seen_at_s=self.clock(), **values))

    def put_file(self, event_id: str, kind: str, name: str, src_path: Path, sha256: str) -> bool:
        if kind not in FILE_KINDS:
            raise StoreInputError(f"file kind {kind!r} is not one of {', '.join(FILE_KINDS)}")
        if not _NAME_RE.match(name):
            raise StoreInputError(f"file name {name!r} has characters outside [A-Za-z0-9._-]")
        if not _SHA256_RE.match(sha256):
            raise StoreInputError("sha256 must be 64 lowercase hex digits")
        with self.db.session() as s:
            if s.scalar(select(EventRow.id).where(EventRow.event_id == event_id)) is None:
                raise StoreInputError(f"file {kind}/{name} for unknown event {event_id!r}")
            attached = s.scalar(
                select(EventFileRow.id).where(
                    EventFileRow.event_id == event_id, EventFileRow.kind == kind, EventFileRow.name == name
                )
            )
        if attached is not None:
            src_path.unlink(missing_ok=True)
            self._count("files_duplicate_total")
            return False
        actual = _sha256_file(src_path)
        if actual != sha256:
            raise StoreInputError(f"{kind}/{name} of {event_id}: sha256 {actual} differs from {sha256}")
        key = file_key(event_id, kind, name)
        try:
            size = self.clips.put(src_path, key)
        except ClipStoreFull:
            if self.on_full is not None:
                self.on_full()
            raise
        with self.db.session() as s:
            s.add(
                EventFileRow(
                    event_id=event_id,
                    kind=kind,
                    name=name,
                    rel_path=key,
                    sha256=sha256,
                    size_bytes=size,
                    stored_at_s=self.clock(),
                )
            )
            try:
                s.commit()
            except IntegrityError:
                # A concurrent duplicate won; the clip store holds the same bytes under the key.
                self._count("files_duplicate_total")
                return False
        self._count("files_ingested_total")
        return True

    def put_heartbeat(self, camera_id: str, heartbeat: dict[str, Any]) -> None:
        if not isinstance(camera_id, str) or not valid_id(camera_id):
            raise StoreInputError(f"camera_id {camera_id!r} must match [A-Za-z0-9][A-Za-z0-9._-]{{0,63}}")
        if not isinstance(heartbeat, dict):
            raise StoreInputError("a heartbeat must be a JSON object")
        with self.db.session() as s:
            self._touch_camera(s, camera_id, last_heartbeat_at_s=self.clock(), heartbeat=heartbeat)
            try:
                s.commit()
            except IntegrityError:
                # Two first heartbeats of a new camera raced; the second becomes an update.
                s.rollback()
                self._touch_camera(s, camera_id, last_heartbeat_at_s=self.clock(), heartbeat=heartbeat)
                s.commit()
        self._count("heartbeats_total")


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise StoreInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return h.hexdigest()
