"""The audit trail: who reviewed, noted, exported or deleted what, and when."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.db.models import AuditRow

RETENTION_ACTOR = "system:retention"


@dataclass(frozen=True)
class AuditEntry:
    at_s: float
    actor: str
    action: str
    event_id: str | None
    detail: str | None


def record(
    s: Session, at_s: float, actor: str, action: str, event_id: str | None = None, detail: str | None = None
) -> None:
    """Add an entry to the caller's transaction (so it commits with the change it describes)."""
    s.add(AuditRow(at_s=at_s, actor=actor, action=action, event_id=event_id, detail=detail))


def for_event(s: Session, event_id: str) -> list[AuditEntry]:
    rows = s.scalars(select(AuditRow).where(AuditRow.event_id == event_id).order_by(AuditRow.id))
    return [AuditEntry(r.at_s, r.actor, r.action, r.event_id, r.detail) for r in rows]


def count_actions(s: Session, actor: str) -> dict[str, int]:
    """Entries by action for one actor, e.g. retention deletions."""
    rows = s.execute(
        select(AuditRow.action, func.count()).where(AuditRow.actor == actor).group_by(AuditRow.action)
    )
    return {action: int(n) for action, n in rows}
