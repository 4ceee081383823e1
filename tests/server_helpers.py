"""Shared by the server tests: real signed events, real H.264 clips and JPEG snapshots,
stored the way the ZeroMQ ingest stores them, and a logged-in HTTP client."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from nacl.signing import SigningKey

from edge.events.event import Event, Origin
from edge.protocol.manifest import FileEntry, build_manifest, sha256_hex, sign_manifest
from edge.recording.mp4 import write_mp4
from server.storage import IngestStore

FRAME_W, FRAME_H = 320, 240


def make_event(camera_id: str = "cam-07", floor: int = 14, column: int = 3, **extra: Any) -> dict[str, Any]:
    traj = [(3.0 + 0.04 * i, 120.0 + i, 40.0 + 2.0 * i * i) for i in range(8)]
    return Event(
        camera_id=camera_id,
        t_start=3.0,
        t_end=3.3,
        detected_at=3.5,
        origin=Origin(floor=floor, column=column, x=120.0, y=40.0),
        trajectory=traj,
        score=0.97,
        event_id=uuid.uuid4().hex,
        extra={"privacy": "ok", **extra},
    ).to_dict()


def make_clip(path: Path, frames: int = 20, fps: float = 10.0) -> Path:
    rng = np.random.default_rng(7)
    imgs = []
    for i in range(frames):
        img = np.full((FRAME_H, FRAME_W, 3), 60, np.uint8)
        img[:, :, 1] = rng.integers(40, 90, size=(FRAME_H, FRAME_W), dtype=np.uint8)
        cv2.circle(img, (120 + i, 40 + 2 * i), 6, (255, 255, 255), -1)
        imgs.append(img)
    write_mp4(imgs, fps, path)
    return path


def make_jpeg(path: Path, label: str = "snapshot") -> Path:
    img = np.full((FRAME_H, FRAME_W, 3), 90, np.uint8)
    cv2.putText(img, label, (10, 120), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2)
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    path.write_bytes(buf.tobytes())
    return path


def _entry(kind: str, path: Path) -> FileEntry:
    data = path.read_bytes()
    return FileEntry(kind, path.name, len(data), sha256_hex(data))


def store_signed_event(
    store: IngestStore, key: SigningKey, work: Path, with_clip: bool = True, **event_kw: Any
) -> dict[str, Any]:
    """Alert first (event + snapshots under the first manifest), then clip + final manifest,
    through the IngestStore exactly as server.ingest.handler calls it. Returns the event."""
    event = make_event(**event_kw)
    work.mkdir(parents=True, exist_ok=True)
    snap = make_jpeg(work / f"{event['event_id']}-snap.jpg")
    clean = make_jpeg(work / f"{event['event_id']}-clean.jpg", "clean")
    files = [_entry("snapshot", snap), _entry("snapshot_clean", clean)]
    first = sign_manifest(build_manifest(event, files, final=not with_clip), key)
    assert store.put_event({**event, "evidence": first, "edge_id": "edge-1", "received_at": time.time()})
    for path, entry in ((snap, files[0]), (clean, files[1])):
        assert store.put_file(event["event_id"], entry.kind, entry.name, path, entry.sha256)
    if with_clip:
        clip = make_clip(work / f"{event['event_id']}-clip.mp4")
        files.append(_entry("clip", clip))
        final = sign_manifest(build_manifest(event, files, final=True), key)
        assert store.put_file(event["event_id"], "clip", clip.name, clip, files[-1].sha256)
        mpath = work / "manifest-final.json"
        mpath.write_text(json.dumps(final))
        assert store.put_file(event["event_id"], "manifest", mpath.name, mpath, sha256_hex(mpath.read_bytes()))
    return event


_CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
_LOGIN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def login(client: Any, name: str, password: str) -> Any:
    """Log ``client`` (a TestClient) in through the form; returns the last response."""
    page = client.get("/login")
    token = _LOGIN_CSRF.search(page.text).group(1)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token})


def csrf_of(client: Any) -> str:
    """The session's CSRF token as a page embeds it."""
    for path in ("/", "/cameras", "/users"):
        m = _CSRF_META.search(client.get(path).text)
        if m:
            return m.group(1)
    raise AssertionError("no page showed a CSRF token")
