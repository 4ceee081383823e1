"""Events as JSON: the queue, one event, its files, review decisions and notes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.api.deps import ctx_of, require
from server.api.filters import cursor, cursor_of, event_filter
from server.api.views import audit_view, event_summary, file_view
from server.auth.roles import REVIEWERS
from server.auth.sessions import LoggedIn
from server.db import audit
from server.db import events as q
from server.db.events import Cursor, EventFilter
from server.db.models import EventFileRow, EventRow

router = APIRouter()
Reviewer = Annotated[LoggedIn, Depends(require(REVIEWERS))]
MAX_NOTE_CHARS = 2000
_MEDIA_TYPES = {".mp4": "video/mp4", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["confirmed", "false_alarm"]


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_NOTE_CHARS)


def summaries(s: Session, rows: list[EventRow]) -> list[dict[str, Any]]:
    """Queue lines with the kinds of files each event has (one query for the page)."""
    ids = [r.event_id for r in rows]
    kinds: dict[str, set[str]] = {i: set() for i in ids}
    if ids:
        for event_id, kind in s.execute(
            select(EventFileRow.event_id, EventFileRow.kind).where(EventFileRow.event_id.in_(ids))
        ):
            kinds[event_id].add(kind)
    return [event_summary(r, kinds[r.event_id]) for r in rows]


def queue_page(request: Request, flt: EventFilter, before: Cursor | None, limit: int) -> dict[str, Any]:
    ctx = ctx_of(request)
    with ctx.db.session() as s:
        rows = q.list_events(s, flt, limit + 1, before)
        page = summaries(s, rows[:limit])
        last_id = q.last_row_id(s)
    more = len(rows) > limit
    return {
        "events": page,
        "next_before": cursor_of(rows[limit - 1].occurred_at_s, rows[limit - 1].id) if more else None,
        "last_row_id": last_id,
    }


@router.get("/api/events")
def list_events(
    request: Request,
    _user: Reviewer,
    flt: Annotated[EventFilter, Depends(event_filter)],
    before: Annotated[Cursor | None, Depends(cursor)],
    limit: int = 50,
) -> dict[str, Any]:
    if not 1 <= limit <= 200:
        raise HTTPException(422, "limit must be from 1 to 200")
    return queue_page(request, flt, before, limit)


def load_event(s: Session, event_id: str) -> EventRow:
    if len(event_id) > 64:
        raise HTTPException(404, "no such event")
    row = q.get_event(s, event_id)
    if row is None:
        raise HTTPException(404, "no such event")
    return row


def event_detail(s: Session, row: EventRow) -> dict[str, Any]:
    files = q.files_of(s, row.event_id)
    newer, older = q.neighbours(s, row)
    return {
        **event_summary(row, {f.kind for f in files}),
        "data": row.data,
        "reviewed_at": row.reviewed_at_s,
        "files": [file_view(f) for f in files if f.kind != "manifest"],
        "audit": [audit_view(a) for a in audit.for_event(s, row.event_id)],
        "newer_event_id": newer,
        "older_event_id": older,
    }


@router.get("/api/events/{event_id}")
def get_event(request: Request, event_id: str, _user: Reviewer) -> dict[str, Any]:
    with ctx_of(request).db.session() as s:
        return event_detail(s, load_event(s, event_id))


@router.get("/api/events/{event_id}/files/{kind}")
def get_file(
    request: Request, event_id: str, kind: Literal["clip", "snapshot", "snapshot_clean"], _user: Reviewer
) -> FileResponse:
    ctx = ctx_of(request)
    with ctx.db.session() as s:
        load_event(s, event_id)
        f = q.file_of(s, event_id, kind)
    if f is None:
        raise HTTPException(404, f"event has no {kind}")
    path = ctx.clips.path(f.rel_path)
    if not path.is_file():
        raise HTTPException(404, f"the {kind} was removed from the clip store")
    media_type = _MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "private, max-age=3600"})


@router.post("/api/events/{event_id}/review")
def review_event(request: Request, event_id: str, body: ReviewIn, user: Reviewer) -> dict[str, Any]:
    ctx = ctx_of(request)
    with ctx.db.session() as s:
        row = load_event(s, event_id)
        q.review(s, row, body.status, user.name, ctx.clock())
        s.commit()
        return event_detail(s, row)


@router.post("/api/events/{event_id}/notes", status_code=201)
def add_note(request: Request, event_id: str, body: NoteIn, user: Reviewer) -> dict[str, Any]:
    ctx = ctx_of(request)
    text = body.text.strip()
    if not text:
        raise HTTPException(422, "a note needs some text")
    with ctx.db.session() as s:
        row = load_event(s, event_id)
        q.add_note(s, row, text, user.name, ctx.clock())
        s.commit()
        return event_detail(s, row)
