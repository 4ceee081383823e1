"""Camera config versions: every save is a new numbered version per camera, kept with
who saved it, when, what changed and what the edge answered when it was pushed.

Versions count from 1 per camera. Times are UTC epoch seconds. ``digest`` is
edge.config.camera.config_digest of the stored YAML, the value an edge running that
version reports as ``config_version`` in its heartbeats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.db import audit
from server.db.engine import Database
from server.db.models import ConfigVersionRow

# applied: the edge runs it; rejected: the edge kept its previous config;
# not_reached / timeout: the edge gets it when it next connects.
PushStatus = Literal["applied", "rejected", "not_reached", "timeout"]


class VersionConflict(Exception):
    """Someone saved another version of this camera's config since the caller loaded it."""

    def __init__(self, camera_id: str, latest: ConfigVersionRow | None) -> None:
        self.latest = latest
        who = f"version {latest.version} by {latest.created_by}" if latest else "no version"
        super().__init__(f"{camera_id} now has {who}; reload the page to see it before saving again")


@dataclass(frozen=True)
class EdgeConfigState:
    """What an edge's heartbeat ``config_version`` means against the saved versions."""

    latest_version: int | None
    running_version: int | None  # None: the digest matches no saved version
    state: str  # "no_config", "latest", "old", "unknown", "unreported"


def latest(s: Session, camera_id: str) -> ConfigVersionRow | None:
    q = select(ConfigVersionRow).where(ConfigVersionRow.camera_id == camera_id)
    return s.scalar(q.order_by(ConfigVersionRow.version.desc()).limit(1))


def get(s: Session, camera_id: str, version: int) -> ConfigVersionRow | None:
    q = select(ConfigVersionRow).where(ConfigVersionRow.camera_id == camera_id, ConfigVersionRow.version == version)
    return s.scalar(q)


def history(s: Session, camera_id: str, limit: int) -> list[ConfigVersionRow]:
    """Newest first."""
    q = select(ConfigVersionRow).where(ConfigVersionRow.camera_id == camera_id)
    return list(s.scalars(q.order_by(ConfigVersionRow.version.desc()).limit(limit)))


def camera_ids(s: Session) -> list[str]:
    return list(s.scalars(select(ConfigVersionRow.camera_id).distinct().order_by(ConfigVersionRow.camera_id)))


def save(
    s: Session,
    camera_id: str,
    yaml_text: str,
    digest: str,
    summary: str,
    actor: str,
    now_s: float,
    base_version: int | None,
) -> ConfigVersionRow:
    """Add the next version and its audit entry, and commit. ``base_version`` is the
    version the caller edited (None: it saw none); raises VersionConflict when another
    was saved since, so nobody's change is silently overwritten."""
    current = latest(s, camera_id)
    if (current.version if current else None) != base_version:
        raise VersionConflict(camera_id, current)
    version = current.version + 1 if current else 1
    row = ConfigVersionRow(
        camera_id=camera_id,
        version=version,
        yaml_text=yaml_text,
        digest=digest,
        created_by=actor,
        created_at_s=now_s,
        summary=summary,
    )
    s.add(row)
    audit.record(s, now_s, actor, "config_save", None, f"{camera_id} v{version} ({digest}): {summary}")
    try:
        s.commit()
    except IntegrityError:
        # Two saves raced for the same number; the unique key let only one in.
        s.rollback()
        raise VersionConflict(camera_id, latest(s, camera_id)) from None
    return row


def record_push(
    s: Session, camera_id: str, version: int, status: PushStatus, detail: str, now_s: float
) -> ConfigVersionRow:
    """Store the edge's answer to pushing a saved version (caller commits)."""
    row = get(s, camera_id, version)
    if row is None:
        raise LookupError(f"{camera_id} has no config version {version}")
    row.push_status, row.push_detail, row.pushed_at_s = status, detail, now_s
    return row


def edge_config_state(s: Session, camera_id: str, reported_digest: str | None) -> EdgeConfigState:
    """Compare a heartbeat's ``config_version`` with the saved versions of the camera."""
    rows = s.execute(
        select(ConfigVersionRow.version, ConfigVersionRow.digest)
        .where(ConfigVersionRow.camera_id == camera_id)
        .order_by(ConfigVersionRow.version.desc())
    ).all()
    if not rows:
        return EdgeConfigState(None, None, "no_config")
    newest = rows[0][0]
    if reported_digest is None:
        return EdgeConfigState(newest, None, "unreported")
    if rows[0][1] == reported_digest:
        return EdgeConfigState(newest, newest, "latest")
    # The same config may have been saved more than once; the newest such version counts.
    older = next((v for v, d in rows if d == reported_digest), None)
    return EdgeConfigState(newest, older, "unknown" if older is None else "old")


def latest_provider(db: Database) -> Callable[[str], tuple[int, str] | None]:
    """For the edge link: the latest saved (version, YAML) of a camera, so an edge that
    was offline when a version was saved can be brought up to date when it reconnects."""

    def provide(camera_id: str) -> tuple[int, str] | None:
        with db.session() as s:
            row = latest(s, camera_id)
            return (row.version, row.yaml_text) if row else None

    return provide
