"""New events pushed to open review pages as server-sent events.

The stream polls the database for rows newer than the last one it sent, so it sees
events stored by any process (the ingest thread, another server on the same
PostgreSQL) and resumes after a reconnect from ``Last-Event-ID``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from server.api.deps import ctx_of, require
from server.api.events import summaries
from server.auth import sessions
from server.auth.roles import REVIEWERS
from server.auth.sessions import LoggedIn
from server.context import ServerContext
from server.db import events as q

router = APIRouter()
POLL_INTERVAL_S = 1.0
KEEPALIVE_S = 15.0


def _fetch(ctx: ServerContext, after_id: int, token: str | None) -> tuple[list[dict[str, object]], bool]:
    """New queue lines after ``after_id`` and whether the session is still valid."""
    with ctx.db.session() as s:
        if sessions.lookup(s, token, ctx.clock()) is None:
            return [], False
        return summaries(s, q.arrived_after(s, after_id, 100)), True


async def _events(request: Request, ctx: ServerContext, after_id: int) -> AsyncIterator[str]:
    token = request.cookies.get(sessions.COOKIE_NAME)
    idle_s = 0.0
    yield "retry: 2000\n\n"
    while not await request.is_disconnected():
        lines, alive = await run_in_threadpool(_fetch, ctx, after_id, token)
        if not alive:
            yield "event: logout\ndata: {}\n\n"
            return
        for line in lines:
            after_id = int(line["row_id"])  # type: ignore[call-overload]
            yield f"id: {after_id}\nevent: new-event\ndata: {json.dumps(line)}\n\n"
        idle_s = 0.0 if lines else idle_s + POLL_INTERVAL_S
        if idle_s >= KEEPALIVE_S:
            idle_s = 0.0
            yield ": keepalive\n\n"
        await asyncio.sleep(POLL_INTERVAL_S)


@router.get("/api/events/stream")
async def stream(
    request: Request, _user: Annotated[LoggedIn, Depends(require(REVIEWERS))], after: int | None = None
) -> StreamingResponse:
    """``after`` (or ``Last-Event-ID``) is the last row id the page has; default: now."""
    ctx = ctx_of(request)
    resume = request.headers.get("last-event-id")
    if resume is not None:
        if not resume.isdigit() or len(resume) > 12:
            raise HTTPException(422, "Last-Event-ID must be a row id")
        after = int(resume)
    if after is None:
        after = await run_in_threadpool(lambda: _last_id(ctx))
    elif not 0 <= after < 10**12:
        raise HTTPException(422, "after must be a row id")
    return StreamingResponse(
        _events(request, ctx, after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _last_id(ctx: ServerContext) -> int:
    with ctx.db.session() as s:
        return q.last_row_id(s)
