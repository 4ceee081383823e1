"""The HTTP side on SQLite and PostgreSQL: login, roles, CSRF, hostile input, health,
metrics, review and evidence export (verified offline, and tampering detected)."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from nacl.signing import SigningKey
from server_helpers import csrf_of, login, store_signed_event

from server.app import create_app
from server.config import ServerConfig
from server.context import ServerContext
from server.db.users import create_user
from server.evidence.verify import verify_export

OUTSIDE = ("203.0.113.9", 50000)
LOOPBACK = ("127.0.0.1", 50000)
PASSWORD = "correct horse battery"


@pytest.fixture
def ctx(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    c = ServerContext.open(ServerConfig(data_dir=tmp_path / "data", db_url=db_url))
    with c.db.session() as s:
        for name, role in (("gina", "guard"), ("ivan", "installer"), ("ada", "admin")):
            create_user(s, name, role, PASSWORD, time.time())
        s.commit()
    yield c
    c.close()


def client(ctx: ServerContext, who: str | None = None, address: tuple[str, int] = OUTSIDE) -> TestClient:
    c = TestClient(create_app(ctx), client=address, follow_redirects=False)
    if who:
        assert login(c, who, PASSWORD).status_code == 303
    return c


ROUTES = [
    ("GET", "/"),
    ("GET", "/events/abc"),
    ("GET", "/cameras"),
    ("GET", "/users"),
    ("GET", "/api/events"),
    ("GET", "/api/events/abc"),
    ("GET", "/api/events/abc/files/clip"),
    ("GET", "/api/events/abc/export"),
    ("GET", "/api/events/stream"),
    ("GET", "/api/cameras"),
    ("GET", "/api/users"),
    ("POST", "/api/users"),
    ("POST", "/api/events/abc/review"),
    ("POST", "/api/events/abc/notes"),
    ("POST", "/logout"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/api/health"),
    ("GET", "/metrics"),
]


def test_every_route_refuses_anonymous_requests(ctx: ServerContext) -> None:
    c = client(ctx)
    for method, path in ROUTES:
        r = c.request(method, path, json={})
        if method == "GET" and not path.startswith(("/api/", "/healthz", "/readyz", "/metrics")):
            assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
        else:
            assert r.status_code == 401, (method, path, r.status_code)


def test_login_sets_a_strict_httponly_cookie_and_wrong_passwords_are_limited(ctx: ServerContext) -> None:
    c = client(ctx)
    r = login(c, "gina", PASSWORD)
    cookie = r.headers["set-cookie"]
    assert "fw_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Secure" not in cookie  # plain HTTP in the test; set under TLS
    assert r.headers["location"] == "/"
    other = client(ctx)
    codes = [login(other, "gina", "wrong password!").status_code for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    assert login(other, "gina", PASSWORD).status_code == 429  # even the right password waits
    # A login form without its double-submit token is refused.
    fresh = client(ctx)
    assert fresh.post("/login", data={"name": "gina", "password": PASSWORD, "csrf_token": "x"}).status_code == 403


def test_login_never_redirects_off_site(ctx: ServerContext) -> None:
    c = client(ctx)
    page = c.get("/login", params={"next": "//evil.example/x"})
    assert "evil.example" not in page.text


def test_roles_are_enforced(ctx: ServerContext) -> None:
    guard, installer, admin = client(ctx, "gina"), client(ctx, "ivan"), client(ctx, "ada")
    for path in ("/cameras", "/api/cameras", "/users", "/api/users"):
        assert guard.get(path).status_code == 403, path
    assert guard.post("/api/users", json={"name": "eve", "role": "admin", "password": PASSWORD},
                      headers={"X-CSRF-Token": csrf_of(guard)}).status_code == 403
    for path in ("/", "/api/events", "/users"):
        assert installer.get(path).status_code == 403, path
    assert installer.get("/api/cameras").status_code == 200
    for path in ("/", "/api/events", "/cameras", "/users", "/api/users"):
        assert admin.get(path).status_code == 200, path
    # From outside the monitoring network health needs an operations login.
    assert guard.get("/api/health").status_code == 403
    assert installer.get("/api/health").status_code == 200


def test_state_changes_need_the_csrf_token(ctx: ServerContext, tmp_path: Path) -> None:
    ev = store_signed_event(ctx.store, SigningKey.generate(), tmp_path / "w")
    g = client(ctx, "gina")
    url = f"/api/events/{ev['event_id']}/review"
    assert g.post(url, json={"status": "confirmed"}).status_code == 403
    assert g.post(url, json={"status": "confirmed"}, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert g.get(f"/api/events/{ev['event_id']}").json()["status"] == "new"
    r = g.post(url, json={"status": "confirmed"}, headers={"X-CSRF-Token": csrf_of(g)})
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    trail = r.json()["audit"]
    assert trail[-1]["actor"] == "gina" and trail[-1]["action"] == "confirmed"


def test_hostile_input_is_refused_and_notes_are_escaped(ctx: ServerContext, tmp_path: Path) -> None:
    ev = store_signed_event(ctx.store, SigningKey.generate(), tmp_path / "w")
    g = client(ctx, "gina")
    h = {"X-CSRF-Token": csrf_of(g)}
    notes = f"/api/events/{ev['event_id']}/notes"
    before = len(g.get(f"/api/events/{ev['event_id']}").json()["audit"])
    assert g.post(notes, json={"text": "x" * 2001}, headers=h).status_code == 422
    assert g.post(notes, json={"text": "   "}, headers=h).status_code == 422
    assert g.post(notes, json={"text": "ok", "admin": True}, headers=h).status_code == 422
    assert g.post(notes, content=b"x" * 70_000, headers={**h, "Content-Type": "application/json"}).status_code == 413
    assert g.post(f"/api/events/{ev['event_id']}/review", json={"status": "deleted"}, headers=h).status_code == 422
    assert len(g.get(f"/api/events/{ev['event_id']}").json()["audit"]) == before
    assert g.get("/api/events", params={"camera": "x" * 5000}).status_code == 414
    assert g.get("/api/events", params={"camera": "x" * 100}).status_code == 422
    assert g.get("/api/events", params={"camera": "<script>"}).status_code == 422
    assert g.get("/api/events", params={"floor": "-1"}).status_code == 422
    assert g.get("/api/events", params={"since": "yesterday"}).status_code == 422
    assert g.get("/api/events", params={"limit": 100000}).status_code == 422
    assert g.get("/api/events", params={"before": "1;DROP TABLE events"}).status_code == 422
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert g.post(notes, json={"text": hostile}, headers=h).status_code == 201
    page = g.get(f"/events/{ev['event_id']}").text
    assert hostile not in page and "&lt;script&gt;alert(" in page
    assert "default-src 'self'" in g.get("/").headers["content-security-policy"]


def test_queue_filters_and_paging(ctx: ServerContext, tmp_path: Path) -> None:
    key = SigningKey.generate()
    ids = [
        store_signed_event(ctx.store, key, tmp_path / f"w{i}", with_clip=False, camera_id=f"cam-{i % 2}", floor=i + 1)[
            "event_id"
        ]
        for i in range(5)
    ]
    g = client(ctx, "gina")
    body = g.get("/api/events").json()
    assert [e["event_id"] for e in body["events"]] == ids[::-1]  # newest first
    def listed(**params: object) -> list[str]:
        return [e["event_id"] for e in g.get("/api/events", params=params).json()["events"]]

    assert listed(camera="cam-1") == [ids[3], ids[1]]
    assert listed(floor=3) == [ids[2]]
    assert g.get("/api/events", params={"status": "confirmed"}).json()["events"] == []
    assert g.get("/api/events", params={"until": "2000-01-01"}).json()["events"] == []
    page1 = g.get("/api/events", params={"limit": 2}).json()
    page2 = g.get("/api/events", params={"limit": 2, "before": page1["next_before"]}).json()
    assert [e["event_id"] for e in page1["events"] + page2["events"]] == ids[::-1][:4]
    html = g.get("/", params={"camera": "cam-1", "status": "", "floor": "", "since": "", "until": ""})
    assert html.status_code == 200 and ids[3] in html.text and ids[2] not in html.text


def test_health_and_metrics_for_monitoring(ctx: ServerContext, tmp_path: Path) -> None:
    store_signed_event(ctx.store, SigningKey.generate(), tmp_path / "w")
    ctx.store.put_heartbeat("cam-07", {"fps_processed": 24.8, "frames_dropped": 3, "spool_depth": 2, "privacy": "ok",
                                       "model_versions": {"face": "centerface-1"}, "config_version": "abc"})
    with ctx.db.session() as s:
        from server.db.models import CameraRow

        s.add(CameraRow(camera_id="cam-old", first_seen_at_s=0.0, last_heartbeat_at_s=time.time() - 60))
        s.commit()
    m = client(ctx, address=LOOPBACK)
    assert m.get("/healthz").json() == {"status": "ok"}
    assert m.get("/readyz").json()["ready"] is True
    h = m.get("/api/health").json()
    assert h["ingest"]["events_ingested_total"] == 1
    assert h["database"]["state"] == "ok" and h["disk"]["free_bytes"] > 0
    cams = {c["camera_id"]: c for c in h["cameras"]}
    assert cams["cam-07"]["status"] == "online" and cams["cam-07"]["fps"] == 24.8
    assert cams["cam-07"]["spool_depth"] == 2 and cams["cam-07"]["model_versions"] == {"face": "centerface-1"}
    assert cams["cam-old"]["status"] == "stale"
    metrics = m.get("/metrics").text
    assert 'fallwatch_events{status="new"} 1.0' in metrics
    assert "fallwatch_ingest_events_ingested_total 1.0" in metrics
    assert 'fallwatch_camera_fps{camera_id="cam-07"} 24.8' in metrics


def test_readyz_fails_when_the_clip_store_is_gone(ctx: ServerContext) -> None:
    import shutil

    shutil.rmtree(ctx.clips.root)
    ctx.clips.root.parent.joinpath("clips").write_text("not a directory")
    r = client(ctx, address=LOOPBACK).get("/readyz")
    assert r.status_code == 503 and r.json()["database"] == "ok" and r.json()["clip_store"].startswith("error")


def test_export_verifies_offline_and_tampering_is_detected(ctx: ServerContext, tmp_path: Path) -> None:
    key = SigningKey.generate()
    ev = store_signed_event(ctx.store, key, tmp_path / "w")
    g = client(ctx, "gina")
    r = g.get(f"/api/events/{ev['event_id']}/export")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    export = tmp_path / "export.zip"
    export.write_bytes(r.content)
    report = verify_export(export, key.verify_key.encode().hex())
    assert report.ok, report.problems
    assert any("clip" in line for line in report.checked)
    with zipfile.ZipFile(export) as z:
        names = z.namelist()
        assert "VERIFY.txt" in names and any(n.startswith("files/clip-") for n in names)
    assert verify_export(export, SigningKey.generate().verify_key.encode().hex()).ok is False  # wrong key pinned
    for victim in ("files/clip-", "event.json"):
        tampered = tmp_path / f"tampered-{victim[:5]}.zip"
        with zipfile.ZipFile(export) as src, zipfile.ZipFile(tampered, "w") as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename.startswith(victim):
                    data = data.replace(b"14", b"15", 1) if victim == "event.json" else data[:-1] + b"\0"
                dst.writestr(item, data)
        assert not verify_export(tampered).ok
    trail = g.get(f"/api/events/{ev['event_id']}").json()["audit"]
    assert trail[-1]["action"] == "export" and trail[-1]["actor"] == "gina"


def test_clip_is_served_with_range_support(ctx: ServerContext, tmp_path: Path) -> None:
    ev = store_signed_event(ctx.store, SigningKey.generate(), tmp_path / "w")
    g = client(ctx, "gina")
    r = g.get(f"/api/events/{ev['event_id']}/files/clip", headers={"Range": "bytes=0-99"})
    assert r.status_code == 206 and len(r.content) == 100 and r.headers["content-type"] == "video/mp4"
    assert g.get("/api/events/nope/files/clip").status_code == 404
    assert io.BytesIO(g.get(f"/api/events/{ev['event_id']}/files/snapshot").content).read(2) == b"\xff\xd8"


def test_users_api_creates_users_with_hashed_passwords(ctx: ServerContext) -> None:
    a = client(ctx, "ada")
    h = {"X-CSRF-Token": csrf_of(a)}
    gus = {"name": "gus", "role": "guard", "password": PASSWORD}
    assert a.post("/api/users", json={**gus, "password": "short"}, headers=h).status_code == 422
    assert a.post("/api/users", json=gus, headers=h).status_code == 201
    assert a.post("/api/users", json=gus, headers=h).status_code == 422  # already exists
    with ctx.db.session() as s:
        from server.db.users import get_user

        stored = get_user(s, "gus").password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert client(ctx, "gus").get("/").status_code == 200


def test_logout_ends_the_session(ctx: ServerContext) -> None:
    g = client(ctx, "gina")
    assert g.post("/logout", headers={"X-CSRF-Token": csrf_of(g)}).status_code == 200
    assert g.get("/api/events").status_code == 401
