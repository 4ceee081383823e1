"""Config push, snapshot and running-config requests over the real CURVE ZeroMQ link
(issue 7, link side).

The server is a real IngestService on a real SQLite store; the edge is the real node
(``edge.node.assemble``: detection pipeline, recorder, anonymisers, link, control) in
threads of this process, fed paced frames of a facade with a real face at street
level. One test runs ``fallwatch edge`` as a process for the restart path.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import zmq
from sqlalchemy import select

from edge.config.camera import CameraConfig, dump_camera_config, parse_camera_yaml
from edge.node.runner import Detector
from edge.pipeline import DetectionPipeline
from edge.privacy.audit import faces_left, find_faces
from edge.privacy.centerface import FaceDetector
from edge.privacy.faceset import cut_faces, video_frames
from edge.privacy.model_files import default_models_dir, verified_model_path
from edge.protocol.keys import load_curve_keypair, load_curve_public
from edge.protocol.messages import (
    MAX_CONFIG_BYTES,
    MAX_SNAPSHOT_BYTES,
    Message,
    MessageType,
    ProtocolError,
    control_refusal,
    decode,
    encode,
)
from edge.recording.mp4 import write_mp4
from edge.spool.spool import Spool
from edge.transport.link import EdgeLink, LinkConfig
from server.db.engine import Database
from server.db.models import CameraRow
from server.ingest.control import EdgeControl, EdgeUnavailable
from server.ingest.service import IngestService
from tests import scenes
from tests.edge_harness import CAMERA, CORNERS, Edge, camera_yaml, digest_of, wait_for
from tests.link_helpers import make_keys, make_link, open_store, start_service

FACE_GIF = Path(__file__).parent / "data" / "faces" / "head-pose-face-detection-female-and-male.gif"
FACE_XY = (30, 200)


@pytest.fixture(scope="module")
def face_detector() -> FaceDetector:
    return FaceDetector(verified_model_path(default_models_dir()), threads=1)


@pytest.fixture(scope="module")
def street(face_detector: FaceDetector) -> tuple[np.ndarray, np.ndarray]:
    """A 640x360 BGR facade with a real passer-by's face at street level, and its face boxes."""
    patch = cut_faces(face_detector, "gif", video_frames(FACE_GIF)[0])[0]
    face = cv2.resize(patch.image, None, fx=110 / patch.image.shape[0], fy=110 / patch.image.shape[0])
    bgr = cv2.cvtColor(np.clip(scenes.background(), 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)
    x, y = FACE_XY
    bgr[y : y + face.shape[0], x : x + face.shape[1]] = face
    boxes = find_faces(face_detector, bgr)
    assert len(boxes) >= 1, "the test frame must show a detectable face"
    return bgr, boxes


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[IngestService, Path]]:
    keys = make_keys(tmp_path / "keys")
    store, db = open_store(tmp_path)
    service = start_service(store, keys, tmp_path / "work")
    try:
        yield service, keys
    finally:
        service.stop()
        db.close()


def _cfg_file(tmp: Path, text: str) -> Path:
    path = tmp / "cam.yaml"
    path.write_text(text)
    return path


def _connected(service: IngestService, digest: str) -> bool:
    return wait_for(lambda: service.control.reported_config_version(CAMERA) == digest)


def test_a_pushed_config_is_applied_without_restart_and_the_next_heartbeat_carries_its_digest(
    tmp_path: Path, server: tuple[IngestService, Path], street: tuple[np.ndarray, np.ndarray]
) -> None:
    service, keys = server
    first = camera_yaml()
    with Edge(tmp_path, keys, service.endpoint, _cfg_file(tmp_path, first), street[0]) as edge:
        assert _connected(service, digest_of(first))
        old_detector = edge.node.detector
        second = camera_yaml(floors=12, masks=[[[0, 0], [100, 0], [100, 50]]])
        result = service.control.push_config(CAMERA, second, version=2)
        assert result.applied and result.error is None
        assert result.config_version == digest_of(second) != digest_of(first)
        assert edge.node.config.facades[0].floors == 12 and edge.node.detector is not old_detector
        assert edge.node.config.source == str(tmp_path / "street.mp4")  # still resolved against --config
        frames_then = edge.node.stats.frames_processed
        assert _connected(service, digest_of(second))
        assert wait_for(lambda: edge.node.stats.frames_processed > frames_then + 5)  # detection went on
        stored = json.loads((tmp_path / "edge" / "config" / "pushed.json").read_text())
        assert stored["version"] == 2 and stored["yaml"] == second and stored["digest"] == digest_of(second)
        assert (tmp_path / "edge" / "config" / "previous.yaml").read_text() == first

        # Privacy-only change: detection keeps its pipeline (and its tracks).
        generation, detector = edge.parts.privacy.get()[0], edge.node.detector
        third = camera_yaml(floors=12, masks=[[[0, 0], [100, 0], [100, 50]]], privacy={"margin": 0.8})
        result = service.control.push_config(CAMERA, third, version=3)
        assert result.applied and result.config_version == digest_of(third)
        assert edge.node.detector is detector and edge.parts.privacy.get() == (
            generation + 1, parse_camera_yaml(third).privacy)
        assert _connected(service, digest_of(third))
        # The server stores the heartbeat with the digest (what the cameras page compares).
        _, db = open_store(tmp_path)
        try:
            assert wait_for(lambda: _stored_config_version(db) == digest_of(third))
        finally:
            db.close()


def _stored_config_version(db: Database) -> str | None:
    with db.session() as s:
        row = s.scalars(select(CameraRow)).one_or_none()
        return None if row is None or row.heartbeat is None else row.heartbeat.get("config_version")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (camera_yaml(floors=0), "facades.0.floors"),
        ("camera_id: cam-test\nfacades: [\n", "not valid YAML"),
        (camera_yaml().replace("floors: 10", "floors: 10\n  flors: 3"), "unknown key"),
        (camera_yaml().replace(CAMERA, "cam-other"), "not this edge's camera"),
        (camera_yaml().replace("street.mp4", "rtsp://10.0.0.9/stream"), "source differs"),
        (camera_yaml(corners=[CORNERS[0], CORNERS[2], CORNERS[1], CORNERS[3]]), "self-intersecting"),
    ],
)
def test_an_invalid_push_is_refused_with_its_error_and_the_previous_config_keeps_running(
    tmp_path: Path, server: tuple[IngestService, Path], street: tuple[np.ndarray, np.ndarray],
    text: str, message: str,
) -> None:
    service, keys = server
    first = camera_yaml()
    with Edge(tmp_path, keys, service.endpoint, _cfg_file(tmp_path, first), street[0]) as edge:
        assert _connected(service, digest_of(first))
        detector = edge.node.detector
        result = service.control.push_config(CAMERA, text, version=7)
        assert not result.applied and message in (result.error or "")
        assert edge.node.config_version == digest_of(first) and edge.node.detector is detector
        frames_then = edge.node.stats.frames_processed
        assert wait_for(lambda: edge.node.stats.frames_processed > frames_then + 5)
        assert service.control.reported_config_version(CAMERA) == digest_of(first)
        assert not (tmp_path / "edge" / "config" / "pushed.json").exists()
        assert edge.parts.control.stats()["config_pushes_refused"] == 1
    assert service.counters()["config_pushes_refused_total"] == 1


def test_pushes_while_the_edge_is_busy_never_stall_detection(
    tmp_path: Path, server: tuple[IngestService, Path], street: tuple[np.ndarray, np.ndarray]
) -> None:
    """Pushes and snapshot requests from several threads at once, while building the
    pipeline takes 1.5 s (as loading a verifier model may): frames keep flowing."""
    service, keys = server

    def slow_build(cfg: CameraConfig) -> Detector:
        time.sleep(1.5)
        return DetectionPipeline(cfg, scenes.FPS)

    first = camera_yaml()
    with Edge(tmp_path, keys, service.endpoint, _cfg_file(tmp_path, first), street[0]) as e:
        assert _connected(service, digest_of(first))
        e.parts.control.build_detector = slow_build
        texts = {v: camera_yaml(floors=10 + v) for v in range(2, 5)}
        results: dict[int, object] = {}

        def push(v: int) -> None:
            try:
                results[v] = service.control.push_config(CAMERA, texts[v], version=v, timeout_s=20)
            except Exception as exc:  # collected: a failure shows in the assertion below
                results[v] = exc

        started = time.monotonic()
        threads = [threading.Thread(target=push, args=(v,)) for v in texts]
        for t in threads:
            t.start()
        snapshot = service.control.request_snapshot(CAMERA, timeout_s=20)
        for t in threads:
            t.join(30)
        ended = time.monotonic()
        assert cv2.imdecode(np.frombuffer(snapshot, np.uint8), cv2.IMREAD_COLOR) is not None
        applied = [v for v, r in results.items() if getattr(r, "applied", False)]
        busy = [v for v, r in results.items() if "busy" in (getattr(r, "error", "") or "")]
        assert len(results) == 3 and sorted(applied + busy) == sorted(texts), results
        assert applied, "at least the first pushes fit in the edge's queue"
        assert e.node.config_version in {digest_of(texts[v]) for v in applied}
        assert _connected(service, e.node.config_version)
        # Each build took 1.5 s; the detection thread never waited for one.
        during = [t for t in e.frame_times_s if started <= t <= ended]
        assert ended - started >= 1.5 * len(applied)
        assert max(np.diff(during)) < 0.75, f"longest gap between frames {max(np.diff(during)):.2f} s"
        assert len(during) >= 0.5 * scenes.FPS * (ended - started)


def test_a_snapshot_is_the_current_frame_with_every_face_blurred(
    tmp_path: Path, server: tuple[IngestService, Path], street: tuple[np.ndarray, np.ndarray],
    face_detector: FaceDetector,
) -> None:
    service, keys = server
    raw, boxes = street
    first = camera_yaml()
    with Edge(tmp_path, keys, service.endpoint, _cfg_file(tmp_path, first), raw):
        assert _connected(service, digest_of(first))
        jpeg = service.control.request_snapshot(CAMERA)
        # A privacy polygon pushed later is blurred in the next snapshot.
        polygon = [[300, 100], [400, 100], [400, 200], [300, 200]]
        assert service.control.push_config(CAMERA, camera_yaml(privacy={"polygons": [polygon]}), version=2).applied
        jpeg2 = service.control.request_snapshot(CAMERA)
    img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None and img.shape == raw.shape
    assert len(faces_left(face_detector, img, boxes)) == 0
    x1, y1, x2, y2 = boxes[0, :4].astype(int)
    assert np.abs(img[y1:y2, x1:x2].astype(int) - raw[y1:y2, x1:x2].astype(int)).mean() > 8  # the face changed
    far = (slice(0, 150), slice(450, 640))  # no face, no polygon: the same picture
    assert np.abs(img[far].astype(int) - raw[far].astype(int)).mean() < 3
    img2 = cv2.imdecode(np.frombuffer(jpeg2, np.uint8), cv2.IMREAD_COLOR)
    inside = (slice(110, 190), slice(310, 390))
    assert img2[inside].std() < 0.5 * raw[inside].std()  # the polygon is blurred
    assert service.counters()["snapshots_total"] == 2


def test_a_snapshot_is_refused_when_privacy_cannot_run(
    tmp_path: Path, server: tuple[IngestService, Path], street: tuple[np.ndarray, np.ndarray]
) -> None:
    service, keys = server
    no_models = tmp_path / "no-models"
    no_models.mkdir()
    first = camera_yaml()
    with Edge(tmp_path, keys, service.endpoint, _cfg_file(tmp_path, first), street[0], models_dir=no_models) as e:
        assert _connected(service, digest_of(first))
        with pytest.raises(EdgeUnavailable, match="imagery withheld"):
            service.control.request_snapshot(CAMERA)
        assert e.parts.control.stats() == {"config_pushes_applied": 0, "config_pushes_refused": 0,
                                           "snapshots_sent": 0, "snapshots_refused": 1,
                                           "running_configs_sent": 0, "running_configs_refused": 0}
    assert service.counters()["snapshots_refused_total"] == 1


def test_the_edge_tells_which_config_it_runs_as_written(
    tmp_path: Path, server: tuple[IngestService, Path], street: tuple[np.ndarray, np.ndarray]
) -> None:
    """The YAML as in --config (comments, a relative source as written), then as pushed."""
    service, keys = server
    first = "# installed by hand on the pole\n" + camera_yaml()
    with Edge(tmp_path, keys, service.endpoint, _cfg_file(tmp_path, first), street[0]) as edge:
        assert _connected(service, digest_of(first))
        running = service.control.request_running_config(CAMERA)
        assert running.yaml_text == first and running.version is None
        assert running.config_version == digest_of(first) == edge.node.config_version
        assert parse_camera_yaml(running.yaml_text).source == "street.mp4"  # not resolved
        second = camera_yaml(floors=15)
        assert service.control.push_config(CAMERA, second, version=6).applied
        running = service.control.request_running_config(CAMERA)
        assert (running.yaml_text, running.config_version, running.version) == (second, digest_of(second), 6)
        assert edge.parts.control.stats()["running_configs_sent"] == 2
    assert service.counters()["running_configs_total"] == 2
    with pytest.raises(EdgeUnavailable, match="cam-nobody"):
        service.control.request_running_config("cam-nobody")


def test_a_running_config_is_bounded_by_the_link(
    tmp_path: Path, server: tuple[IngestService, Path], street: tuple[np.ndarray, np.ndarray]
) -> None:
    """Comments beyond the bound are left out (same config, same digest); a config whose
    YAML alone is beyond it is refused with its size, and the edge keeps answering."""
    service, keys = server
    commented = "".join(f"# note {i:05d} about this pole and its cabling\n" for i in range(2000)) + camera_yaml()
    assert len(commented.encode()) > MAX_CONFIG_BYTES
    with Edge(tmp_path, keys, service.endpoint, _cfg_file(tmp_path, commented), street[0]):
        assert _connected(service, digest_of(commented))
        running = service.control.request_running_config(CAMERA)
        assert len(running.yaml_text.encode()) <= MAX_CONFIG_BYTES and "# note" not in running.yaml_text
        assert running.yaml_text == dump_camera_config(parse_camera_yaml(commented))
        assert digest_of(running.yaml_text) == running.config_version == digest_of(commented)

    triangles = [[[x, y], [x + 3, y], [x, y + 3]] for x in range(0, 600, 12) for y in range(0, 330, 9)]
    huge = camera_yaml(masks=triangles)
    assert len(dump_camera_config(parse_camera_yaml(huge)).encode()) > MAX_CONFIG_BYTES
    with Edge(tmp_path / "2", keys, service.endpoint, _cfg_file(tmp_path, huge), street[0]) as edge:
        assert _connected(service, digest_of(huge))
        with pytest.raises(EdgeUnavailable, match=f"at most {MAX_CONFIG_BYTES} fit the link"):
            service.control.request_running_config(CAMERA)
        assert edge.parts.control.stats()["running_configs_refused"] == 1
        assert service.control.push_config(CAMERA, camera_yaml(floors=11), version=2).applied
        assert service.control.request_running_config(CAMERA).version == 2
    assert service.counters()["running_configs_refused_total"] == 1


def test_a_running_config_request_an_edge_leaves_unanswered_times_out(
    tmp_path: Path, server: tuple[IngestService, Path]
) -> None:
    service, keys = server
    silent = EdgeLink(Spool(tmp_path / "silent", 1 << 20), LinkConfig(service.endpoint, CAMERA, heartbeat_s=0.1),
                      lambda: {}, load_curve_keypair(keys / "edge1.key"), load_curve_public(keys / "server.key_public"),
                      on_request=lambda request: None)
    silent.start()
    try:
        assert wait_for(lambda: service.control.connected(CAMERA))
        t0 = time.monotonic()
        with pytest.raises(TimeoutError, match=r"did not answer within 0\.5 s"):
            service.control.request_running_config(CAMERA, timeout_s=0.5)
        assert 0.5 <= time.monotonic() - t0 < 3 and silent.stats.control_requests == 1
    finally:
        silent.stop()
    assert service.counters()["control_timeouts_total"] == 1


def test_unknown_or_gone_cameras_are_edge_unavailable(
    tmp_path: Path, server: tuple[IngestService, Path], street: tuple[np.ndarray, np.ndarray]
) -> None:
    service, keys = server
    with pytest.raises(EdgeUnavailable, match="cam-nobody"):
        service.control.push_config("cam-nobody", camera_yaml(), version=1)
    with pytest.raises(EdgeUnavailable):
        service.control.request_snapshot("cam-nobody")
    assert not service.control.connected(CAMERA)
    first = camera_yaml()
    closed = service.counters()["connections_closed_total"]
    with Edge(tmp_path, keys, service.endpoint, _cfg_file(tmp_path, first), street[0]):
        assert _connected(service, digest_of(first)) and service.control.connected(CAMERA)
    # The edge closed its connection: once the server's socket has seen it go (under
    # load that takes a moment), the request fails at once, not after the timeout.
    assert wait_for(lambda: service.counters()["connections_closed_total"] > closed)
    t0 = time.monotonic()
    with pytest.raises(EdgeUnavailable, match="not reachable"):
        service.control.push_config(CAMERA, camera_yaml(floors=11), version=2, timeout_s=10)
    assert time.monotonic() - t0 < 5


def test_a_restarted_edge_keeps_the_pushed_config_until_it_is_discarded(
    tmp_path: Path, server: tuple[IngestService, Path], street: tuple[np.ndarray, np.ndarray],
    caplog: pytest.LogCaptureFixture,
) -> None:
    service, keys = server
    first, second = camera_yaml(), camera_yaml(floors=14)
    path = _cfg_file(tmp_path, first)
    with Edge(tmp_path, keys, service.endpoint, path, street[0]):
        assert _connected(service, digest_of(first))
        assert service.control.push_config(CAMERA, second, version=4).applied
    caplog.set_level("INFO")
    with Edge(tmp_path, keys, service.endpoint, path, street[0]) as edge:
        assert edge.running.version == 4 and edge.node.config.facades[0].floors == 14
        assert _connected(service, digest_of(second))
    assert "using the PUSHED config v4" in caplog.text
    with Edge(tmp_path, keys, service.endpoint, path, street[0], discard_pushed=True) as edge:
        assert edge.running.version is None and _connected(service, digest_of(first))
    assert list((tmp_path / "edge" / "config").glob("pushed.json.set-aside-*"))


def test_an_edge_that_missed_a_save_catches_up_once(
    tmp_path: Path, server: tuple[IngestService, Path], street: tuple[np.ndarray, np.ndarray]
) -> None:
    service, keys = server
    first, latest = camera_yaml(), camera_yaml(floors=9)
    asked: list[str] = []

    def provider(camera_id: str) -> tuple[int, str] | None:
        asked.append(camera_id)
        return (3, latest) if camera_id == CAMERA else None

    service.control.set_latest_provider(provider)
    with Edge(tmp_path, keys, service.endpoint, _cfg_file(tmp_path, first), street[0]) as edge:
        assert _connected(service, digest_of(latest))
        assert edge.running.version is None and edge.node.running.version == 3
        time.sleep(1.0)  # more heartbeats: no more pushes
    assert service.counters()["config_catchup_pushes_total"] == 1 and CAMERA in asked


def test_a_second_edge_key_cannot_take_over_a_live_camera(
    tmp_path: Path, server: tuple[IngestService, Path], street: tuple[np.ndarray, np.ndarray]
) -> None:
    service, keys = server
    first = camera_yaml()
    with Edge(tmp_path, keys, service.endpoint, _cfg_file(tmp_path, first), street[0]) as edge:
        assert _connected(service, digest_of(first))
        impostor = make_link(Spool(tmp_path / "impostor", 1 << 20), service.endpoint, keys, name="edge2",
                             heartbeat_s=0.1)
        impostor.start()
        try:
            assert wait_for(lambda: service.counters()["control_camera_conflicts_total"] >= 3)
            assert impostor.stats.control_requests == 0
            assert service.control.push_config(CAMERA, camera_yaml(floors=11), version=2).applied
            assert edge.node.config.facades[0].floors == 11 and impostor.stats.control_requests == 0
        finally:
            impostor.stop()


def test_malformed_control_messages_are_counted_on_both_sides_and_break_nothing(
    tmp_path: Path, server: tuple[IngestService, Path], street: tuple[np.ndarray, np.ndarray]
) -> None:
    service, keys = server
    ctx = zmq.Context.instance()
    # Edge side: a server that sends garbage, then a valid request, down the CURVE link.
    fake = ctx.socket(zmq.ROUTER)
    server_keys = load_curve_keypair(keys / "server.key")
    fake.curve_server, fake.curve_publickey, fake.curve_secretkey = True, server_keys.public, server_keys.secret
    port = fake.bind_to_random_port("tcp://127.0.0.1")
    requests: list[Message] = []
    spool = Spool(tmp_path / "edge-spool", 1 << 20)
    link = EdgeLink(spool, LinkConfig(f"tcp://127.0.0.1:{port}", CAMERA, heartbeat_s=0.2), lambda: {},
                    load_curve_keypair(keys / "edge1.key"), load_curve_public(keys / "server.key_public"),
                    on_request=requests.append)
    link.start()
    try:
        assert fake.poll(5000)
        routing_id = fake.recv_multipart()[0]
        bad = [
            [b"not json"],
            [b'{"v":1,"type":"config_push","event_id":"","seq":1,"camera_id":"cam-test","version":0,"yaml":"x"}'],
            [b'{"v":1,"type":"config_push","event_id":"","seq":2,"camera_id":"../x","version":1,"yaml":"x"}'],
            [b'{"v":1,"type":"snapshot_request","event_id":"","seq":3,"camera_id":"cam-test"}', b"payload"],
            [b'{"v":1,"type":"config_result","event_id":"","seq":4}'],
            [b'{"v":1,"type":"running_config_request","event_id":"","seq":5,"camera_id":"../x"}'],
            [b'{"v":1,"type":"running_config_request","event_id":"","seq":6}'],
        ]
        for frames in bad:
            fake.send_multipart([routing_id, *frames])
        fake.send_multipart([routing_id, *encode(Message(MessageType.SNAPSHOT_REQUEST, 7, "", {"camera_id": CAMERA}))])
        fake.send_multipart([routing_id, *encode(Message(MessageType.RUNNING_CONFIG_REQUEST, 8, "",
                                                         {"camera_id": CAMERA}))])
        assert wait_for(lambda: len(requests) == 2)
        assert link.stats.malformed_received == len(bad) and [r.seq for r in requests] == [7, 8]
        beats = link.stats.heartbeats_sent
        assert wait_for(lambda: link.stats.heartbeats_sent > beats + 2)  # the link thread is alive
    finally:
        link.stop()
        fake.close(linger=0)

    # Server side: an allowed edge answering nothing that was asked, or nonsense.
    first = camera_yaml()
    with Edge(tmp_path, keys, service.endpoint, _cfg_file(tmp_path, first), street[0]) as edge:
        assert _connected(service, digest_of(first))
        rogue = ctx.socket(zmq.DEALER)
        edge2 = load_curve_keypair(keys / "edge2.key")
        rogue.curve_publickey, rogue.curve_secretkey = edge2.public, edge2.secret
        rogue.curve_serverkey = load_curve_public(keys / "server.key_public")
        rogue.connect(service.endpoint)
        try:
            rogue.send_multipart([b'{"v":1,"type":"config_result","event_id":"","seq":"x"}'])
            rogue.send_multipart([b'{"v":1,"type":"snapshot","event_id":"","seq":1,"camera_id":"cam-test",'
                                  b'"ok":true,"error":null}', b"\xff\xd8\xff not a jpeg \xff\xd9"])
            rogue.send_multipart(encode(Message(MessageType.CONFIG_RESULT, 99, "", {
                "camera_id": CAMERA, "applied": True, "version": 1, "config_version": "abc", "error": None})))
            # A running config that carries no YAML, and a well-formed one nobody asked for.
            rogue.send_multipart([b'{"v":1,"type":"running_config","event_id":"","seq":2,"camera_id":"cam-test",'
                                  b'"ok":true,"config_version":"abc","error":null}'])
            rogue.send_multipart(encode(Message(MessageType.RUNNING_CONFIG, 98, "", {
                "camera_id": CAMERA, "ok": True, "yaml": camera_yaml(), "config_version": "abc", "version": None,
                "error": None})))
            assert wait_for(lambda: service.counters()["control_rejected_malformed_total"] == 2
                         and service.counters()["control_unexpected_replies_total"] == 3)
        finally:
            rogue.close(linger=0)
        assert service.control.push_config(CAMERA, camera_yaml(floors=11), version=2).applied
        assert edge.node.config.facades[0].floors == 11
        assert service.control.request_running_config(CAMERA).config_version == digest_of(camera_yaml(floors=11))


def test_fallwatch_edge_restarts_with_the_pushed_config(
    tmp_path: Path, server: tuple[IngestService, Path], street: tuple[np.ndarray, np.ndarray]
) -> None:
    """The command's wiring: a pushed config is applied and survives a restart of the process."""
    service, keys = server
    write_mp4([street[0]] * 10, scenes.FPS, tmp_path / "street.mp4")
    first, second = camera_yaml(), camera_yaml(floors=13)
    path = _cfg_file(tmp_path, first)
    cmd = [sys.executable, "-m", "fallwatch.cli", "edge", "--config", str(path), "--server", service.endpoint,
           "--data-dir", str(tmp_path / "edge"), "--key", str(keys / "edge1.key"),
           "--server-key", str(keys / "server.key_public"), "--heartbeat-s", "0.3", "--loop"]

    port_file = tmp_path / "edge" / "health_port"

    def healthz() -> dict | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{int(port_file.read_text())}/healthz", timeout=5) as r:
                return json.loads(r.read())
        except (OSError, ValueError):
            return None

    def run_until(digest: str, then: Callable[[], None] = lambda: None) -> str:
        port_file.unlink(missing_ok=True)
        edge = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            # /healthz answers once the process runs (its signal handlers are set by then).
            assert wait_for(lambda: (healthz() or {}).get("config_version") == digest, 60), edge.poll()
            assert wait_for(lambda: service.control.reported_config_version(CAMERA) == digest)
            then()
            edge.send_signal(signal.SIGTERM)
            _, err = edge.communicate(timeout=30)
            assert edge.returncode == 0, err[-2000:]
            return err
        finally:
            if edge.poll() is None:
                edge.kill()

    def push() -> None:
        assert service.control.push_config(CAMERA, second, version=5).applied
        assert wait_for(lambda: service.control.reported_config_version(CAMERA) == digest_of(second))

    run_until(digest_of(first), push)
    log = run_until(digest_of(second))
    assert "using the PUSHED config v5" in log


def test_an_edge_refuses_a_config_whose_source_still_has_the_pages_masked_password(tmp_path: Path) -> None:
    from edge.config.camera import ConfigError
    from edge.node.config_store import PushedConfigStore
    from edge.node.startup_config import startup_config

    store = PushedConfigStore(tmp_path / "edge")
    real = _cfg_file(tmp_path, camera_yaml(source="rtsp://viewer:s3cret@10.0.0.7/stream1"))
    assert startup_config(real, store, False).config.source == "rtsp://viewer:s3cret@10.0.0.7/stream1"
    exported = _cfg_file(tmp_path, camera_yaml(source="rtsp://viewer:***@10.0.0.7/stream1"))
    with pytest.raises(ConfigError, match=r"masked \(\*\*\*\).*real user and password"):
        startup_config(exported, store, False)


def test_control_messages_are_bounded_and_old_messages_keep_their_bytes() -> None:
    ack = Message(MessageType.ACK, 7, "ev1", {"have": 3, "done": False})
    assert encode(ack) == [b'{"v":1,"type":"ack","event_id":"ev1","seq":7,"have":3,"done":false}']
    push = Message(MessageType.CONFIG_PUSH, 3, "", {"camera_id": CAMERA, "version": 2, "yaml": camera_yaml()})
    assert decode(encode(push)).fields == push.fields
    too_big = Message(MessageType.CONFIG_PUSH, 3, "", {"camera_id": CAMERA, "version": 2,
                                                       "yaml": "#" * (MAX_CONFIG_BYTES + 1)})
    with pytest.raises(ProtocolError, match="oversized"):
        decode(encode(too_big))
    snap = Message(MessageType.SNAPSHOT, 4, "", {"camera_id": CAMERA, "ok": True, "error": None},
                   b"\xff" * (MAX_SNAPSHOT_BYTES + 1))
    with pytest.raises(ProtocolError, match="oversized"):
        decode(encode(snap))
    running = Message(MessageType.RUNNING_CONFIG, 5, "", {"camera_id": CAMERA, "ok": True, "config_version": "abc",
                                                          "yaml": "#" * (MAX_CONFIG_BYTES + 1), "version": None})
    with pytest.raises(ProtocolError, match="oversized"):
        decode(encode(running))
    asked = decode(encode(Message(MessageType.RUNNING_CONFIG_REQUEST, 5, "", {"camera_id": CAMERA})))
    refused = decode(encode(control_refusal(asked, "no")))
    assert (refused.type, refused.seq, refused.fields["ok"], refused.fields["yaml"]) == (
        MessageType.RUNNING_CONFIG, 5, False, None)
    refusal = control_refusal(decode(encode(push)), "x" * 10_000)
    assert refusal.type is MessageType.CONFIG_RESULT and refusal.seq == 3
    assert decode(encode(refusal)).fields["applied"] is False  # cut to MAX_ERROR_CHARS, still valid
    control = EdgeControl()
    try:
        with pytest.raises(ValueError, match="over"):
            control.push_config(CAMERA, "#" * (MAX_CONFIG_BYTES + 1), 1)
    finally:
        control.close()
