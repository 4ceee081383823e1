"""Mine tubes from videos: run the real detection front end and cut tubes around its tracks.

The tracks are the ones the edge itself would form (same motion stage, same
tracker), so the verifier learns on exactly the kind of input it is shown at run
time. The physics gate runs relaxed (``relaxed_config``) so that many tracks that
almost look like falls are judged; tubes from tracks that pass it are the hard
negatives (or the positives) and are flagged ``passed_physics``.

Tubes are cut ``MINE_SIDE_PX`` wide, wider than the verifier's crop, so training
can zoom in and out (scale augmentation) without running out of pixels.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.config.camera import CameraConfig
from edge.pipeline import DetectionPipeline
from edge.sources.frame import Frame
from edge.sources.video_file import VideoFileSource
from edge.tracking.track import Track
from edge.verifier.tube import CROP_PX, TUBE_FRAMES, FrameRing, cut_tube

MINE_SIDE_PX = 48
MIN_TRACK_POINTS = 6  # the pipeline judges tracks from this length on
TUBE_STRIDE = 4  # a tube every this many new points of a track


@dataclass
class MinedTube:
    """One tube around one track at one moment (the time of its last frame, ``t_s``)."""

    source: str
    track_id: int
    t_s: float
    frame_times_s: np.ndarray  # (TUBE_FRAMES,) times of the tube's frames
    positions_px: np.ndarray  # (TUBE_FRAMES, 2) track position (x, y) at those frames
    tube: np.ndarray  # (TUBE_FRAMES, MINE_SIDE_PX, MINE_SIDE_PX) uint8
    passed_physics: bool


def relaxed_config(config: CameraConfig) -> CameraConfig:
    """The camera config with the physics gate opened as far as the config allows."""
    detection = config.detection.model_copy(
        update={"min_descent_floors": 0.5, "early_alarm_floors": 0.5, "min_accel_mps2": 0.5, "max_accel_mps2": 60.0,
                "verifier": "off"}
    )
    return config.model_copy(update={"detection": detection})


class TubeMiner:
    """Feeds frames through a relaxed DetectionPipeline and cuts tubes around its tracks."""

    def __init__(self, config: CameraConfig, fps: float, source: str) -> None:
        self.pipeline = DetectionPipeline(relaxed_config(config), fps)
        self.ring = FrameRing(TUBE_FRAMES)
        self.source = source

    def process(self, frame: Frame) -> list[MinedTube]:
        self.ring.push(frame.t_s, frame.gray)
        events = self.pipeline.process(frame)
        if not self.ring.full:
            return []
        fired = {e.event_id for e in events}
        out: list[MinedTube] = []
        for track in self.pipeline.tracker.tracks:
            if len(track) < MIN_TRACK_POINTS or track.t_s[-1] != frame.t_s:
                continue
            just_fired = track.event_id in fired
            if not just_fired and (len(track) - MIN_TRACK_POINTS) % TUBE_STRIDE:
                continue
            out.append(self._tube(track, just_fired))
        return out

    def _tube(self, track: Track, passed: bool) -> MinedTube:
        frames = self.ring.items()
        t, x, y = np.asarray(track.t_s), np.asarray(track.x_px), np.asarray(track.y_px)
        times = np.array([ft for ft, _ in frames])
        return MinedTube(
            source=self.source,
            track_id=track.track_id,
            t_s=float(times[-1]),
            frame_times_s=times,
            positions_px=np.column_stack([np.interp(times, t, x), np.interp(times, t, y)]),
            tube=cut_tube(frames, t, x, y, side_px=MINE_SIDE_PX),
            passed_physics=passed,
        )


def mine_video(path: str | Path, config: CameraConfig, max_s: float | None = None) -> Iterator[MinedTube]:
    """Every tube of one video file (optionally only its first ``max_s`` seconds)."""
    source = VideoFileSource(path, threads=1)
    miner = TubeMiner(config, source.fps, Path(path).name)
    for frame in source:
        if max_s is not None and frame.t_s > max_s:
            break
        yield from miner.process(frame)


def centre_crop(tube: np.ndarray, side_px: int = CROP_PX) -> np.ndarray:
    """The central ``side_px`` square of each frame of a mined tube."""
    m = (tube.shape[-1] - side_px) // 2
    return tube[:, m : m + side_px, m : m + side_px]
