"""What the ZeroMQ ingest needs from the server's storage.

The ingest (server/ingest/) stores through this interface only; the database
implementation (SQLAlchemy on SQLite or PostgreSQL) and the clip store behind it
live in server/db/ and server/clips/. Every method is idempotent, and returns only
after the data is durable, because the ingest acknowledges to the edge right after.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol


class FileChecksumError(ValueError):
    """``put_file``: the file's bytes do not have the SHA-256 given for them; nothing was stored."""


class IngestStore(Protocol):
    def put_event(self, event: dict[str, Any]) -> bool:
        """Store an event's metadata (the detection contract plus edge fields).

        Returns True when the event is new, False when the same ``event_id`` was
        already stored (then nothing changes).
        """

    def put_file(self, event_id: str, kind: str, name: str, src_path: Path, sha256: str) -> bool:
        """Check a fully received file's SHA-256, move it into the clip store and attach it.

        ``kind`` is one of ``clip``, ``snapshot``, ``snapshot_clean``. Returns False
        when that file was already attached (the source is then deleted). Raises
        ``FileChecksumError`` (before anything else) when the file's bytes do not
        have the SHA-256 ``sha256``: the ingest relies on this check.
        """

    def put_heartbeat(self, camera_id: str, heartbeat: dict[str, Any]) -> None:
        """Record a camera's latest heartbeat (fps, drops, spool, versions, privacy state)."""

    def put_heartbeats(self, heartbeats: dict[str, dict[str, Any]]) -> None:
        """``put_heartbeat`` for several cameras (camera_id -> heartbeat) at once."""
