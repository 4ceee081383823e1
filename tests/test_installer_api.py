"""The installer API on SQLite and PostgreSQL: roles and CSRF, one validation shared with
``fallwatch config check``, config versions (history, who/what, YAML export, concurrent
saves), calibration images, check-mode events, the cameras page's "old config" state,
and config push / snapshot over the real CURVE ZeroMQ link to an edge."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import yaml
from fastapi.testclient import TestClient
from linked_edge import LinkedEdge
from nacl.signing import SigningKey
from server_helpers import csrf_of, login, store_signed_event

from edge.config.camera import (
    CameraConfig,
    MotionConfig,
    PrivacyConfig,
    config_digest,
    load_camera_config,
    parse_camera_config,
    parse_camera_yaml,
)
from edge.config.diff import summarize_change
from edge.privacy.audit import faces_left, find_faces
from edge.privacy.centerface import FaceDetector
from edge.privacy.faceset import cut_faces, video_frames
from edge.privacy.model_files import default_models_dir, verified_model_path
from edge.protocol.keys import load_curve_keypair
from server.api.image_check import ImageRejected
from server.api.middleware import MAX_BODY_BYTES, MAX_UPLOAD_BYTES
from server.api.upload_privacy import FACE_MODEL, SharedFaceModel, anonymize_upload
from server.app import create_app
from server.config import ServerConfig
from server.context import ServerContext
from server.db import calibration_images
from server.db.configs import latest_provider
from server.db.models import AuditRow
from server.db.users import create_user
from server.ingest.service import IngestService
from tests.link_helpers import make_keys

PASSWORD = "correct horse battery"
CAM = "cam-test"
W, H = 640, 360
CORNERS = [[200.0, 20.0], [440.0, 24.0], [450.0, 340.0], [190.0, 336.0]]


def document(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "camera_id": CAM,
        "source": "rtsp://10.0.0.7/stream1",
        "facades": [{"name": "east", "corners": CORNERS, "floors": 12, "columns": 4}],
        "masks": [[[10.0, 300.0], [120.0, 300.0], [120.0, 350.0]]],
    }
    doc.update(changes)
    return doc


def jpeg(width: int = W, height: int = H) -> bytes:
    img = np.full((height, width, 3), 120, np.uint8)
    cv2.rectangle(img, (200, 20), (440, 340), (200, 200, 200), -1)
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return buf.tobytes()


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[ServerContext]:
    c = ServerContext.open(ServerConfig(data_dir=tmp_path / "data", db_url=db_url))
    with c.db.session() as s:
        for name, role in (("gina", "guard"), ("ivan", "installer"), ("ada", "admin")):
            create_user(s, name, role, PASSWORD, time.time())
        s.commit()
    yield c
    c.close()


class Client:
    """A logged-in TestClient that sends the session's CSRF token on writes."""

    def __init__(self, ctx: ServerContext, who: str) -> None:
        self.http = TestClient(create_app(ctx), follow_redirects=False)
        assert login(self.http, who, PASSWORD).status_code == 303
        self.csrf = csrf_of(self.http)

    def get(self, path: str) -> Any:
        return self.http.get(path)

    def post(self, path: str, **kw: Any) -> Any:
        headers = {"X-CSRF-Token": self.csrf, **kw.pop("headers", {})}
        return self.http.post(path, headers=headers, **kw)

    def upload(self, data: bytes, media_type: str = "image/jpeg") -> Any:
        return self.post(f"/api/cameras/{CAM}/snapshot", content=data, headers={"Content-Type": media_type})

    def save(self, doc: dict[str, Any], base_version: int | None) -> Any:
        return self.post(f"/api/cameras/{CAM}/configs", json={"config": doc, "base_version": base_version})

    def versions(self) -> list[dict[str, Any]]:
        return list(self.get(f"/api/cameras/{CAM}/configs").json()["versions"])


ROUTES = [
    ("GET", f"/calibrate/{CAM}"),
    ("GET", f"/api/cameras/{CAM}/calibration"),
    ("GET", f"/api/cameras/{CAM}/configs"),
    ("GET", f"/api/cameras/{CAM}/configs/1"),
    ("GET", f"/api/cameras/{CAM}/configs/1/yaml"),
    ("POST", f"/api/cameras/{CAM}/configs"),
    ("POST", f"/api/cameras/{CAM}/configs/validate"),
    ("POST", f"/api/cameras/{CAM}/configs/import"),
    ("GET", f"/api/cameras/{CAM}/snapshot"),
    ("POST", f"/api/cameras/{CAM}/snapshot"),
    ("POST", f"/api/cameras/{CAM}/snapshot/fetch"),
    ("GET", f"/api/cameras/{CAM}/check-events"),
]


def test_only_installers_and_admins_calibrate_and_writes_need_csrf(ctx: ServerContext) -> None:
    anonymous = TestClient(create_app(ctx), follow_redirects=False)
    for method, path in ROUTES:
        r = anonymous.request(method, path, json={})
        assert r.status_code == (303 if path.startswith("/calibrate") else 401), (method, path, r.status_code)
    guard = Client(ctx, "gina")
    for method, path in ROUTES:
        r = guard.http.request(method, path, json={}, headers={"X-CSRF-Token": guard.csrf})
        assert r.status_code == 403, (method, path, r.status_code)
    installer = Client(ctx, "ivan")
    r = installer.http.post(f"/api/cameras/{CAM}/configs", json={"config": document()})
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    assert installer.versions() == []
    admin = Client(ctx, "ada")
    assert admin.save(document(), None).status_code == 201
    assert admin.get(f"/calibrate/{CAM}").status_code == 200
    # A camera id outside the config's pattern never reaches a handler.
    assert installer.get("/api/cameras/..%2Fetc/configs").status_code in (404, 422)
    assert installer.get("/calibrate?camera_id=bad%20id").status_code == 422


def test_validation_is_the_config_check_validation(ctx: ServerContext, tmp_path: Path) -> None:
    c = Client(ctx, "ivan")
    bad = document(
        facades=[
            {
                "name": "east",
                "corners": [CORNERS[1], CORNERS[0], CORNERS[3], CORNERS[2]],
                "floors": 0,
                "columns": 4,
                "floor_hight_m": 3.0,
            }
        ],
        detection={"min_descent_floors": 50},
        source="",
    )
    r = c.post(f"/api/cameras/{CAM}/configs/validate", json={"config": bad})
    assert r.status_code == 200 and r.json()["ok"] is False
    errors = {(p["path"], p["message"]) for p in r.json()["errors"]}
    paths = {p for p, _ in errors}
    assert {
        "facades.0.corners",
        "facades.0.floors",
        "facades.0.floor_hight_m",
        "detection.min_descent_floors",
        "source",
    } <= paths, errors
    # `fallwatch config check` prints the same key paths with the same messages.
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    command = [sys.executable, "-m", "fallwatch.cli", "config", "check", str(path)]
    checked = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 2
    cli = {tuple(line.strip().split(": ", 1)) for line in checked.stderr.splitlines()[1:]}
    assert cli == errors
    # Nothing is saved from a config with errors; the answer names every problem.
    r = c.save(bad, None)
    assert r.status_code == 422 and {(p["path"], p["message"]) for p in r.json()["errors"]} == errors
    assert c.versions() == []
    # A YAML file is read into an editable document, even one with problems; bad YAML is refused.
    r = c.post(f"/api/cameras/{CAM}/configs/import", json={"yaml": path.read_text()})
    assert r.status_code == 200 and r.json()["config"] == bad
    r = c.post(f"/api/cameras/{CAM}/configs/import", json={"yaml": "camera_id: [unclosed"})
    assert r.status_code == 422 and "not valid YAML at line 1" in r.json()["detail"]
    laughs = "a: &a [x, x, x, x, x, x, x, x]\n" + "".join(
        f"{k}: &{k} [{', '.join(['*' + p] * 8)}]\n" for p, k in zip("abcdefgh", "bcdefghi", strict=True)
    )
    r = c.post(f"/api/cameras/{CAM}/configs/import", json={"yaml": laughs})
    assert r.status_code == 422 and "aliases" in r.json()["detail"]
    r = c.post(f"/api/cameras/{CAM}/configs/import", json={"yaml": "- a list"})
    assert r.status_code == 422 and "mapping" in r.json()["detail"]
    # The camera id must be the camera's.
    r = c.save(document(camera_id="cam-other"), None)
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "camera_id"


def test_frame_fit_uses_the_calibration_image(ctx: ServerContext) -> None:
    c = Client(ctx, "ivan")
    outside = document(masks=[[[700.0, 10.0], [800.0, 10.0], [800.0, 90.0]]])
    r = c.post(f"/api/cameras/{CAM}/configs/validate", json={"config": outside})
    assert r.json()["ok"] is True  # no image yet: the frame size is unknown
    assert c.upload(jpeg()).status_code == 201
    r = c.post(f"/api/cameras/{CAM}/configs/validate", json={"config": outside})
    assert r.json()["errors"] == [{"path": "masks.0", "message": f"polygon lies entirely outside the {W}x{H} frame"}]
    far = document(
        facades=[
            {
                "name": "east",
                "corners": [[-900, -900], [-700, -900], [-700, -700], [-900, -700]],
                "floors": 3,
                "columns": 2,
            }
        ]
    )
    r = c.post(f"/api/cameras/{CAM}/configs/validate", json={"config": far})
    assert r.json()["warnings"][0]["path"] == "facades.0" and "not in the" in r.json()["warnings"][0]["message"]
    # With no facade in the picture the edge would watch nothing and refuse the config: so does the page.
    assert r.json()["ok"] is False
    assert r.json()["errors"] == [
        {"path": "facades", "message": f"no part of any facade lies inside the {W}x{H} frame once the masks are cut "
                                       "out; the camera would watch nothing, and detection refuses to run on it"}
    ]
    assert c.save(outside, None).status_code == 422 and c.versions() == []


def test_versions_history_summary_export_and_concurrent_saves(ctx: ServerContext, tmp_path: Path) -> None:
    ivan, ada = Client(ctx, "ivan"), Client(ctx, "ada")
    r = ivan.save(document(), None)
    assert r.status_code == 201, r.text
    v1 = r.json()
    assert v1["version"] == 1 and v1["created_by"] == "ivan" and v1["summary"].startswith("first version: 1 facade")
    assert v1["push"]["status"] == "not_reached" and "without the ZeroMQ ingest" in v1["push"]["message"]

    changed = document(detection={"min_descent_floors": 3.0}, masks=[])
    changed["facades"][0]["floors"] = 13
    r = ada.save(changed, 1)
    assert r.status_code == 201
    assert r.json()["summary"] == "facades.0.floors 12 -> 13; masks: 1 -> 0; detection.min_descent_floors 2.0 -> 3.0"
    # Ivan still edits version 1: his save is refused, not silently overwriting Ada's.
    r = ivan.save(document(), 1)
    assert r.status_code == 409 and "version 2 by ada" in r.json()["detail"]

    history = ivan.versions()
    assert [(v["version"], v["created_by"]) for v in history] == [(2, "ada"), (1, "ivan")]
    one = ivan.get(f"/api/cameras/{CAM}/configs/1").json()
    assert one["config"]["facades"][0]["floors"] == 12 and one["config"]["masks"]
    assert ivan.get(f"/api/cameras/{CAM}/configs/9").status_code == 404

    # The export is what the edge loads, and its digest is the heartbeat's config_version.
    r = ivan.get(f"/api/cameras/{CAM}/configs/2/yaml")
    assert r.status_code == 200 and 'filename="cam-test-v2.yaml"' in r.headers["content-disposition"]
    exported = tmp_path / "v2.yaml"
    exported.write_text(r.text)
    cfg = load_camera_config(exported)
    assert cfg.facades[0].floors == 13 and cfg.detection.min_descent_floors == 3.0 and cfg.masks == []
    assert (
        history[0]["digest"] == config_digest(parse_camera_yaml(r.text)) == config_digest(parse_camera_config(changed))
    )
    with ctx.db.session() as s:
        audit = [(a.actor, a.action, a.detail) for a in s.query(AuditRow).filter(AuditRow.action == "config_save")]
    assert [(a, b) for a, b, _ in audit] == [("ivan", "config_save"), ("ada", "config_save")]
    assert "cam-test v2" in audit[1][2] and "floors 12 -> 13" in audit[1][2]


def test_calibration_images_are_checked_and_kept_per_camera(ctx: ServerContext, tmp_path: Path) -> None:
    c = Client(ctx, "ivan")
    assert c.get(f"/api/cameras/{CAM}/snapshot").status_code == 404
    r = c.upload(b"GIF89a not an image we take")
    assert r.status_code == 422 and "not a JPEG or PNG" in r.json()["detail"]
    r = c.upload(jpeg()[:200])
    assert r.status_code == 422 and "cannot be decoded" in r.json()["detail"]
    r = c.upload(jpeg(40, 30))
    assert r.status_code == 422 and "40x30" in r.json()["detail"]
    # Larger than any JSON request may be, but a normal full-HD frame.
    ok, png = cv2.imencode(".png", np.random.default_rng(1).integers(0, 255, (1080, 1920, 3), dtype=np.uint8))
    assert ok and MAX_BODY_BYTES < len(png) < MAX_UPLOAD_BYTES
    r = c.upload(png.tobytes(), "image/png")
    assert r.status_code == 201, r.text
    assert (r.json()["width"], r.json()["height"], r.json()["origin"]) == (1920, 1080, "upload")
    got = c.get(r.json()["url"])
    assert got.headers["content-type"] == "image/png"
    # No face in it, so the anonymiser leaves every pixel as it was (PNG is lossless).
    kept = cv2.imdecode(np.frombuffer(got.content, np.uint8), cv2.IMREAD_COLOR)
    assert np.array_equal(kept, cv2.imdecode(png, cv2.IMREAD_COLOR))
    assert c.get(f"/api/cameras/{CAM}/calibration").json()["image"]["width"] == 1920
    r = c.post(
        f"/api/cameras/{CAM}/snapshot", content=b"\xff" * (MAX_UPLOAD_BYTES + 1), headers={"Content-Type": "image/jpeg"}
    )
    assert r.status_code == 413
    r = c.post(
        f"/api/cameras/{CAM}/configs/validate",
        content=b"{" + b" " * MAX_BODY_BYTES + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413
    # Without the ingest there is no edge to ask: a clear answer, nothing stored.
    r = c.post(f"/api/cameras/{CAM}/snapshot/fetch")
    assert r.status_code == 503 and "upload an image instead" in r.json()["detail"]


FACE_GIF = Path(__file__).parent / "data" / "faces" / "head-pose-face-detection-female-and-male.gif"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_uploaded_images_are_kept_with_faces_and_privacy_areas_blurred(ctx: ServerContext) -> None:
    detector = FaceDetector(verified_model_path(default_models_dir()), threads=1)
    patch = cut_faces(detector, "gif", video_frames(FACE_GIF)[0])[0].image
    face = cv2.resize(patch, None, fx=110 / patch.shape[0], fy=110 / patch.shape[0])
    photo = cv2.cvtColor(textured_gray(), cv2.COLOR_GRAY2BGR)
    photo[200 : 200 + face.shape[0], 30 : 30 + face.shape[1]] = face
    boxes = find_faces(detector, photo)
    assert len(boxes) >= 1, "the test photo must show a detectable face"
    c = Client(ctx, "ivan")
    privacy_area = [[500.0, 40.0], [620.0, 40.0], [620.0, 160.0], [500.0, 160.0]]
    assert c.save(document(privacy={"polygons": [privacy_area]}), None).status_code == 201
    ok, buf = cv2.imencode(".png", photo)
    assert ok
    r = c.upload(buf.tobytes(), "image/png")
    assert r.status_code == 201, r.text
    kept = cv2.imdecode(np.frombuffer(c.get(r.json()["url"]).content, np.uint8), cv2.IMREAD_COLOR)
    assert kept.shape == photo.shape
    assert len(faces_left(detector, kept, boxes)) == 0
    area = (slice(45, 155), slice(505, 615))
    assert kept[area].std() < 0.5 * photo[area].std()
    untouched = (slice(20, 120), slice(250, 400))
    assert np.array_equal(kept[untouched], photo[untouched])
    assert c.upload(buf.tobytes(), "image/png").status_code == 201
    assert FACE_MODEL.loads == 1  # the server's model, loaded by the first upload only


def test_the_face_model_loads_once_per_process_and_uploads_fail_closed_without_it(tmp_path: Path) -> None:
    model = SharedFaceModel(default_models_dir())
    with ThreadPoolExecutor(4) as pool:  # four first uploads at once: one load
        detectors = list(pool.map(lambda _: model.get(), range(4)))
    assert model.loads == 1 and all(d is detectors[0] for d in detectors)
    assert anonymize_upload(jpeg(), "image/jpeg", PrivacyConfig(), model)[:3] == b"\xff\xd8\xff"
    assert model.loads == 1
    missing = SharedFaceModel(tmp_path / "no-models")
    for _ in range(2):  # a failed load is not remembered: each upload tries, and refuses
        with pytest.raises(ImageRejected, match="faces cannot be blurred on this server"):
            anonymize_upload(jpeg(), "image/jpeg", PrivacyConfig(), missing)
    assert missing.loads == 0


def textured_gray() -> np.ndarray:
    """A textured 640x360 grey scene (fine detail, so blurring shows)."""
    rng = np.random.default_rng(3)
    return (rng.integers(0, 2, (H, W)) * 180 + 40).astype(np.uint8)


def test_check_events_and_the_cameras_page_show_what_the_edge_runs(ctx: ServerContext, tmp_path: Path) -> None:
    c = Client(ctx, "ivan")
    digests = [c.save(document(), None).json()["digest"]]
    changed = document()
    changed["facades"][0]["floors"] = 14
    digests.append(c.save(changed, 1).json()["digest"])
    page = c.get("/cameras").text
    assert "version 2 saved; the edge has not reported its config" in page and f'href="/calibrate/{CAM}"' in page

    ctx.store.put_heartbeat(CAM, {"config_version": digests[0], "fps_processed": 25.0})
    row = _camera_row(c.get("/cameras").text)
    assert "runs an old config: version 1 (latest is 2)" in row
    state = c.get(f"/api/cameras/{CAM}/calibration").json()["edge"]
    assert (state["state"], state["running_version"], state["config_version"]) == ("old", 1, digests[0])
    ctx.store.put_heartbeat(CAM, {"config_version": digests[1]})
    assert "runs the latest version 2" in _camera_row(c.get("/cameras").text)
    ctx.store.put_heartbeat(CAM, {"config_version": "0123456789ab"})
    assert "not saved here (latest is version 2)" in _camera_row(c.get("/cameras").text)

    key = SigningKey.generate()
    first = store_signed_event(ctx.store, key, tmp_path / "e1", with_clip=False, camera_id=CAM, floor=5, column=2)
    store_signed_event(ctx.store, key, tmp_path / "e2", with_clip=False, camera_id="cam-other")
    second = store_signed_event(ctx.store, key, tmp_path / "e3", with_clip=False, camera_id=CAM, floor=7, column=1)
    events = c.get(f"/api/cameras/{CAM}/check-events?limit=5").json()["events"]
    assert {e["event_id"] for e in events} == {first["event_id"], second["event_id"]}
    one = next(e for e in events if e["event_id"] == first["event_id"])
    assert (one["floor"], one["column"]) == (5, 2)
    assert one["origin"] == [first["origin"]["x"], first["origin"]["y"]]
    assert one["trajectory"] == [[p[1], p[2]] for p in first["trajectory"]]
    assert c.get(f"/api/cameras/{CAM}/check-events?limit=500").status_code == 422


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_upload_of_another_size_than_the_edges_frames_is_flagged(ctx: ServerContext) -> None:
    c = Client(ctx, "ivan")
    # Before any frame from the edge nothing says which size the camera's frames have.
    r = c.upload(jpeg(1280, 720))
    assert r.status_code == 201 and "warning" not in r.json()
    with ctx.db.session() as s:
        calibration_images.put(s, CAM, jpeg(), "image/jpeg", (W, H), "edge", "ivan", time.time())
    r = c.upload(jpeg(W, H))
    assert r.status_code == 201 and "warning" not in r.json()
    with ctx.db.session() as s:
        calibration_images.put(s, CAM, jpeg(), "image/jpeg", (W, H), "edge", "ivan", time.time())
    r = c.upload(jpeg(1280, 720))
    # Kept (the installer may know better), but the page is told the grid would be off.
    assert r.status_code == 201 and (r.json()["width"], r.json()["height"]) == (1280, 720)
    assert f"1280x720 px but the edge of {CAM} sent {W}x{H} px frames" in r.json()["warning"]
    html = c.get(f"/calibrate/{CAM}").text
    assert 'id="image-warning"' in html


def test_the_cameras_page_says_ran_for_an_edge_no_longer_reporting(ctx: ServerContext) -> None:
    c = Client(ctx, "ivan")
    digest = c.save(document(), None).json()["digest"]
    ctx.store.put_heartbeat(CAM, {"config_version": digest})
    assert "runs the latest version 1" in _camera_row(c.get("/cameras").text)
    now = ctx.clock()
    ctx.clock = lambda: now + 3600.0
    row = _camera_row(c.get("/cameras").text)
    assert "offline" in row and "ran (last heartbeat) the latest version 1" in row and "runs" not in row


def _camera_row(page: str) -> str:
    start = page.index(f'data-camera-id="{CAM}"')
    return page[start : page.index("</tr>", start)]


def _linked_edge(
    tmp_path: Path, keys: Path, endpoint: str, config: CameraConfig, yaml_text: str | None = None
) -> LinkedEdge:
    return LinkedEdge(tmp_path / "edge", keys / "edge1.key", keys / "server.key_public", endpoint, config, jpeg(),
                      yaml_text)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_save_pushes_to_the_edge_and_shows_its_answer(ctx: ServerContext, tmp_path: Path) -> None:
    keys = make_keys(tmp_path / "keys")
    service = IngestService(
        ctx.store,
        "tcp://127.0.0.1:*",
        load_curve_keypair(keys / "server.key"),
        keys / "edges",
        False,
        tmp_path / "work",
    )
    service.start()
    ctx.edge_control = service.control
    edge = _linked_edge(tmp_path, keys, service.endpoint, parse_camera_config(document()))
    try:
        c = Client(ctx, "ivan")
        deadline = time.monotonic() + 15
        while not c.get(f"/api/cameras/{CAM}/calibration").json()["edge"]["connected"]:
            assert time.monotonic() < deadline, "the edge never connected"
            time.sleep(0.1)
        r = c.post(f"/api/cameras/{CAM}/snapshot/fetch")
        assert r.status_code == 201 and (r.json()["origin"], r.json()["width"]) == ("edge", W)

        changed = document()
        changed["facades"][0]["floors"] = 15
        r = c.save(changed, None)
        assert r.status_code == 201, r.text
        push = r.json()["push"]
        assert push["status"] == "applied" and push["edge_config_version"] == r.json()["digest"]
        assert edge.config.facades[0].floors == 15
        deadline = time.monotonic() + 10
        while c.get(f"/api/cameras/{CAM}/calibration").json()["edge"]["state"] != "latest":
            assert time.monotonic() < deadline, "the heartbeat never reported the pushed config"
            time.sleep(0.1)

        # The edge refuses a config it cannot run: saved, but the page says so loudly.
        r = c.save(document(source="rtsp://10.0.0.99/other"), 1)
        assert r.status_code == 201
        assert r.json()["push"]["status"] == "rejected"
        assert "keeps running its previous config" in r.json()["push"]["message"]
        assert "this edge opens" in r.json()["push"]["message"]
        assert c.versions()[0]["push_status"] == "rejected"
        assert edge.config.facades[0].floors == 15
        assert "runs an old config: version 1 (latest is 2)" in _camera_row(c.get("/cameras").text)
    finally:
        edge.close()
        service.stop()
        ctx.edge_control = None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_edge_gone_since_its_last_heartbeat_is_named_once_in_the_answer(ctx: ServerContext, tmp_path: Path) -> None:
    keys = make_keys(tmp_path / "keys")
    service = IngestService(
        ctx.store, "tcp://127.0.0.1:*", load_curve_keypair(keys / "server.key"), keys / "edges", False,
        tmp_path / "work",
    )
    service.start()
    ctx.edge_control = service.control
    try:
        c = Client(ctx, "ivan")
        edge = _linked_edge(tmp_path, keys, service.endpoint, parse_camera_config(document()))
        try:
            _wait_connected(c)
        finally:
            edge.close()
        # Its heartbeat is seconds old, so it still counts as connected, but its link is gone.
        assert c.get(f"/api/cameras/{CAM}/calibration").json()["edge"]["connected"]
        for path, what in (("/snapshot/fetch", "an image"), ("/edge-config", "its running config")):
            call = c.post if path == "/snapshot/fetch" else c.get
            r = call(f"/api/cameras/{CAM}{path}")
            assert r.status_code == 503, r.text
            detail = r.json()["detail"]
            assert detail.startswith(f"the edge of {CAM} did not send {what}: ") and detail.count(CAM) == 1, detail
    finally:
        service.stop()
        ctx.edge_control = None


SECRET = "s3cret-pw"
REAL_SOURCE = f"rtsp://viewer:{SECRET}@10.0.0.7/stream1"
SHOWN_SOURCE = "rtsp://viewer:***@10.0.0.7/stream1"


def _wait_connected(c: Client) -> None:
    deadline = time.monotonic() + 15
    while not c.get(f"/api/cameras/{CAM}/calibration").json()["edge"]["connected"]:
        assert time.monotonic() < deadline, "the edge never connected"
        time.sleep(0.1)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_rtsp_credentials_never_leave_the_server_and_the_saved_source_is_the_edges(
    ctx: ServerContext, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    keys = make_keys(tmp_path / "keys")
    service = IngestService(
        ctx.store, "tcp://127.0.0.1:*", load_curve_keypair(keys / "server.key"), keys / "edges", False,
        tmp_path / "work",
    )
    service.start()
    ctx.edge_control = service.control
    installed = "# written on the pole\n" + yaml.safe_dump(document(source=REAL_SOURCE), sort_keys=False)
    edge = _linked_edge(tmp_path, keys, service.endpoint, parse_camera_yaml(installed), installed)
    shown: list[str] = []  # every response body, checked for the password at the end
    try:
        c = Client(ctx, "ivan")
        _wait_connected(c)
        # The page starts from what the edge runs, password masked.
        r = c.get(f"/api/cameras/{CAM}/edge-config")
        shown.append(r.text)
        assert r.status_code == 200, r.text
        running = r.json()
        assert running["config"]["source"] == SHOWN_SOURCE and running["source_masked"]
        assert running["digest"] == running["edge_config_version"] == config_digest(parse_camera_yaml(installed))
        assert (running["state"], running["saved_version"], running["latest_version"]) == ("no_config", None, None)

        # Saved as shown: the stored version is what the edge runs, so the push is applied.
        first = running["config"]
        r = c.save(first, None)
        shown.append(r.text)
        assert r.status_code == 201 and r.json()["push"]["status"] == "applied", r.text
        assert r.json()["digest"] == running["digest"]
        assert latest_provider(ctx.db)(CAM)[0] == 1
        stored = latest_provider(ctx.db)(CAM)[1]
        assert parse_camera_yaml(stored).source == REAL_SOURCE and edge.config.source == REAL_SOURCE
        changed = json_copy(first)
        changed["facades"][0]["floors"] = 13
        r = c.save(changed, 1)
        shown.append(r.text)
        assert r.json()["push"]["status"] == "applied" and edge.config.facades[0].floors == 13
        r = c.get(f"/api/cameras/{CAM}/edge-config")
        assert (r.json()["state"], r.json()["saved_version"]) == ("latest", 2)

        # A masked source that is neither the edge's nor the saved one cannot be restored.
        r = c.save(document(source="rtsp://viewer:***@10.0.0.99/stream1"), 2)
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == "source", r.text
        assert "type the full source" in r.json()["errors"][0]["message"]
        assert len(c.versions()) == 2

        # A new password, typed in full: saved (the edge refuses a source it does not run),
        # and only "source credentials changed" is recorded.
        r = c.save({**changed, "source": "rtsp://viewer:n3w-pw@10.0.0.7/stream1"}, 2)
        shown.append(r.text)
        assert r.status_code == 201 and r.json()["push"]["status"] == "rejected"
        assert r.json()["summary"] == "source credentials changed"

        for path in ("calibration", "configs", "configs/1", "configs/3", "configs/3/yaml", "edge-config"):
            r = c.get(f"/api/cameras/{CAM}/{path}")
            assert r.status_code == 200, (path, r.text)
            shown.append(r.text)
        assert "rtsp://viewer:***@10.0.0.7/stream1" in c.get(f"/api/cameras/{CAM}/configs/3/yaml").text
        r = c.post(f"/api/cameras/{CAM}/configs/import", json={"yaml": installed})
        assert r.json()["config"]["source"] == SHOWN_SOURCE
        shown.append(r.text)
        shown.append(c.get("/cameras").text + c.get(f"/calibrate/{CAM}").text)

        # The saved version (v3) and the edge mask alike; what the edge runs wins.
        r = c.save(first, 3)
        shown.append(r.text)
        assert r.status_code == 201 and r.json()["push"]["status"] == "applied", r.text
        assert parse_camera_yaml(latest_provider(ctx.db)(CAM)[1]).source == REAL_SOURCE
        assert r.json()["summary"].startswith("source credentials changed")
    finally:
        edge.close()
        service.stop()
        ctx.edge_control = None
    # With the edge gone, a masked source is restored from the latest saved version.
    r = c.save({**first, "source": "rtsp://viewer:n3w-pw@10.0.0.7/stream1"}, 4)
    assert r.status_code == 201 and r.json()["push"]["status"] == "not_reached"
    r = c.save(first, 5)
    assert r.status_code == 201 and r.json()["summary"] == "no change"
    assert parse_camera_yaml(latest_provider(ctx.db)(CAM)[1]).source == "rtsp://viewer:n3w-pw@10.0.0.7/stream1"
    for text in [*shown, caplog.text]:
        assert SECRET not in text and "n3w-pw" not in text


def json_copy(value: Any) -> Any:
    return yaml.safe_load(yaml.safe_dump(value))


def test_settings_inputs_take_ranges_and_explanations_from_the_config_model(ctx: ServerContext) -> None:
    html = Client(ctx, "ivan").get(f"/calibrate/{CAM}").text
    schema = CameraConfig.model_json_schema()["$defs"]
    shown = 0
    for section, model in (("motion", "MotionConfig"), ("detection", "DetectionConfig"), ("privacy", "PrivacyConfig")):
        for key, prop in schema[model]["properties"].items():
            if prop.get("type") not in ("number", "integer") or "description" not in prop:
                continue
            start = html.index(f'id="set-{section}-{key}"')
            tag = html[html.rindex("<", 0, start) : html.index(">", start)]
            low = prop.get("minimum", prop.get("exclusiveMinimum"))
            assert f'min="{low}"' in tag and f'max="{prop["maximum"]}"' in tag, tag
            assert html.index(prop["description"].replace("'", "&#39;"), start) < html.index("</label>", start)
            shown += 1
    assert shown >= 15
    assert 'id="set-privacy-faces"' not in html  # face blurring is not switchable on the page


def test_an_edge_that_was_offline_is_given_the_latest_version(ctx: ServerContext) -> None:
    provide = latest_provider(ctx.db)
    assert provide(CAM) is None
    c = Client(ctx, "ivan")
    c.save(document(), None)
    changed = document()
    changed["facades"][0]["columns"] = 5
    c.save(changed, 1)
    version, text = provide(CAM)
    assert version == 2 and parse_camera_yaml(text).facades[0].columns == 5


def test_change_summaries_name_the_keys() -> None:
    old = parse_camera_config(document())
    first = summarize_change(None, old)
    assert first == "first version: 1 facade (east: 12 floors x 4 columns), 1 mask, 0 privacy polygons"
    assert summarize_change(old, old) == "no change"
    two = document(privacy={"polygons": [[[0, 0], [50, 0], [50, 50]]]}, motion={"threshold": 6.0})
    two["facades"].append({"name": "north", "corners": CORNERS, "floors": 5, "columns": 2})
    two["facades"][0]["corners"] = [[201.0, 20.0], *CORNERS[1:]]
    summary = summarize_change(old, parse_camera_config(two))
    assert summary == (
        "facades: 1 -> 2; facades.0.corners changed; "
        f"motion.threshold {MotionConfig().threshold} -> 6.0; privacy.polygons: 0 -> 1"
    )
