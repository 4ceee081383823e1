"""Health for operations: /healthz, /readyz and /api/health (JSON).

Readable without login from the monitoring networks (loopback by default), so a
monitoring tool can scrape them; from elsewhere an installer or admin login is needed.
"""

from __future__ import annotations

import shutil
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from fallwatch import __version__
from server.api.deps import ctx_of, monitoring_access
from server.clips.store import ClipStoreError
from server.context import ServerContext
from server.db.audit import RETENTION_ACTOR, count_actions
from server.db.cameras import list_cameras
from server.db.models import HealthProbeRow

router = APIRouter(dependencies=[Depends(monitoring_access)])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up and serving HTTP."""
    return {"status": "ok"}


def database_state(ctx: ServerContext, write: bool) -> str:
    """``ok`` or the error; ``write`` also proves the database accepts a commit."""
    try:
        with ctx.db.session() as s:
            s.execute(text("SELECT 1"))
            if write:
                s.merge(HealthProbeRow(id=1, at_s=ctx.clock()))
                s.commit()
    except Exception as exc:
        return f"error: {type(exc).__name__}: {exc}"[:300]
    return "ok"


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Ready when the database takes a write and the clip store takes a file."""
    ctx = ctx_of(request)
    checks = {"database": database_state(ctx, write=True)}
    try:
        ctx.clips.probe_writable()
        checks["clip_store"] = "ok"
    except ClipStoreError as exc:
        checks["clip_store"] = f"error: {exc}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"ready": ready, **checks}, status_code=200 if ready else 503)


def health(ctx: ServerContext) -> dict[str, Any]:
    now_s = ctx.clock()
    db_state = database_state(ctx, write=False)
    cameras: list[dict[str, Any]] = []
    deletions: dict[str, int] = {}
    if db_state == "ok":
        with ctx.db.session() as s:
            cameras = [c.to_dict() for c in list_cameras(s, now_s, ctx.config.cameras)]
            deletions = count_actions(s, RETENTION_ACTOR)
    disk = shutil.disk_usage(ctx.config.data_dir)
    by_status = {k: sum(1 for c in cameras if c["status"] == k) for k in ("online", "stale", "offline")}
    return {
        "version": __version__,
        "status": "ok" if db_state == "ok" else "degraded",
        "database": {"state": db_state, "backend": ctx.db.backend},
        "disk": {
            "free_bytes": disk.free,
            "total_bytes": disk.total,
            "clip_store_bytes": ctx.clips.used_bytes(),
            "clip_store_limit_bytes": ctx.clips.max_bytes,
        },
        "ingest": ctx.counters(),
        "retention": {"deletions": deletions},
        "cameras_by_status": by_status,
        "cameras": cameras,
    }


@router.get("/api/health")
def api_health(request: Request) -> dict[str, Any]:
    return health(ctx_of(request))
