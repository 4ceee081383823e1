"""Reading and reviewing events: the queue, one event, review decisions and notes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from server.db import audit
from server.db.models import EventFileRow, EventRow

ReviewStatus = Literal["confirmed", "false_alarm"]
STATUSES = ("new", "confirmed", "false_alarm")


@dataclass(frozen=True)
class EventFilter:
    """Queue filters; times are UTC epoch seconds, ``until_s`` exclusive."""

    camera_id: str | None = None
    status: str | None = None
    floor: int | None = None
    since_s: float | None = None
    until_s: float | None = None

    def apply(self, q: Select) -> Select:  # type: ignore[type-arg]
        if self.camera_id is not None:
            q = q.where(EventRow.camera_id == self.camera_id)
        if self.status is not None:
            q = q.where(EventRow.status == self.status)
        if self.floor is not None:
            q = q.where(EventRow.origin_floor == self.floor)
        if self.since_s is not None:
            q = q.where(EventRow.occurred_at_s >= self.since_s)
        if self.until_s is not None:
            q = q.where(EventRow.occurred_at_s < self.until_s)
        return q


@dataclass(frozen=True)
class Cursor:
    """Keyset position in the newest-first queue: the last row of the previous page."""

    occurred_at_s: float
    id: int


def list_events(s: Session, flt: EventFilter, limit: int, before: Cursor | None = None) -> list[EventRow]:
    """Newest first by event time (ties by arrival), at most ``limit`` rows."""
    q = flt.apply(select(EventRow))
    if before is not None:
        q = q.where(
            or_(
                EventRow.occurred_at_s < before.occurred_at_s,
                and_(EventRow.occurred_at_s == before.occurred_at_s, EventRow.id < before.id),
            )
        )
    q = q.order_by(EventRow.occurred_at_s.desc(), EventRow.id.desc()).limit(limit)
    return list(s.scalars(q))


def arrived_after(s: Session, after_id: int, limit: int) -> list[EventRow]:
    """Events stored after row ``after_id``, oldest first (for the live stream)."""
    q = select(EventRow).where(EventRow.id > after_id).order_by(EventRow.id).limit(limit)
    return list(s.scalars(q))


def last_row_id(s: Session) -> int:
    return int(s.scalar(select(func.max(EventRow.id))) or 0)


def get_event(s: Session, event_id: str) -> EventRow | None:
    return s.scalar(select(EventRow).where(EventRow.event_id == event_id))


def neighbours(s: Session, row: EventRow) -> tuple[str | None, str | None]:
    """(newer, older) event ids next to ``row`` in the unfiltered queue."""
    newer = s.scalar(
        select(EventRow.event_id)
        .where(
            or_(
                EventRow.occurred_at_s > row.occurred_at_s,
                and_(EventRow.occurred_at_s == row.occurred_at_s, EventRow.id > row.id),
            )
        )
        .order_by(EventRow.occurred_at_s, EventRow.id)
        .limit(1)
    )
    older = s.scalar(
        select(EventRow.event_id)
        .where(
            or_(
                EventRow.occurred_at_s < row.occurred_at_s,
                and_(EventRow.occurred_at_s == row.occurred_at_s, EventRow.id < row.id),
            )
        )
        .order_by(EventRow.occurred_at_s.desc(), EventRow.id.desc())
        .limit(1)
    )
    return newer, older


def files_of(s: Session, event_id: str) -> list[EventFileRow]:
    return list(s.scalars(select(EventFileRow).where(EventFileRow.event_id == event_id).order_by(EventFileRow.id)))


def file_of(s: Session, event_id: str, kind: str) -> EventFileRow | None:
    """The newest file of ``kind`` (an edge may resend a manifest under a new name)."""
    q = (
        select(EventFileRow)
        .where(EventFileRow.event_id == event_id, EventFileRow.kind == kind)
        .order_by(EventFileRow.id.desc())
        .limit(1)
    )
    return s.scalar(q)


def review(s: Session, row: EventRow, status: ReviewStatus, actor: str, now_s: float) -> None:
    """Set the decision and record it in the audit trail (caller commits)."""
    previous = row.status
    row.status = status
    row.reviewed_by = actor
    row.reviewed_at_s = now_s
    audit.record(s, now_s, actor, status, row.event_id, f"status {previous} -> {status}")


def add_note(s: Session, row: EventRow, text: str, actor: str, now_s: float) -> None:
    audit.record(s, now_s, actor, "note", row.event_id, text)


def count_by_status(s: Session) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for status, n in s.execute(select(EventRow.status, func.count()).group_by(EventRow.status)):
        counts[status] = int(n)
    return counts
