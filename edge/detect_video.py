"""Run the pipeline over a whole video file (the CLI's and the evaluator's loop)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from edge.config.camera import CameraConfig
from edge.evaluation.misses import TrackLog
from edge.events.event import Event
from edge.pipeline import DetectionPipeline
from edge.sources.video_file import VideoFileSource


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
    track_log: TrackLog | None = None,
) -> DetectSummary:
    """Detect throughout the file. ``track_log`` (diagnostics) records every track and
    verdict, at some cost in speed."""
    source = VideoFileSource(path, threads=threads)
    pipeline = DetectionPipeline(config, source.fps, on_verdict=track_log.on_verdict if track_log else None)
    events: list[Event] = []
    frames = 0
    last_t = 0.0
    start = time.perf_counter()
    for frame in source:
        for event in pipeline.process(frame):
            events.append(event)
            if on_event is not None:
                on_event(event)
        if track_log is not None:
            track_log.on_tracks(pipeline.tracker.tracks)
        frames += 1
        last_t = frame.t_s
    wall = time.perf_counter() - start
    video_s = last_t + 1.0 / source.fps if frames else 0.0
    return DetectSummary(frames, len(events), video_s, wall, source.decode_errors, events)
