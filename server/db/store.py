"""The database + clip store behind the ZeroMQ ingest (``server.storage.IngestStore``).

Each method commits before it returns (SQLite with synchronous=FULL, PostgreSQL
commits are durable), so the ingest may acknowledge to the edge right after. All
writes go through one ``GroupCommitter``: the ingest's threads share commits (one
fsync for many events) instead of queueing for SQLite's single write lock.
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

from sqlalchemy import Table, and_, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from edge.protocol.messages import valid_id
from server.clips.store import ClipStore, ClipStoreFull
from server.db.engine import Database
from server.db.group_commit import GroupCommitter
from server.db.models import CameraRow, EventFileRow, EventRow
from server.storage import FileChecksumError

log = logging.getLogger("fallwatch.server.store")

FILE_KINDS = ("clip", "snapshot", "snapshot_clean", "manifest")
# Keys the ingest adds to an event beside the signed metadata (server.ingest.handler).
INGEST_KEYS = ("evidence", "edge_id", "received_at")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# The ingest writes with Core statements on the tables: the ORM's unit of work costs
# more Python time per row than the rest of storing an event.
_EVENTS: Table = EventRow.__table__  # type: ignore[assignment]
_FILES: Table = EventFileRow.__table__  # type: ignore[assignment]
_CAMERAS: Table = CameraRow.__table__  # type: ignore[assignment]


class StoreInputError(ValueError):
    """Data the store refuses (unknown event, bad id, checksum mismatch); nothing was stored."""


class StoreChecksumError(StoreInputError, FileChecksumError):
    """The file's bytes do not have the SHA-256 given for them; nothing was stored."""


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
        self.writer = GroupCommitter(db)
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
        """Ingest totals, plus the database's commits and the writes they held (group commit)."""
        with self._lock:
            out = dict(self._counters)
        return {**out, "db_commits_total": self.writer.commits, "db_writes_total": self.writer.writes}

    def put_event(self, event: dict[str, Any]) -> bool:
        """Store the event; ``evidence`` (signed envelope), ``edge_id`` and ``received_at``
        added by the ingest are kept apart from the signed metadata."""
        values = self._event_values(event)

        def write(s: Session) -> bool:
            conn = s.connection()
            if conn.execute(select(_EVENTS.c.id).where(_EVENTS.c.event_id == values["event_id"])).first():
                return False
            conn.execute(insert(_EVENTS).values(values))
            self._touch_cameras(s, {values["camera_id"]: {"last_event_at_s": values["occurred_at_s"]}})
            return True

        try:
            new = self.writer.run(write)
        except IntegrityError:
            new = False  # another writer stored the same event between the check and the insert
        if not new:
            self._count("events_duplicate_total")
            return False
        self._count("events_ingested_total")
        log.info("event %s from %s stored", values["event_id"], values["camera_id"])
        return True

    def _event_values(self, record: dict[str, Any]) -> dict[str, Any]:
        """Split the ingest's record into the signed metadata and what the ingest added:
        the column values of its ``EventRow``."""
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
        return {
            "event_id": event_id,
            "camera_id": camera_id,
            "occurred_at_s": _occurred_at_s(event, now),
            "received_at_s": now,
            "origin_floor": _positive_int(origin.get("floor"), "origin.floor"),
            "origin_column": _positive_int(origin.get("column"), "origin.column"),
            "score": None if score is None else float(score),
            "privacy": privacy,
            "status": "new",
            "edge_id": edge_id,
            "data": event,
            "envelope": envelope,
        }

    def _touch_cameras(self, s: Session, values: dict[str, dict[str, Any]]) -> None:
        """Update (or insert) the ``cameras`` rows of several cameras: camera_id -> column values.

        One executemany per column set: the heartbeat flush touches every camera.
        """
        conn, cameras = s.connection(), _CAMERAS
        known = set(conn.execute(select(cameras.c.camera_id).where(cameras.c.camera_id.in_(list(values)))).scalars())
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for camera_id, cols in values.items():
            if camera_id in known:
                groups.setdefault(tuple(sorted(cols)), []).append({"_camera_id": camera_id, **cols})
        for names, rows in groups.items():
            stmt = (
                update(cameras)
                .where(cameras.c.camera_id == bindparam("_camera_id"))
                .values({n: bindparam(n) for n in names})
            )
            conn.execute(stmt, rows)
        now = self.clock()
        new = [{"camera_id": c, "first_seen_at_s": now, **cols} for c, cols in values.items() if c not in known]
        for row in new:
            conn.execute(insert(cameras).values(row))

    def put_file(self, event_id: str, kind: str, name: str, src_path: Path, sha256: str) -> bool:
        if kind not in FILE_KINDS:
            raise StoreInputError(f"file kind {kind!r} is not one of {', '.join(FILE_KINDS)}")
        if not _NAME_RE.match(name):
            raise StoreInputError(f"file name {name!r} has characters outside [A-Za-z0-9._-]")
        if not _SHA256_RE.match(sha256):
            raise StoreInputError("sha256 must be 64 lowercase hex digits")
        # The bytes first: the ingest does not hash a received file itself but relies on
        # this check, and a torn file must be answered as such, whatever else is wrong.
        actual = _sha256_file(src_path)
        if actual != sha256:
            raise StoreChecksumError(f"{kind}/{name} of {event_id}: sha256 {actual} differs from {sha256}")
        files = _FILES
        same_file = and_(files.c.event_id == _EVENTS.c.event_id, files.c.kind == kind, files.c.name == name)
        with self.db.engine.connect() as conn:
            found = conn.execute(
                select(_EVENTS.c.id, files.c.id).select_from(_EVENTS.outerjoin(files, same_file))
                .where(_EVENTS.c.event_id == event_id)
            ).first()
        if found is None:
            raise StoreInputError(f"file {kind}/{name} for unknown event {event_id!r}")
        if found[1] is not None:  # already attached
            src_path.unlink(missing_ok=True)
            self._count("files_duplicate_total")
            return False
        key = file_key(event_id, kind, name)
        try:
            size = self.clips.put(src_path, key)
        except ClipStoreFull:
            if self.on_full is not None:
                self.on_full()
            raise
        row = {"event_id": event_id, "kind": kind, "name": name, "rel_path": key, "sha256": sha256,
               "size_bytes": size, "stored_at_s": self.clock()}

        def write(s: Session) -> None:
            s.connection().execute(insert(_FILES).values(row))

        try:
            self.writer.run(write)
        except IntegrityError:
            # A concurrent duplicate won; the clip store holds the same bytes under the key.
            self._count("files_duplicate_total")
            return False
        self._count("files_ingested_total")
        return True

    def put_heartbeat(self, camera_id: str, heartbeat: dict[str, Any]) -> None:
        self.put_heartbeats({camera_id: heartbeat})

    def put_heartbeats(self, heartbeats: dict[str, dict[str, Any]]) -> None:
        """Record the latest heartbeat of several cameras in one commit (camera_id -> heartbeat)."""
        for camera_id, heartbeat in heartbeats.items():
            if not isinstance(camera_id, str) or not valid_id(camera_id):
                raise StoreInputError(f"camera_id {camera_id!r} must match [A-Za-z0-9][A-Za-z0-9._-]{{0,63}}")
            if not isinstance(heartbeat, dict):
                raise StoreInputError(f"the heartbeat of {camera_id} must be a JSON object")

        def write(s: Session) -> None:
            now = self.clock()
            self._touch_cameras(s, {c: {"last_heartbeat_at_s": now, "heartbeat": hb} for c, hb in heartbeats.items()})

        try:
            self.writer.run(write)
        except IntegrityError:
            # A camera's first heartbeat raced another writer's insert; now it is an update.
            self.writer.run(write)
        with self._lock:
            self._counters["heartbeats_total"] += len(heartbeats)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise StoreInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return h.hexdigest()
