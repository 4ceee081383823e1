"""Camera configs as JSON for the installer page (installers and admins only): validate,
save a new version and push it to the edge, history, one version, YAML export, the
calibration image (fetched from the edge, or uploaded and then anonymised here) and
the camera's last events for check mode.

Config documents have the keys of the camera YAML (edge.config.camera); every problem
comes back as {"path": key path, "message": ...}, the same text as ``fallwatch config
check``. Image coordinates are px of the camera's full frame, x right, y down.

Credentials in a camera's ``source`` (an RTSP password) never leave the server: every
config this API returns has them masked (edge.config.source_mask), and a config saved
with a masked source gets the real one back from the source the edge runs or the one
last saved, so the stored version is exactly what the edge runs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from edge.config.camera import (
    CameraConfig,
    ConfigError,
    PrivacyConfig,
    config_digest,
    dump_camera_config,
    parse_camera_yaml,
)
from edge.config.diff import summarize_change
from edge.config.problems import ConfigCheck, check_config_document
from edge.config.source_mask import has_credentials, is_masked, mask_source, unmask_source
from edge.protocol.messages import MAX_CONFIG_BYTES
from server.api.deps import ctx_of, require
from server.api.edge_calls import EdgeCallFailed, push_config, request_snapshot, running_config
from server.api.image_check import ImageRejected, inspect_image
from server.api.upload_privacy import anonymize_upload
from server.api.views import iso_utc, local_time
from server.auth.roles import CAMERA_STAFF
from server.auth.sessions import LoggedIn
from server.context import ServerContext
from server.db import calibration_images, configs
from server.db.events import EventFilter, list_events
from server.db.models import CameraRow, ConfigVersionRow

log = logging.getLogger(__name__)

router = APIRouter()
Staff = Annotated[LoggedIn, Depends(require(CAMERA_STAFF))]
CAMERA_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
CameraId = Annotated[str, PathParam(pattern=CAMERA_ID_PATTERN, max_length=64)]
MAX_CHECK_EVENTS = 50
MASKED_SOURCE_UNKNOWN = (
    "its credentials are masked (***), and it is neither the source the edge runs nor the saved one, "
    "so the real credentials are unknown here: type the full source with its credentials"
)


class ConfigDocument(BaseModel):
    """A config as the page built it; ``base_version`` is the version it was loaded from
    (None for a camera without one), so a concurrent save is refused, not overwritten."""

    model_config = ConfigDict(extra="forbid")
    config: dict[str, Any]
    base_version: int | None = None


def _problems(items: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"path": path, "message": message} for path, message in items]


def _check(ctx: ServerContext, camera_id: str, document: dict[str, Any]) -> ConfigCheck:
    with ctx.db.session() as s:
        image = calibration_images.info(s, camera_id)
    size = (image.width_px, image.height_px) if image else None
    return check_config_document(document, size, camera_id)


def version_view(row: ConfigVersionRow) -> dict[str, Any]:
    return {
        "version": row.version,
        "digest": row.digest,
        "created_by": row.created_by,
        "created_at": iso_utc(row.created_at_s),
        "created_local": local_time(row.created_at_s),
        "summary": row.summary,
        "push_status": row.push_status,
        "push_detail": row.push_detail,
        "yaml_url": f"/api/cameras/{row.camera_id}/configs/{row.version}/yaml",
    }


def masked(config: CameraConfig) -> CameraConfig:
    """``config`` with the credentials in its source masked, for pages and summaries."""
    return config.model_copy(update={"source": mask_source(config.source)})


def _shown_yaml(config: CameraConfig, yaml_text: str) -> str:
    """``yaml_text`` (the YAML of ``config``) as a page or download may show it."""
    return dump_camera_config(masked(config)) if has_credentials(config.source) else yaml_text


def _version_detail(row: ConfigVersionRow) -> dict[str, Any]:
    config = parse_camera_yaml(row.yaml_text, f"{row.camera_id} v{row.version}")
    return {
        **version_view(row),
        "yaml": _shown_yaml(config, row.yaml_text),
        "config": masked(config).model_dump(mode="json"),
    }


def _image_view(info: calibration_images.ImageInfo) -> dict[str, Any]:
    return {
        "url": f"/api/cameras/{info.camera_id}/snapshot?v={info.sha256[:16]}",
        "width": info.width_px,
        "height": info.height_px,
        "origin": info.origin,
        "stored_by": info.stored_by,
        "stored_local": local_time(info.stored_at_s),
    }


@router.get("/api/cameras/{camera_id}/calibration")
def calibration_state(request: Request, camera_id: CameraId, _user: Staff) -> dict[str, Any]:
    """Everything the page starts from: latest version, image, what the edge runs."""
    ctx = ctx_of(request)
    control = ctx.edge_control
    with ctx.db.session() as s:
        row = configs.latest(s, camera_id)
        image = calibration_images.info(s, camera_id)
        camera = s.get(CameraRow, camera_id)
        reported = (camera.heartbeat or {}).get("config_version") if camera else None
        running = configs.edge_config_state(s, camera_id, reported)
    return {
        "camera_id": camera_id,
        "latest": _version_detail(row) if row else None,
        "image": _image_view(image) if image else None,
        "edge": {
            "link": control is not None,
            "connected": control.connected(camera_id) if control is not None else False,
            "config_version": reported,
            "running_version": running.running_version,
            "state": running.state,
        },
    }


@router.get("/api/cameras/{camera_id}/edge-config")
def edge_config(request: Request, camera_id: CameraId, _user: Staff) -> dict[str, Any]:
    """The config the camera's edge runs now (asked over the link), for the editor to
    start from, with its source's credentials masked; ``state`` says how it compares
    with the saved versions ("latest", "old", "unknown", "no_config")."""
    ctx = ctx_of(request)
    try:
        reply = running_config(ctx.edge_control, camera_id)
    except EdgeCallFailed as exc:
        raise HTTPException(exc.status_code, str(exc)) from None
    try:
        config = parse_camera_yaml(reply.yaml_text, f"the config the edge of {camera_id} runs")
    except ConfigError as exc:
        raise HTTPException(502, f"it does not load on this server: {exc.one_line()}") from None
    digest = config_digest(config)
    with ctx.db.session() as s:
        state = configs.edge_config_state(s, camera_id, digest)
    return {
        "camera_id": camera_id,
        "config": masked(config).model_dump(mode="json"),
        "digest": digest,
        "edge_config_version": reply.config_version,
        "pushed_version": reply.version,
        "source_masked": has_credentials(config.source),
        "state": state.state,
        "saved_version": state.running_version,
        "latest_version": state.latest_version,
    }


def _known_sources(ctx: ServerContext, camera_id: str) -> Iterator[str | int]:
    """Real sources a masked one may stand for, best first: the edge's (asked only
    when needed: the stored version must be what the edge runs), then the saved one."""
    if ctx.edge_control is not None and ctx.edge_control.connected(camera_id):
        try:
            yield parse_camera_yaml(running_config(ctx.edge_control, camera_id).yaml_text).source
        except (EdgeCallFailed, ConfigError) as exc:
            log.warning("cannot compare a masked source of %s with the edge's: %s", camera_id, exc)
    with ctx.db.session() as s:
        row = configs.latest(s, camera_id)
        text = row.yaml_text if row else None
    if text is not None:
        yield parse_camera_yaml(text).source


def _with_real_source(ctx: ServerContext, camera_id: str, document: dict[str, Any]) -> dict[str, Any] | None:
    """``document`` with a masked source replaced by the real one; None when unknown."""
    source = document.get("source")
    if not isinstance(source, str) or not is_masked(source):
        return document
    real = unmask_source(source, _known_sources(ctx, camera_id))
    return None if real is None else {**document, "source": real}


def _summary(old: CameraConfig | None, new: CameraConfig) -> str:
    """What changed, without credentials; a changed password is named as such."""
    summary = summarize_change(masked(old) if old else None, masked(new))
    if old is not None and old.source != new.source and mask_source(old.source) == mask_source(new.source):
        summary = "source credentials changed" + ("" if summary == "no change" else "; " + summary)
    return summary


class YamlDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")
    yaml: str


@router.post("/api/cameras/{camera_id}/configs/import")
def import_yaml(request: Request, camera_id: CameraId, body: YamlDocument, _user: Staff) -> Any:
    """Read a camera YAML (say the one an edge was started with) into a document the page
    can edit and validate; nothing is saved. YAML that is not a mapping is refused."""
    try:
        # Aliases could expand a small text into a huge document (a "billion laughs");
        # a camera config never needs them.
        if any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(body.yaml, Loader=yaml.SafeLoader)):
            raise HTTPException(422, "YAML aliases (*name) are not accepted in a camera config")
        document = yaml.safe_load(body.yaml)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise HTTPException(422, f"not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(document, dict):
        raise HTTPException(422, f"a camera config must be a mapping of keys, got {type(document).__name__}")
    if isinstance(document.get("source"), str):
        document["source"] = mask_source(document["source"])
    return {"config": document}


@router.post("/api/cameras/{camera_id}/configs/validate")
def validate(request: Request, camera_id: CameraId, body: ConfigDocument, _user: Staff) -> dict[str, Any]:
    """Check a config without saving it."""
    check = _check(ctx_of(request), camera_id, body.config)
    return {"ok": check.ok, "errors": _problems(check.errors), "warnings": _problems(check.warnings)}


@router.post("/api/cameras/{camera_id}/configs", status_code=201)
def save(request: Request, camera_id: CameraId, body: ConfigDocument, user: Staff) -> Any:
    """Store a new version (only when it validates) and push it to the camera's edge."""
    ctx = ctx_of(request)
    document = _with_real_source(ctx, camera_id, body.config)
    if document is None:
        return JSONResponse(
            {
                "detail": "not saved: the source's credentials are masked and unknown here",
                "errors": _problems([("source", MASKED_SOURCE_UNKNOWN)]),
                "warnings": [],
            },
            status_code=422,
        )
    check = _check(ctx, camera_id, document)
    if not check.ok or check.config is None:
        return JSONResponse(
            {
                "detail": f"not saved: {len(check.errors)} problem(s) in the config",
                "errors": _problems(check.errors),
                "warnings": _problems(check.warnings),
            },
            status_code=422,
        )
    yaml_text = dump_camera_config(check.config)
    if len(yaml_text.encode()) > MAX_CONFIG_BYTES:
        problem = f"the config is {len(yaml_text.encode())} bytes of YAML; at most {MAX_CONFIG_BYTES} fit the edge link"
        return JSONResponse(
            {"detail": f"not saved: {problem}", "errors": _problems([("(top level)", problem)]), "warnings": []},
            status_code=422,
        )
    # The digest of the config as the edge will parse it from this YAML.
    digest = config_digest(parse_camera_yaml(yaml_text, camera_id))
    with ctx.db.session() as s:
        previous = configs.latest(s, camera_id)
        old = parse_camera_yaml(previous.yaml_text) if previous else None
        try:
            row = configs.save(
                s,
                camera_id,
                yaml_text,
                digest,
                _summary(old, check.config),
                user.name,
                ctx.clock(),
                body.base_version,
            )
        except configs.VersionConflict as exc:
            raise HTTPException(409, str(exc)) from None
    # No database connection is held while waiting for the edge.
    outcome = push_config(ctx.edge_control, camera_id, yaml_text, row.version, digest)
    with ctx.db.session() as s:
        row = configs.record_push(s, camera_id, row.version, outcome.status, outcome.message, ctx.clock())
        s.commit()
    return {**version_view(row), "warnings": _problems(check.warnings), "push": outcome.to_dict()}


@router.get("/api/cameras/{camera_id}/configs")
def config_history(
    request: Request, camera_id: CameraId, _user: Staff, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> dict[str, Any]:
    with ctx_of(request).db.session() as s:
        return {"camera_id": camera_id, "versions": [version_view(r) for r in configs.history(s, camera_id, limit)]}


def _version_or_404(request: Request, camera_id: str, version: int) -> ConfigVersionRow:
    with ctx_of(request).db.session() as s:
        row = configs.get(s, camera_id, version)
    if row is None:
        raise HTTPException(404, f"{camera_id} has no config version {version}")
    return row


@router.get("/api/cameras/{camera_id}/configs/{version}")
def config_version(
    request: Request, camera_id: CameraId, version: Annotated[int, PathParam(ge=1)], _user: Staff
) -> dict[str, Any]:
    return _version_detail(_version_or_404(request, camera_id, version))


@router.get("/api/cameras/{camera_id}/configs/{version}/yaml")
def config_yaml(
    request: Request, camera_id: CameraId, version: Annotated[int, PathParam(ge=1)], _user: Staff
) -> Response:
    """The version as a YAML file that ``fallwatch config check`` and the edge read; the
    source's credentials are masked (the edge's own --config holds the real ones)."""
    row = _version_or_404(request, camera_id, version)
    config = parse_camera_yaml(row.yaml_text, f"{camera_id} v{version}")
    header = yaml.safe_dump(
        {"saved_by": row.created_by, "saved_at": iso_utc(row.created_at_s), "config_version": row.digest}
    )
    if has_credentials(config.source):
        header += "source credentials are masked (***): put the real ones in the edge's --config\n"
    text = "".join(f"# {line}\n" for line in header.splitlines()) + _shown_yaml(config, row.yaml_text)
    return Response(
        text,
        media_type="application/yaml",
        headers={
            "Content-Disposition": f'attachment; filename="{camera_id}-v{version}.yaml"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/api/cameras/{camera_id}/snapshot")
def snapshot(request: Request, camera_id: CameraId, _user: Staff) -> Response:
    with ctx_of(request).db.session() as s:
        found = calibration_images.data(s, camera_id)
    if found is None:
        raise HTTPException(404, f"{camera_id} has no calibration image yet")
    data, media_type = found
    return Response(data, media_type=media_type, headers={"Cache-Control": "private, no-store"})


def _store_image(ctx: ServerContext, camera_id: str, data: bytes, origin: str, actor: str) -> dict[str, Any]:
    try:
        media_type, size = inspect_image(data)
    except ImageRejected as exc:
        raise HTTPException(422, f"not stored: {exc}") from None
    with ctx.db.session() as s:
        info = calibration_images.put(s, camera_id, data, media_type, size, origin, actor, ctx.clock())
    return _image_view(info)


def _privacy_of(ctx: ServerContext, camera_id: str) -> PrivacyConfig:
    """The camera's privacy settings and areas as last saved (defaults before that)."""
    with ctx.db.session() as s:
        row = configs.latest(s, camera_id)
    return parse_camera_yaml(row.yaml_text).privacy if row else PrivacyConfig()


@router.post("/api/cameras/{camera_id}/snapshot", status_code=201)
def upload_snapshot(
    request: Request, camera_id: CameraId, user: Staff, data: Annotated[bytes, Body(media_type="image/jpeg")]
) -> dict[str, Any]:
    """An image the installer took (JPEG or PNG as the raw body), with faces blurred,
    becomes the calibration image."""
    ctx = ctx_of(request)
    try:
        media_type, size = inspect_image(data)
        clean = anonymize_upload(data, media_type, _privacy_of(ctx, camera_id))
    except ImageRejected as exc:
        raise HTTPException(422, f"not stored: {exc}") from None
    with ctx.db.session() as s:
        replaced = calibration_images.info(s, camera_id)
    stored = _store_image(ctx, camera_id, clean, "upload", user.name)
    warning = _size_warning(camera_id, size, replaced)
    return {**stored, "warning": warning} if warning else stored


def _size_warning(
    camera_id: str, size: tuple[int, int], replaced: calibration_images.ImageInfo | None
) -> str | None:
    """Corners are px of the camera's own frames: an upload of another size (a phone
    photo, a resized export) puts the grid on the wrong pixels. The edge's last image
    is the one size known to be the camera's."""
    if replaced is None or replaced.origin != "edge" or (replaced.width_px, replaced.height_px) == size:
        return None
    return (
        f"this image is {size[0]}x{size[1]} px but the edge of {camera_id} sent {replaced.width_px}x"
        f"{replaced.height_px} px frames: corners and masks set on it land on the wrong pixels of the "
        "camera; fetch a fresh image from the edge, or upload a frame at the camera's resolution"
    )


@router.post("/api/cameras/{camera_id}/snapshot/fetch", status_code=201)
def fetch_snapshot(request: Request, camera_id: CameraId, user: Staff) -> dict[str, Any]:
    """A fresh frame from the camera's edge (anonymised there) becomes the calibration image."""
    ctx = ctx_of(request)
    try:
        data = request_snapshot(ctx.edge_control, camera_id)
    except EdgeCallFailed as exc:
        raise HTTPException(exc.status_code, str(exc)) from None
    return _store_image(ctx, camera_id, data, "edge", user.name)


@router.get("/api/cameras/{camera_id}/check-events")
def check_events(
    request: Request,
    camera_id: CameraId,
    _user: Staff,
    limit: Annotated[int, Query(ge=1, le=MAX_CHECK_EVENTS)] = 10,
) -> dict[str, Any]:
    """The camera's last events as geometry only (trajectory and origin in image px,
    floor/column as the edge reported them): enough to confirm a test drop."""
    with ctx_of(request).db.session() as s:
        rows = list_events(s, EventFilter(camera_id=camera_id), limit)
    events = []
    for row in rows:
        origin = row.data.get("origin") or {}
        events.append(
            {
                "event_id": row.event_id,
                "occurred_local": local_time(row.occurred_at_s),
                "floor": row.origin_floor,
                "column": row.origin_column,
                # Which config the edge ran when it saw the drop: a drop seen before
                # the last save says nothing about the new calibration.
                "config_version": row.data.get("config_version"),
                "t_start": row.data.get("t_start"),  # stream seconds
                "facade": origin.get("facade"),
                "origin": [origin.get("x"), origin.get("y")],
                "trajectory": [
                    [p[1], p[2]] for p in row.data.get("trajectory") or [] if isinstance(p, list) and len(p) == 3
                ],
            }
        )
    return {"camera_id": camera_id, "events": events}
