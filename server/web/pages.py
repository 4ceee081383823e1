"""The HTML pages: the review queue, one event, cameras and users."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from server.api.deps import ctx_of, require
from server.api.events import event_detail, load_event, queue_page
from server.api.filters import cursor, event_filter
from server.auth.roles import ADMINS, CAMERA_STAFF, REVIEWERS
from server.auth.sessions import LoggedIn
from server.db.cameras import list_cameras
from server.db.events import Cursor, EventFilter
from server.db.users import list_users
from server.web.calibrate import with_config_state
from server.web.templates import render
from server.web.trajectory import overlay

router = APIRouter()
QUEUE_PAGE_SIZE = 50


@router.get("/", response_class=HTMLResponse)
def queue(
    request: Request,
    user: Annotated[LoggedIn, Depends(require(REVIEWERS))],
    flt: Annotated[EventFilter, Depends(event_filter)],
    before: Annotated[Cursor | None, Depends(cursor)],
) -> HTMLResponse:
    page = queue_page(request, flt, before, QUEUE_PAGE_SIZE)
    filtered = any(v is not None for v in flt.__dict__.values()) or before is not None
    params = {k: v for k, v in request.query_params.items() if k != "before"}
    return render("queue.html", user=user, page=page, filtered=filtered, params=params)


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_page(request: Request, event_id: str, user: Annotated[LoggedIn, Depends(require(REVIEWERS))]) -> HTMLResponse:
    with ctx_of(request).db.session() as s:
        detail: dict[str, Any] = event_detail(s, load_event(s, event_id))
    return render("event.html", user=user, ev=detail, overlay=overlay(detail["data"]))


@router.get("/cameras", response_class=HTMLResponse)
def cameras_page(request: Request, user: Annotated[LoggedIn, Depends(require(CAMERA_STAFF))]) -> HTMLResponse:
    ctx = ctx_of(request)
    with ctx.db.session() as s:
        cams = with_config_state(s, list_cameras(s, ctx.clock(), ctx.config.cameras))
    return render("cameras.html", user=user, cameras=cams)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, user: Annotated[LoggedIn, Depends(require(ADMINS))]) -> HTMLResponse:
    with ctx_of(request).db.session() as s:
        users = [{"name": u.name, "role": u.role, "disabled": u.disabled} for u in list_users(s)]
    return render("users.html", user=user, users=users)
