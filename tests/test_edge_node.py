"""``fallwatch edge`` end to end: a real H.264 file with a throw and a passer-by's face,
the real detector and anonymiser, a real server process; what the server stores is
decoded and checked for faces."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from sqlalchemy import select

from edge.privacy.audit import faces_left, find_faces
from edge.privacy.centerface import FaceDetector
from edge.privacy.faceset import cut_faces, video_frames
from edge.privacy.model_files import default_models_dir, verified_model_path
from edge.protocol.keys import load_signing_key
from edge.protocol.manifest import verify_manifest
from edge.recording.mp4 import write_mp4
from server.db.models import EventFileRow, EventRow
from tests import scenes
from tests.link_helpers import counts, free_port, make_keys, open_store
from tests.test_transport_faults import _kill9, _server

FACE_GIF = Path(__file__).parent / "data" / "faces" / "head-pose-face-detection-female-and-male.gif"
FACE_XY = (30, 200)


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector(verified_model_path(default_models_dir()), threads=1)


@pytest.fixture(scope="module")
def scene_video(tmp_path_factory: pytest.TempPathFactory, detector: FaceDetector) -> tuple[Path, np.ndarray]:
    """A 4.4 s H.264 file: an object dropped from floor 8 at t=1 s, a face at street level."""
    patch = cut_faces(detector, "gif", video_frames(FACE_GIF)[0])[0]
    face = cv2.resize(patch.image, None, fx=110 / patch.image.shape[0], fy=110 / patch.image.shape[0])
    x, y = FACE_XY
    frames = []
    for f in scenes.frames(110, scenes.falling(7.0, 24.0, 1.0)):
        bgr = cv2.cvtColor(f.gray, cv2.COLOR_GRAY2BGR)
        bgr[y : y + face.shape[0], x : x + face.shape[1]] = face
        frames.append(bgr)
    path = tmp_path_factory.mktemp("video") / "throw.mp4"
    write_mp4(frames, scenes.FPS, path, crf=16)
    boxes = find_faces(detector, frames[0])
    assert len(boxes) >= 1, "the test scene must contain a detectable face"
    crop = np.ascontiguousarray(frames[0][120:, :320])
    assert len(find_faces(detector, crop)) >= 1, "the audit crop must show the face too"
    return path, boxes


def _config(tmp: Path, video: Path) -> Path:
    cfg = tmp / "cam.yaml"
    cfg.write_text(json.dumps({
        "camera_id": "cam-e2e",
        "source": str(video),
        "facades": [{"name": "f", "corners": [[200, 20], [440, 20], [440, 350], [200, 350]],
                     "floors": 10, "columns": 4, "width_m": 14.0}],
    }))
    return cfg


def _edge_cmd(tmp: Path, keys: Path, port: int, cfg: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "fallwatch.cli", "edge", "--config", str(cfg), "--server", f"tcp://127.0.0.1:{port}",
            "--data-dir", str(tmp / "edge"), "--key", str(keys / "edge1.key"),
            "--server-key", str(keys / "server.key_public"), "--heartbeat-s", "0.5", "--pre-s", "1", "--post-s", "1",
            "--drain-timeout-s", "60", *extra]


def test_edge_sends_an_alert_then_an_anonymised_clip_and_exits_zero(
    tmp_path: Path, scene_video: tuple[Path, np.ndarray], detector: FaceDetector
) -> None:
    video, face_boxes = scene_video
    keys = make_keys(tmp_path / "keys")
    port = free_port()
    server = _server(tmp_path, keys, port)
    try:
        run = subprocess.run(_edge_cmd(tmp_path, keys, port, _config(tmp_path, video)),
                             capture_output=True, text=True, timeout=120)
    finally:
        _kill9(server)
    assert run.returncode == 0, run.stderr[-3000:]
    store, db = open_store(tmp_path)
    assert counts(db) == (1, 4, 4)
    with db.session() as s:
        event = s.scalars(select(EventRow)).one()
        files = {f.kind: store.clips.path(f.rel_path) for f in s.scalars(select(EventFileRow))}
    assert event.privacy == "ok" and event.origin_floor == 8
    sign_key = {load_signing_key(keys / "edge1.sign").verify_key.encode().hex()}
    verify_manifest(event.envelope, event.data, sign_key)
    final = json.loads(files["manifest"].read_bytes())
    listed = verify_manifest(final, event.data, sign_key).files
    assert {f.kind for f in listed} == {"snapshot", "snapshot_clean", "clip"}
    for f in listed:  # the stored bytes are the signed bytes
        assert __import__("hashlib").sha256(files[f.kind].read_bytes()).hexdigest() == f.sha256

    clip = files["clip"].read_bytes()
    assert clip.find(b"moov") < clip.find(b"mdat")  # faststart: playable while loading
    with av.open(str(files["clip"])) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        sent = [fr.to_ndarray(format="bgr24") for fr in c.decode(stream)]
    assert len(sent) >= 2.0 * scenes.FPS  # 1 s before, the fall, 1 s after
    stills = [cv2.imread(str(files[k])) for k in ("snapshot", "snapshot_clean")]
    # Audit every frame around the passer-by (the face detector is fully convolutional,
    # so a crop with margin finds what the whole frame would, at a quarter of the cost).
    x0, y0 = 0, 120
    near = face_boxes.copy()
    near[:, [0, 2]] -= x0
    near[:, [1, 3]] -= y0
    for img in [*stills, *sent]:
        assert len(faces_left(detector, np.ascontiguousarray(img[y0:, x0:320]), near)) == 0
    annotated, clean = stills
    assert np.abs(annotated.astype(int) - clean.astype(int)).sum() > 0  # the trajectory is drawn
    db.close()


def test_without_the_face_model_imagery_is_withheld_and_health_says_so(
    tmp_path: Path, scene_video: tuple[Path, np.ndarray]
) -> None:
    video, _ = scene_video
    keys = make_keys(tmp_path / "keys")
    port = free_port()
    server = _server(tmp_path, keys, port)
    empty_models = tmp_path / "no-models"
    empty_models.mkdir()
    edge = subprocess.Popen(_edge_cmd(tmp_path, keys, port, _config(tmp_path, video), "--loop",
                                      "--models-dir", str(empty_models)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        port_file = tmp_path / "edge" / "health_port"
        _, db = open_store(tmp_path)
        deadline = time.monotonic() + 60
        while counts(db)[0] == 0:
            assert time.monotonic() < deadline and edge.poll() is None
            time.sleep(0.2)
        with pytest.raises(urllib.error.HTTPError) as err:  # 503: degraded while privacy is withheld
            urllib.request.urlopen(f"http://127.0.0.1:{int(port_file.read_text())}/healthz", timeout=5)
        assert err.value.code == 503
        health = json.loads(err.value.read())
        assert health["privacy"] == "withheld" and health["frames_processed"] > 0
        edge.send_signal(signal.SIGTERM)
        assert edge.wait(30) == 0
    finally:
        for p in (edge, server):
            if p.poll() is None:
                _kill9(p)
    events, files, _ = counts(db)
    assert events >= 1 and files == 0
    with db.session() as s:
        assert {e.privacy for e in s.scalars(select(EventRow))} == {"withheld"}
    db.close()
