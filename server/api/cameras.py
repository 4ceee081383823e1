"""Cameras as JSON: status from heartbeats (online / stale / offline) and their stats."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from server.api.deps import ctx_of, require
from server.auth.roles import CAMERA_STAFF
from server.auth.sessions import LoggedIn
from server.db.cameras import list_cameras

router = APIRouter()


@router.get("/api/cameras")
def cameras(request: Request, _user: Annotated[LoggedIn, Depends(require(CAMERA_STAFF))]) -> dict[str, Any]:
    ctx = ctx_of(request)
    with ctx.db.session() as s:
        cams = list_cameras(s, ctx.clock(), ctx.config.cameras)
    return {"cameras": [c.to_dict() for c in cams]}
