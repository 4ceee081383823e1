"""Plain dict views of stored rows, shared by the JSON API, the pages and the live stream."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server.db.audit import AuditEntry
from server.db.models import EventFileRow, EventRow

IMAGE_KINDS = ("snapshot", "snapshot_clean")


def iso_utc(t_s: float | None) -> str | None:
    return None if t_s is None else datetime.fromtimestamp(t_s, UTC).isoformat(timespec="seconds")


def local_time(t_s: float | None) -> str:
    """Server-local wall time with its UTC offset, as the guard room reads it."""
    if t_s is None:
        return "—"
    return datetime.fromtimestamp(t_s).astimezone().strftime("%Y-%m-%d %H:%M:%S %z")


def file_url(event_id: str, kind: str) -> str:
    return f"/api/events/{event_id}/files/{kind}"


def event_summary(row: EventRow, kinds: set[str]) -> dict[str, Any]:
    """One queue line; ``kinds`` are the file kinds already attached."""
    return {
        "event_id": row.event_id,
        "row_id": row.id,
        "camera_id": row.camera_id,
        "occurred_at": iso_utc(row.occurred_at_s),
        "occurred_at_s": row.occurred_at_s,
        "occurred_local": local_time(row.occurred_at_s),
        "received_at": iso_utc(row.received_at_s),
        "floor": row.origin_floor,
        "column": row.origin_column,
        "score": row.score,
        "status": row.status,
        "privacy": row.privacy,
        "reviewed_by": row.reviewed_by,
        "has_clip": "clip" in kinds,
        "thumbnail_url": next((file_url(row.event_id, k) for k in IMAGE_KINDS if k in kinds), None),
        "url": f"/events/{row.event_id}",
    }


def file_view(f: EventFileRow) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "name": f.name,
        "size_bytes": f.size_bytes,
        "sha256": f.sha256,
        "url": file_url(f.event_id, f.kind),
    }


def audit_view(a: AuditEntry) -> dict[str, Any]:
    return {
        "at": iso_utc(a.at_s),
        "at_local": local_time(a.at_s),
        "actor": a.actor,
        "action": a.action,
        "detail": a.detail,
    }
