"""EvidenceRecorder: turns detected events into an alert (snapshots) and, later, a clip.

The detection thread calls ``on_frame`` for every frame (one JPEG encode into the
pre-event ring) and ``on_event`` for every event; both only append to lists and
queues. Two worker threads do the heavy work, each with its own anonymiser so that
an alert never waits for a clip being encoded:

- alert worker: anonymises the detection frame, draws the trajectory on it and
  hands the event plus both snapshots to the sink at once;
- clip worker: when an event's recording ends (``post_s`` after its track was
  last followed, at most ``max_clip_s``), anonymises every frame of the clip in
  order and encodes the H.264 MP4.

Privacy fails closed: no anonymiser, or one that raises, means no imagery at all
for that event (``"privacy": "withheld"``); raw frames only ever exist in memory.
"""

from __future__ import annotations

import logging
import queue
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from edge.events.event import Event
from edge.protocol.messages import FileKind
from edge.recording.mp4 import write_mp4
from edge.recording.ring import EncodedFrame, PreEventRing, encode_jpeg
from edge.recording.snapshot import draw_event
from edge.sources.frame import Frame

log = logging.getLogger(__name__)

SNAPSHOT_NAME = "snapshot.jpg"
SNAPSHOT_CLEAN_NAME = "snapshot_clean.jpg"
CLIP_NAME = "clip.mp4"


class FrameAnonymizer(Protocol):
    """What the recorder needs from ``edge.privacy.Anonymizer``."""

    state: str
    model_version: str

    def anonymize_iter(self, frames: Iterable[np.ndarray]) -> Iterator[np.ndarray]: ...

    def anonymize_snapshot(self, bgr: np.ndarray) -> np.ndarray: ...


EvidenceFile = tuple[str, str, bytes]  # (file kind, name, data)


class EvidenceSink(Protocol):
    """Where finished evidence goes (the node's outbox: sign, spool, send)."""

    def alert(self, event: dict[str, Any], files: list[EvidenceFile], final: bool) -> None: ...

    def evidence(self, event: dict[str, Any], files: list[EvidenceFile]) -> None: ...


@dataclass(frozen=True)
class RecorderConfig:
    """Seconds for durations; ``fps`` is the clip's frame rate."""

    fps: float
    pre_s: float = 5.0
    post_s: float = 5.0
    max_clip_s: float = 30.0
    ring_max_bytes: int = 96 * 1024 * 1024
    jpeg_quality: int = 90
    # Encoded frames held by clips being recorded or waiting for the anonymiser.
    # When clips come faster than they can be anonymised, recordings are ended
    # early (counted as truncated) instead of letting memory grow without bound.
    max_backlog_bytes: int = 256 * 1024 * 1024


@dataclass
class _Alert:
    event: dict[str, Any]
    frame: EncodedFrame
    done: threading.Event = field(default_factory=threading.Event)
    imagery_ok: bool = False


@dataclass
class _Clip:
    alert: _Alert
    frames: list[EncodedFrame]
    first_t_s: float
    last_live_t_s: float
    snapshot_files: list[EvidenceFile] = field(default_factory=list)
    held_bytes: int = 0


_STOP = object()


class EvidenceRecorder:
    def __init__(
        self,
        config: RecorderConfig,
        anonymizer_factory: Callable[[], FrameAnonymizer] | None,
        sink: EvidenceSink,
    ) -> None:
        self.config = config
        self.sink = sink
        self.ring = PreEventRing(config.pre_s, config.ring_max_bytes, config.jpeg_quality)
        self._factory = anonymizer_factory
        self._open: dict[str, _Clip] = {}
        self._alerts: queue.Queue[Any] = queue.Queue()
        self._clips: queue.Queue[Any] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._alert_worker, name="recorder-alerts", daemon=True),
            threading.Thread(target=self._clip_worker, name="recorder-clips", daemon=True),
        ]
        self.privacy_state = "withheld" if anonymizer_factory is None else "ok"
        self.model_version = "none"
        self.clips_written = 0
        self.clips_withheld = 0
        self.clips_truncated = 0
        self._backlog_bytes = 0
        self._backlog_lock = threading.Lock()

    def start(self) -> None:
        for t in self._threads:
            t.start()

    # -- detection thread ---------------------------------------------------
    def on_frame(self, frame: Frame, live_event_ids: set[str]) -> None:
        """Buffer ``frame`` and extend or end the recordings in progress."""
        enc = self.ring.push(frame)
        for event_id, clip in list(self._open.items()):
            if not self._hold(clip, len(enc.jpeg)):
                log.warning("clip of %s ended early: %d MB of clips wait for the anonymiser",
                            event_id, self._backlog_bytes // 2**20)
                self.clips_truncated += 1
                self._clips.put(self._open.pop(event_id))
                continue
            clip.frames.append(enc)
            if event_id in live_event_ids:
                clip.last_live_t_s = frame.t_s
            if (
                frame.t_s >= clip.last_live_t_s + self.config.post_s
                or frame.t_s - clip.first_t_s >= self.config.max_clip_s
            ):
                self._clips.put(self._open.pop(event_id))

    def on_event(self, event: Event, event_dict: dict[str, Any]) -> None:
        """Start the alert and the clip of ``event``; call after ``on_frame`` of its frame."""
        latest = self.ring.since(-1e18)[-1:]
        if not latest:
            raise RuntimeError("on_event before any on_frame")
        alert = _Alert(event_dict, latest[0])
        self._alerts.put(alert)
        start_t_s = min(event.t_start, event.detected_at) - self.config.pre_s
        frames = self.ring.since(start_t_s)
        clip = _Clip(alert, frames, frames[0].t_s, latest[0].t_s)
        if not self._hold(clip, sum(len(f.jpeg) for f in frames)):
            # Flooded with events: this clip starts at the detection frame only.
            clip.frames = frames[-1:]
            self._hold(clip, len(frames[-1].jpeg), force=True)
            self.clips_truncated += 1
        self._open[event.event_id] = clip

    def finish(self) -> None:
        """End of stream: close every recording in progress with what it has."""
        for event_id in list(self._open):
            self._clips.put(self._open.pop(event_id))

    def stop(self, timeout_s: float = 60.0) -> None:
        """Finish recordings, then wait for the workers to hand everything to the sink."""
        self.finish()
        self._alerts.put(_STOP)
        self._clips.put(_STOP)
        for t in self._threads:
            t.join(timeout=timeout_s)

    def _hold(self, clip: _Clip, nbytes: int, force: bool = False) -> bool:
        """Account ``nbytes`` more held by ``clip``; False when over the backlog budget."""
        with self._backlog_lock:
            if not force and self._backlog_bytes + nbytes > self.config.max_backlog_bytes:
                return False
            self._backlog_bytes += nbytes
            clip.held_bytes += nbytes
            return True

    def _release(self, clip: _Clip) -> None:
        with self._backlog_lock:
            self._backlog_bytes -= clip.held_bytes
            clip.held_bytes = 0

    @property
    def backlog_bytes(self) -> int:
        """Encoded frames held by clips not yet handed to the sink."""
        return self._backlog_bytes

    @property
    def busy(self) -> int:
        """Alerts and clips not handed to the sink yet."""
        return self._alerts.qsize() + self._clips.qsize() + len(self._open)

    # -- workers -------------------------------------------------------------
    def _load(self) -> FrameAnonymizer | None:
        if self._factory is None:
            return None
        try:
            anonymizer = self._factory()
        except Exception as exc:
            log.error("privacy model unavailable, imagery is withheld: %s", exc)
            self.privacy_state = "withheld"
            return None
        self.model_version = anonymizer.model_version
        if anonymizer.state != "ok":
            self.privacy_state = "withheld"
            return None
        return anonymizer

    def _alert_worker(self) -> None:
        anonymizer = self._load()
        while (alert := self._alerts.get()) is not _STOP:
            try:
                self._send_alert(alert, anonymizer)
            except Exception:
                log.exception("alert of %s failed", alert.event.get("event_id"))
            finally:
                alert.done.set()

    def _send_alert(self, alert: _Alert, anonymizer: FrameAnonymizer | None) -> None:
        files: list[EvidenceFile] = []
        if anonymizer is not None:
            try:
                clean = anonymizer.anonymize_snapshot(alert.frame.decode())
                ev = alert.event
                label = f"floor {ev['origin']['floor']} / column {ev['origin']['column']}"
                origin = (float(ev["origin"]["x"]), float(ev["origin"]["y"]))
                annotated = draw_event(clean, ev["trajectory"], origin, label)
                q = self.config.jpeg_quality
                files = [
                    (FileKind.SNAPSHOT.value, SNAPSHOT_NAME, encode_jpeg(annotated, q)),
                    (FileKind.SNAPSHOT_CLEAN.value, SNAPSHOT_CLEAN_NAME, encode_jpeg(clean, q)),
                ]
            except Exception as exc:  # PrivacyUnavailable above all: fail closed
                log.error("snapshot of %s withheld: %s", alert.event["event_id"], exc)
                self.privacy_state = anonymizer.state
                files = []
        alert.imagery_ok = bool(files)
        alert.event["privacy"] = "ok" if files else "withheld"
        # Without imagery no clip follows, so the alert's manifest is the final one.
        self.sink.alert(alert.event, files, final=not files)

    def _clip_worker(self) -> None:
        anonymizer = self._load()
        while (clip := self._clips.get()) is not _STOP:
            try:
                clip.alert.done.wait()
                if not clip.alert.imagery_ok:
                    continue
                try:
                    files = self._encode_clip(clip, anonymizer)
                except Exception:
                    log.exception("clip of %s failed", clip.alert.event.get("event_id"))
                    files = []
                self.sink.evidence(clip.alert.event, files)
            finally:
                self._release(clip)
                clip.frames = []

    def _encode_clip(self, clip: _Clip, anonymizer: FrameAnonymizer | None) -> list[EvidenceFile]:
        event_id = clip.alert.event["event_id"]
        if anonymizer is None:
            self.clips_withheld += 1
            return []
        with tempfile.TemporaryDirectory(prefix="fallwatch-clip-") as tmp:
            path = Path(tmp) / CLIP_NAME
            try:
                # Every frame passes the anonymiser before the encoder sees it.
                raw = (f.decode() for f in clip.frames)
                write_mp4(anonymizer.anonymize_iter(raw), self.config.fps, path)
            except Exception as exc:
                log.error("clip of %s withheld: %s", event_id, exc)
                self.privacy_state = anonymizer.state
                self.clips_withheld += 1
                return []
            self.clips_written += 1
            return [(FileKind.CLIP.value, CLIP_NAME, path.read_bytes())]
