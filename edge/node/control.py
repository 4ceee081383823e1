"""NodeControl: carries out the server's control requests on a thread of its own.

The link thread hands requests over (``on_request`` never blocks); this thread
validates and builds, and the detection thread only ever sees the finished result,
swapped in between two frames (``EdgeNode.apply``):

- ``config_push``: the YAML is validated with the same model as ``--config``
  (``parse_camera_yaml``), must be for this camera and keep its ``source``; the
  detection pipeline is rebuilt only when facades, masks, motion or detection
  settings changed; the YAML is persisted (``PushedConfigStore``) before the swap,
  so what runs is what a restart runs. Any failure keeps the previous config and
  the answer carries the error text.
- ``snapshot_request``: the current frame, anonymised by the node's privacy
  settings, as JPEG. Fail closed: when the node's privacy stage is withheld or the
  snapshot anonymiser cannot load or fails, the answer is a refusal, never an image.
- ``running_config_request``: the YAML the node runs now, as loaded or pushed
  (a relative ``source`` still relative), and its digest, so the installer page can
  start from what the edge already knows. It goes through the same queue as pushes,
  so an answer given after a push names the pushed config.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from edge.config.camera import CameraConfig, ConfigError, config_digest, dump_camera_config, parse_camera_yaml
from edge.node.config_store import PushedConfigStore
from edge.node.privacy_switch import PrivacySettings, SwitchableAnonymizer
from edge.node.runner import Detector, EdgeNode
from edge.node.running_config import RunningConfig
from edge.privacy import PrivacyUnavailable
from edge.protocol.messages import (
    MAX_CONFIG_BYTES,
    MAX_SNAPSHOT_BYTES,
    Message,
    MessageType,
    ProtocolError,
    control_refusal,
    encode,
)
from edge.recording.ring import encode_jpeg
from edge.sources.frame import Frame

log = logging.getLogger(__name__)

WITHHELD = "imagery withheld"
_JPEG_QUALITIES = (90, 75, 60, 45)


class NodeControl:
    """``build_detector(config)`` makes a detection pipeline for a resolved config;
    ``send_reply`` hands an answer to the link; ``on_applied`` runs after a swap (the
    command sends a heartbeat at once, so the server sees the new digest)."""

    def __init__(
        self,
        node: EdgeNode,
        store: PushedConfigStore,
        privacy: PrivacySettings,
        build_detector: Callable[[CameraConfig], Detector],
        send_reply: Callable[[Message], None],
        on_applied: Callable[[], None] = lambda: None,
        frame_wait_s: float = 5.0,
        max_queued: int = 4,
    ) -> None:
        self.node = node
        self.store = store
        self.privacy = privacy
        self.build_detector = build_detector
        self.send_reply = send_reply
        self.on_applied = on_applied
        self.frame_wait_s = frame_wait_s
        self.pushes_applied = 0
        self.pushes_refused = 0
        self.snapshots_sent = 0
        self.snapshots_refused = 0
        self.running_configs_sent = 0
        self.running_configs_refused = 0
        self._requests: queue.Queue[Message | None] = queue.Queue(maxsize=max_queued)
        self._snapshot_anonymizer: SwitchableAnonymizer | None = None
        self._thread = threading.Thread(target=self._run, name="edge-control", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        # A full queue means a request is in progress; the thread is a daemon and the
        # server times the rest out.
        try:
            self._requests.put(None, timeout=1.0)
        except queue.Full:
            return
        self._thread.join(timeout=10.0)

    def on_request(self, request: Message) -> None:
        """Link thread: queue ``request``, or refuse it at once when too many wait."""
        try:
            self._requests.put_nowait(request)
        except queue.Full:
            self.send_reply(control_refusal(request, "the edge is busy with earlier control requests"))

    def stats(self) -> dict[str, int]:
        return {
            "config_pushes_applied": self.pushes_applied,
            "config_pushes_refused": self.pushes_refused,
            "snapshots_sent": self.snapshots_sent,
            "snapshots_refused": self.snapshots_refused,
            "running_configs_sent": self.running_configs_sent,
            "running_configs_refused": self.running_configs_refused,
        }

    def _run(self) -> None:
        while (request := self._requests.get()) is not None:
            try:
                if request.type is MessageType.CONFIG_PUSH:
                    reply = self._push(request)
                elif request.type is MessageType.RUNNING_CONFIG_REQUEST:
                    reply = self._running_config(request)
                else:
                    reply = self._snapshot(request)
            except Exception as exc:  # a bug here must neither kill the thread nor send imagery
                log.exception("control request %s failed", request.type.value)
                reply = control_refusal(request, f"edge error: {type(exc).__name__}: {exc}")
            self.send_reply(reply)

    def _wrong_camera(self, request: Message) -> str | None:
        camera_id = self.node.config.camera_id
        asked = request.fields["camera_id"]
        return None if asked == camera_id else f"this edge runs camera {camera_id}, not {asked}"

    # -- config push --------------------------------------------------------------
    def _push(self, request: Message) -> Message:
        problem = self._wrong_camera(request)
        version = int(request.fields["version"])
        if problem is None:
            problem, new = self._try_push(str(request.fields["yaml"]), version)
        if problem is not None:
            self.pushes_refused += 1
            log.error("pushed config v%d refused, keeping %s: %s", version, self.node.config_version, problem)
            return control_refusal(request, problem)
        self.pushes_applied += 1
        fields = {"camera_id": self.node.config.camera_id, "applied": True, "version": version,
                  "config_version": new.digest, "error": None}
        return Message(MessageType.CONFIG_RESULT, request.seq, "", fields)

    def _try_push(self, yaml_text: str, version: int) -> tuple[str | None, RunningConfig]:
        """Validate, build, persist and swap; (problem, new config) with problem None on success."""
        old = self.node.running
        try:
            new = RunningConfig.from_yaml(yaml_text, f"pushed config v{version}", old.base_dir, version)
        except ConfigError as exc:
            return str(exc), old
        if new.config.camera_id != old.config.camera_id:
            return f"camera_id {new.config.camera_id} is not this edge's camera {old.config.camera_id}", old
        if new.config.source != old.config.source:
            # Where frames come from is the device's installation, not calibration.
            return "source differs from the running camera's; change it in --config and restart the edge", old
        detector = None
        if new.detection_differs(old):
            try:
                detector = self.build_detector(new.config)
            except Exception as exc:  # e.g. the verifier model is missing
                return f"cannot build the detection pipeline: {exc}", old
        try:
            self.store.save(new, old)
        except OSError as exc:
            return f"cannot store the config on the edge: {exc}", old
        self.privacy.set(new.config.privacy)
        self.node.apply(new, detector)
        log.info("applied pushed config v%d (digest %s, was %s)%s; stored in %s",
                    version, new.digest, old.digest, "" if detector else " without rebuilding detection",
                    self.store.path)
        self.on_applied()
        return None, new

    # -- running config -------------------------------------------------------------
    def _running_config(self, request: Message) -> Message:
        problem = self._wrong_camera(request)
        reply = None
        if problem is None:
            problem, reply = self._try_running_config(request)
        if problem is not None or reply is None:
            self.running_configs_refused += 1
            log.warning("running config request refused: %s", problem)
            return control_refusal(request, problem or "no running config")
        self.running_configs_sent += 1
        return reply

    def _try_running_config(self, request: Message) -> tuple[str | None, Message | None]:
        running = self.node.running
        text = running.yaml_text
        if len(text.encode()) > MAX_CONFIG_BYTES:
            # Comments can make a --config file long; the same config without them
            # parses to the same model, so it has the same digest.
            text = dump_camera_config(running.written)
            if config_digest(parse_camera_yaml(text)) != running.digest:
                return "the running config cannot be written without its comments", None
        size = len(text.encode())
        if size > MAX_CONFIG_BYTES:
            return f"the running config is {size} bytes of YAML; at most {MAX_CONFIG_BYTES} fit the link", None
        fields = {"camera_id": running.config.camera_id, "ok": True, "yaml": text,
                  "config_version": running.digest, "version": running.version, "error": None}
        reply = Message(MessageType.RUNNING_CONFIG, request.seq, "", fields)
        try:
            encode(reply)  # JSON escaping can still outgrow the header limit
        except ProtocolError as exc:
            return f"the running config does not fit one message: {exc.detail}", None
        return None, reply

    # -- snapshot ---------------------------------------------------------------------
    def _snapshot(self, request: Message) -> Message:
        problem = self._wrong_camera(request)
        jpeg = b""
        if problem is None:
            problem, jpeg = self._try_snapshot()
        if problem is not None:
            self.snapshots_refused += 1
            log.warning("snapshot refused: %s", problem)
            return control_refusal(request, problem)
        self.snapshots_sent += 1
        return Message(MessageType.SNAPSHOT, request.seq, "", {"camera_id": self.node.config.camera_id, "ok": True,
                                                               "error": None}, jpeg)

    def _try_snapshot(self) -> tuple[str | None, bytes]:
        if self.node.recorder.privacy_state != "ok":
            return f"{WITHHELD}: the privacy stage of this edge is not running", b""
        try:
            anonymizer = self._anonymizer()
        except PrivacyUnavailable as exc:
            return f"{WITHHELD}: {exc}", b""
        frame = self._fresh_frame()
        if frame is None:
            return f"no frame from the camera in the last {self.frame_wait_s:g} s", b""
        try:
            clean = anonymizer.anonymize_snapshot(frame.bgr())
        except Exception as exc:  # PrivacyUnavailable above all: no image leaves
            return f"{WITHHELD}: {exc}", b""
        for quality in _JPEG_QUALITIES:
            jpeg = encode_jpeg(clean, quality)
            if len(jpeg) <= MAX_SNAPSHOT_BYTES:
                return None, jpeg
        return f"the frame does not fit in {MAX_SNAPSHOT_BYTES} bytes as JPEG", b""

    def _anonymizer(self) -> SwitchableAnonymizer:
        # Built on first use: most edges never get a snapshot request.
        if self._snapshot_anonymizer is None:
            self._snapshot_anonymizer = SwitchableAnonymizer(self.privacy)
        if self._snapshot_anonymizer.state != "ok":
            raise PrivacyUnavailable(self._snapshot_anonymizer.reason or "the face model failed")
        return self._snapshot_anonymizer

    def _fresh_frame(self) -> Frame | None:
        """A frame that arrived at most one second before the request, waiting for one."""
        asked_at = time.monotonic()
        deadline = asked_at + self.frame_wait_s
        while True:
            frame, at_s = self.node.latest_frame, self.node.latest_frame_at_s
            if frame is not None and at_s >= asked_at - 1.0:
                return frame
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.02)
