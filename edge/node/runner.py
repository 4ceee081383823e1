"""EdgeNode: one camera's loop. Capture and detection run on the calling thread;
recording, spooling and sending happen on other threads, so neither a slow
anonymiser nor a slow or dead server ever holds up detection.

A pushed config is built elsewhere (``edge.node.control``) and swapped in by
``apply`` between two frames: each frame is processed under ``frame_lock``, and the
swap itself is a few assignments under the same lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from edge.config.camera import CameraConfig
from edge.events.event import Event
from edge.node.running_config import RunningConfig
from edge.node.system import cpu_load_1m, temperature_c
from edge.recording.recorder import EvidenceRecorder
from edge.sources.frame import Frame
from edge.spool.spool import Spool
from edge.transport.link import EdgeLink
from fallwatch import __version__

log = logging.getLogger(__name__)


class Detector(Protocol):
    """What the node needs from ``edge.pipeline.DetectionPipeline``."""

    def process(self, frame: Frame) -> list[Event]: ...

    def live_event_ids(self) -> set[str]: ...


@dataclass
class NodeStats:
    frames_received: int = 0
    frames_processed: int = 0
    events: int = 0
    last_event_wall_s: float | None = None
    fps_processed: float = 0.0
    configs_applied: int = 0


class EdgeNode:
    """Runs ``source`` through ``detector`` and ``recorder``; ``link`` drains the spool.

    ``running`` is the config it starts with. ``source_stats`` returns the source's
    counters (dropped frames, reconnects) when it has them. ``detector_version``
    names the detection model for heartbeats.
    """

    def __init__(
        self,
        running: RunningConfig,
        detector: Detector,
        recorder: EvidenceRecorder,
        spool: Spool,
        link: EdgeLink,
        source_stats: Any = None,
        detector_version: str = "",
    ) -> None:
        self.running = running
        self.detector = detector
        self.recorder = recorder
        self.spool = spool
        self.link = link
        self.source_stats = source_stats
        self.detector_version = detector_version or f"motion-{running.config.motion.backend}"
        self.stats = NodeStats()
        self.started_wall_s = time.time()
        self.stop_requested = threading.Event()
        self.frame_lock = threading.Lock()
        self.latest_frame: Frame | None = None
        self.latest_frame_at_s = 0.0  # time.monotonic() when latest_frame arrived

    @property
    def config(self) -> CameraConfig:
        return self.running.config

    @property
    def config_version(self) -> str:
        """The digest of the running config as written (``edge.config.camera.config_digest``)."""
        return self.running.digest

    def apply(self, running: RunningConfig, detector: Detector | None) -> None:
        """Switch to ``running`` between two frames; ``detector`` replaces the pipeline
        when given (tracks in progress end; recordings in progress finish as usual)."""
        with self.frame_lock:
            if detector is not None:
                self.detector = detector
            self.running = running
            self.stats.configs_applied += 1

    def run(self, frames: Iterable[Frame]) -> None:
        """Process frames until they end or ``stop_requested`` is set."""
        window_t0, window_n = time.monotonic(), 0
        for frame in frames:
            self.stats.frames_received += 1
            with self.frame_lock:
                events = self.detector.process(frame)
                self.recorder.on_frame(frame, self.detector.live_event_ids())
                for event in events:
                    self._on_event(event)
            self.latest_frame, self.latest_frame_at_s = frame, time.monotonic()
            self.stats.frames_processed += 1
            window_n += 1
            now = time.monotonic()
            if now - window_t0 >= 1.0:
                self.stats.fps_processed = round(window_n / (now - window_t0), 2)
                window_t0, window_n = now, 0
            if self.stop_requested.is_set():
                break

    def _on_event(self, event: Event) -> None:
        self.stats.events += 1
        self.stats.last_event_wall_s = time.time()
        record = {**event.to_dict(), "wall_time": round(self.stats.last_event_wall_s, 3)}
        record["config_version"] = self.config_version
        log.info("event %s: floor %d column %d", event.event_id, event.origin.floor, event.origin.column)
        self.recorder.on_event(event, record)

    def shutdown(self, drain_timeout_s: float) -> bool:
        """Finish recordings, commit them, wait up to ``drain_timeout_s`` for every ack.

        Returns True when the spool is empty; anything unacknowledged stays in the
        spool for the next start either way.
        """
        self.recorder.stop()
        drained = self.link.wait_drained(drain_timeout_s)
        self.link.stop()
        return drained

    def heartbeat(self) -> dict[str, Any]:
        """The heartbeat's stats (also served at /healthz)."""
        spool = self.spool.stats()
        src = self.source_stats.to_dict() if self.source_stats is not None else {}
        return {
            "frames_received": self.stats.frames_received,
            "frames_processed": self.stats.frames_processed,
            "frames_dropped": int(src.get("dropped_frames", 0)),
            "fps_processed": self.stats.fps_processed,
            "stream_reconnects": int(src.get("reconnects", 0)),
            "stream_connected": bool(src.get("connected", True)),
            "events": self.stats.events,
            "last_event_wall_s": self.stats.last_event_wall_s,
            "spool_depth": spool["depth"],
            "spool_bytes": spool["bytes"],
            "spool_evicted_items": spool["evicted_items"],
            "spool_evicted_bytes": spool["evicted_bytes"],
            "cpu_load": cpu_load_1m(),
            "temperature_c": temperature_c(),
            "software_version": __version__,
            "model_versions": {"detector": self.detector_version, "privacy": self.recorder.model_version},
            "config_version": self.config_version,
            "config_pushed_version": self.running.version,
            "configs_applied": self.stats.configs_applied,
            "privacy": self.recorder.privacy_state,
            "clips_written": self.recorder.clips_written,
            "clips_withheld": self.recorder.clips_withheld,
            "clips_truncated": self.recorder.clips_truncated,
            "clip_backlog_bytes": self.recorder.backlog_bytes,
            "uptime_s": round(time.time() - self.started_wall_s, 1),
        }

    def health(self) -> dict[str, Any]:
        body = self.heartbeat()
        body["link"] = self.link.stats.as_dict()
        body["status"] = "ok" if body["privacy"] == "ok" and body["stream_connected"] else "degraded"
        return body
