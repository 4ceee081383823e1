"""Evidence export: GET /api/events/{id}/export returns the zip and records who took it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import StreamingResponse

from server.api.deps import ctx_of, require
from server.api.events import load_event
from server.auth.roles import REVIEWERS
from server.auth.sessions import LoggedIn
from server.db import audit
from server.db import events as q
from server.evidence.export import ExportError, ExportInput, write_export

router = APIRouter()


@router.get("/api/events/{event_id}/export")
def export_event(
    request: Request, event_id: str, user: Annotated[LoggedIn, Depends(require(REVIEWERS))]
) -> StreamingResponse:
    ctx = ctx_of(request)
    now_s = ctx.clock()
    zip_name = f"fallwatch-evidence-{event_id}.zip"
    with ctx.db.session() as s:
        row = load_event(s, event_id)
        data = ExportInput(row, q.files_of(s, event_id), audit.for_event(s, event_id))
        try:
            out = write_export(
                data, ctx.clips, user.name, datetime.fromtimestamp(now_s, UTC).isoformat(timespec="seconds"), zip_name
            )
        except ExportError as exc:
            raise HTTPException(409, str(exc)) from None
        audit.record(s, now_s, user.name, "export", event_id, zip_name)
        s.commit()
    return StreamingResponse(
        iter(lambda: out.read(1 << 16), b""),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{zip_name}"'},
        background=None,
    )
