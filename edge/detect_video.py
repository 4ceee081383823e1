"""Run the pipeline over a whole video file (the CLI's and the evaluator's loop)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from edge.config.camera import CameraConfig
from edge.events.event import Event
from edge.physics.trajectory import Verdict
from edge.pipeline import DetectionPipeline
from edge.sources.video_file import VideoFileSource
from edge.tracking.track import Track


@dataclass
class DetectSummary:
    frames: int
    events: int
    video_s: float
    wall_s: float
    decode_errors: int
    event_list: list[Event] = field(default_factory=list)

    @property
    def fps_processed(self) -> float:
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def realtime_factor(self) -> float:
        return self.video_s / self.wall_s if self.wall_s > 0 else 0.0


def detect_video(
    path: str | Path,
    config: CameraConfig,
    threads: int = 0,
    on_event: Callable[[Event], None] | None = None,
    on_verdict: Callable[[Track, Verdict], None] | None = None,
    on_tracks: Callable[[list[Track]], None] | None = None,
) -> DetectSummary:
    """Detect throughout the file. Diagnostics (``fallwatch eval --explain-misses``):
    ``on_verdict`` hears every physics verdict, ``on_tracks`` the live tracks after
    each frame, at some cost in speed."""
    source = VideoFileSource(path, threads=threads)
    pipeline = DetectionPipeline(config, source.fps, on_verdict=on_verdict)
    events: list[Event] = []
    frames = 0
    last_t = 0.0
    start = time.perf_counter()
    for frame in source:
        for event in pipeline.process(frame):
            events.append(event)
            if on_event is not None:
                on_event(event)
        if on_tracks is not None:
            on_tracks(pipeline.tracker.tracks)
        frames += 1
        last_t = frame.t_s
    wall = time.perf_counter() - start
    video_s = last_t + 1.0 / source.fps if frames else 0.0
    return DetectSummary(frames, len(events), video_s, wall, source.decode_errors, events)
