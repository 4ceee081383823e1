"""Run the pipeline over a whole video file (the CLI's and the evaluator's loop)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
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
    decode_errors: int  # corrupt packets skipped
    packets: int  # packets read, corrupt ones included
    declared_frames: int | None  # how many frames the file says it holds (its length x its rate)
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
    on_event_end: Callable[[Event], None] | None = None,
) -> DetectSummary:
    """Detect throughout the file. ``on_event`` hears each event as it is raised (its
    ``t_end`` and trajectory stop at the alarm, as in the alert the edge sends);
    ``on_event_end`` hears it again once its object is no longer followed, or at the
    end of the video, with ``t_end`` and the trajectory of the whole followed fall.
    ``summary.event_list`` holds the events as raised. Diagnostics (``fallwatch eval
    --explain-misses``): ``on_verdict`` hears every physics verdict, ``on_tracks`` the
    live tracks after each frame, at some cost in speed."""
    source = VideoFileSource(path, threads=threads)
    pipeline = DetectionPipeline(config, source.fps, on_verdict=on_verdict)
    events: list[Event] = []
    followed: dict[str, Event] = {}  # raised events whose object is still followed, as known so far
    frames = 0
    last_t = 0.0
    start = time.perf_counter()
    try:
        for frame in source:
            for event in pipeline.process(frame):
                events.append(event)
                followed[event.event_id] = event
                if on_event is not None:
                    on_event(event)
            if followed:
                live = pipeline.live_event_ids()
                for event_id in list(followed):
                    if event_id in live:
                        followed[event_id] = _followed_so_far(followed[event_id], pipeline.track_of(event_id))
                    else:
                        _end(followed.pop(event_id), on_event_end)
            if on_tracks is not None:
                on_tracks(pipeline.tracker.tracks)
            frames += 1
            last_t = frame.t_s
    finally:
        # Also when the file breaks off with an error: the events raised so far are told.
        for event in followed.values():
            _end(event, on_event_end)
    wall = time.perf_counter() - start
    video_s = last_t + 1.0 / source.fps if frames else 0.0
    return DetectSummary(
        frames, len(events), video_s, wall, source.decode_errors, source.packets,
        None if source.declared_s is None else round(source.declared_s * source.fps), events,
    )


def _followed_so_far(event: Event, path: list[tuple[float, float, float]]) -> Event:
    """``event`` with its trajectory and ``t_end`` taken to the latest sighting of its
    object (``path``: the pipeline's ``track_of``), when that goes further."""
    if not path or path[-1][0] <= event.t_end:
        return event
    return replace(event, t_end=path[-1][0], trajectory=path)


def _end(event: Event, on_event_end: Callable[[Event], None] | None) -> None:
    if on_event_end is not None:
        on_event_end(event)
