"""Durable, byte-bounded spool of events and files waiting for the server's ack.

Index: SQLite in WAL mode with ``synchronous=FULL``, so a committed row survives
power loss. Files: written to a temporary name, fsynced, renamed, and the folder
fsynced, before their row is committed; a crash in between leaves an orphan file
that the next start deletes, never a row without its file. An item is deleted only
after the server acknowledged it (``ack``). When a new entry would exceed
``max_bytes``, the oldest files are evicted first (evidence before alerts), then
the oldest events; every eviction is counted in the spool itself so restarts keep
the tally.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.spool.durable import fsync_dir

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('event', 'file')),
    file_kind TEXT,
    name TEXT,
    path TEXT,
    size INTEGER NOT NULL,
    sha256 TEXT,
    body TEXT NOT NULL,
    created_s REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_event ON items (event_id, kind);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class SpoolError(RuntimeError):
    """The spool cannot take an entry (too large for the whole spool, disk error)."""


@dataclass(frozen=True)
class SpoolEntry:
    """Something to commit: an event (``data`` None) or a file of an event.

    ``body`` is the JSON-able header content sent with it (event metadata and
    envelope, or a file's envelope).
    """

    event_id: str
    body: dict[str, Any]
    file_kind: str | None = None
    name: str | None = None
    data: bytes | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class SpoolItem:
    """A committed item. ``path`` is set for files; ``size_bytes`` counts body + file."""

    item_id: int
    event_id: str
    kind: str
    file_kind: str | None
    name: str | None
    path: Path | None
    size_bytes: int
    sha256: str | None
    body: dict[str, Any]
    created_s: float

    @property
    def file_size_bytes(self) -> int:
        return self.path.stat().st_size if self.path is not None else 0


class Spool:
    """Thread-safe: the node thread commits, the link thread reads and acks."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise SpoolError(f"max_bytes must be positive, got {max_bytes}")
        self.directory = directory
        self.files_dir = directory / "files"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._db = sqlite3.connect(directory / "spool.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._seq = 0
        self._remove_orphans()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _remove_orphans(self) -> None:
        known = {row[0] for row in self._db.execute("SELECT path FROM items WHERE path IS NOT NULL")}
        for f in self.files_dir.iterdir():
            if str(f) not in known:
                f.unlink(missing_ok=True)

    def _write_file(self, event_id: str, name: str, data: bytes) -> Path:
        self._seq += 1
        final = self.files_dir / f"{event_id}.{time.time_ns()}.{self._seq}.{name}"
        tmp = final.with_name(final.name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
        return final

    def commit(self, entries: list[SpoolEntry]) -> list[int]:
        """Store entries durably and atomically (all or none); return their item ids."""
        sizes = [len(json.dumps(e.body)) + (len(e.data) if e.data is not None else 0) for e in entries]
        if sum(sizes) > self.max_bytes:
            raise SpoolError(f"{sum(sizes)} bytes exceed the whole spool ({self.max_bytes} bytes)")
        with self._lock:
            paths = [
                self._write_file(e.event_id, e.name or "file", e.data) if e.data is not None else None
                for e in entries
            ]
            if any(paths):
                fsync_dir(self.files_dir)
            evicted = self._evict_for(sum(sizes))
            ids = []
            try:
                self._db.execute("BEGIN IMMEDIATE")
                for e, p, size in zip(entries, paths, sizes, strict=True):
                    cur = self._db.execute(
                        "INSERT INTO items (event_id, kind, file_kind, name, path, size, sha256, body, created_s)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (e.event_id, "file" if p else "event", e.file_kind, e.name,
                         str(p) if p else None, size, e.sha256, json.dumps(e.body), time.time()),
                    )
                    ids.append(int(cur.lastrowid or 0))
                self._bump("committed_items", len(entries))
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._db.execute("ROLLBACK")
                for p in paths:
                    if p:
                        p.unlink(missing_ok=True)
                raise SpoolError(f"cannot commit to the spool index: {exc}") from None
            for p in evicted:
                p.unlink(missing_ok=True)
            return ids

    def _bump(self, name: str, by: int) -> None:
        self._db.execute(
            "INSERT INTO counters (name, value) VALUES (?, ?)"
            " ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
            (name, by),
        )

    def _evict_for(self, incoming: int) -> list[Path]:
        """Delete the oldest rows until ``incoming`` bytes fit; return their files to unlink."""
        total = self._db.execute("SELECT COALESCE(SUM(size), 0) FROM items").fetchone()[0]
        excess = total + incoming - self.max_bytes
        if excess <= 0:
            return []
        doomed: list[tuple[int, int, str | None]] = []
        # Files (clips above all) go first: an alert without its clip still alerts.
        for row in self._db.execute(
            "SELECT id, size, path FROM items ORDER BY kind = 'event', id"
        ):
            if excess <= 0:
                break
            doomed.append(row)
            excess -= row[1]
        self._db.execute("BEGIN IMMEDIATE")
        self._db.executemany("DELETE FROM items WHERE id = ?", [(r[0],) for r in doomed])
        self._bump("evicted_items", len(doomed))
        self._bump("evicted_bytes", sum(r[1] for r in doomed))
        self._db.execute("COMMIT")
        return [Path(r[2]) for r in doomed if r[2]]

    def next_items(self, limit: int, exclude: set[int]) -> list[SpoolItem]:
        """Oldest sendable items: a file only once its event was acknowledged."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, event_id, kind, file_kind, name, path, size, sha256, body, created_s"
                " FROM items i WHERE NOT (kind = 'file' AND EXISTS ("
                "   SELECT 1 FROM items e WHERE e.kind = 'event' AND e.event_id = i.event_id))"
                " ORDER BY id LIMIT ?",
                (limit + len(exclude),),
            ).fetchall()
        items = [
            SpoolItem(r[0], r[1], r[2], r[3], r[4], Path(r[5]) if r[5] else None, r[6], r[7],
                      json.loads(r[8]), r[9])
            for r in rows
            if r[0] not in exclude
        ]
        return items[:limit]

    def ack(self, item_id: int) -> None:
        """The server stored the item durably: forget it (row first, then its file)."""
        with self._lock:
            row = self._db.execute("SELECT path FROM items WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                return
            self._db.execute("DELETE FROM items WHERE id = ?", (item_id,))
        if row[0]:
            Path(row[0]).unlink(missing_ok=True)

    def drop_lost(self, item_id: int) -> None:
        """An item whose file vanished (disk fault): delete and count it as lost."""
        self._drop(item_id, "lost_items")

    def drop_rejected(self, item_id: int) -> None:
        """An item the server refused for good (tampered, malformed): delete and count it."""
        self._drop(item_id, "rejected_items")

    def _drop(self, item_id: int, counter: str) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute("SELECT path FROM items WHERE id = ?", (item_id,)).fetchone()
            cur = self._db.execute("DELETE FROM items WHERE id = ?", (item_id,))
            if cur.rowcount:  # an item evicted meanwhile is already counted as evicted
                self._bump(counter, 1)
            self._db.execute("COMMIT")
        if row and row[0]:
            Path(row[0]).unlink(missing_ok=True)

    def stats(self) -> dict[str, int]:
        """Depth, bytes and the lifetime counters (evicted_items, evicted_bytes, ...)."""
        with self._lock:
            depth, size = self._db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM items").fetchone()
            counters = dict(self._db.execute("SELECT name, value FROM counters").fetchall())
        return {
            "depth": int(depth),
            "bytes": int(size),
            "max_bytes": self.max_bytes,
            "evicted_items": int(counters.get("evicted_items", 0)),
            "evicted_bytes": int(counters.get("evicted_bytes", 0)),
            "lost_items": int(counters.get("lost_items", 0)),
            "rejected_items": int(counters.get("rejected_items", 0)),
            "committed_items": int(counters.get("committed_items", 0)),
        }
