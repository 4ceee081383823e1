"""The installer's calibration page: one camera's facades, masks, privacy polygons and
sensitivity settings over its calibration image, with check mode for a test drop.

The page itself is static HTML plus static/calibrate.js; everything it reads and
writes goes through server.api.configs, so the page and the API share one validation.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from server.api.configs import CAMERA_ID_PATTERN, MAX_CHECK_EVENTS, CameraId
from server.api.deps import require
from server.auth.roles import CAMERA_STAFF
from server.auth.sessions import LoggedIn
from server.db import configs
from server.db.cameras import CameraStatus
from server.web.settings_form import facade_fields, settings_sections
from server.web.templates import render

router = APIRouter()
Staff = Annotated[LoggedIn, Depends(require(CAMERA_STAFF))]


@router.get("/calibrate", response_class=RedirectResponse)
def pick_camera(_user: Staff, camera_id: Annotated[str, Query(max_length=64)] = "") -> RedirectResponse:
    """The cameras page's "add or pick a camera" form lands here."""
    camera_id = camera_id.strip()
    if not re.match(CAMERA_ID_PATTERN, camera_id):
        raise HTTPException(
            422,
            f"camera id {camera_id!r}: use 1-64 letters, digits, dot, dash or underscore, "
            "starting with a letter or digit",
        )
    return RedirectResponse(f"/calibrate/{camera_id}", status_code=303)


@router.get("/calibrate/{camera_id}", response_class=HTMLResponse)
def calibrate_page(camera_id: CameraId, user: Staff) -> HTMLResponse:
    return render(
        "calibrate.html",
        user=user,
        camera_id=camera_id,
        sections=settings_sections(),
        facade=facade_fields(),
        max_check_events=MAX_CHECK_EVENTS,
    )


def with_config_state(s: Session, cams: list[CameraStatus]) -> list[dict[str, Any]]:
    """Camera rows for the cameras page, each with ``config``: which saved version the
    edge runs (its heartbeat's config_version against the saved digests), plus rows for
    cameras that have a saved config but never reported."""
    rows = [c.to_dict() for c in cams]
    known = {c.camera_id for c in cams}
    rows += [
        CameraStatus(camera_id, "offline", None, None, {}).to_dict()
        for camera_id in configs.camera_ids(s)
        if camera_id not in known
    ]
    for row in rows:
        row["config"] = configs.edge_config_state(s, row["camera_id"], row["config_version"])
    return sorted(rows, key=lambda r: r["camera_id"])
