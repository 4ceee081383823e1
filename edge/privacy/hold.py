"""Temporal hold: faces stay blurred a few frames before and after they were seen.

Detections are linked into tracks frame by frame. For any frame, a track gives a
box where it was detected, a linearly interpolated box across a short gap, and for
up to ``hold_frames`` before its first or after its last detection a box moved
along its velocity and grown by ``growth`` of its size per frame, so that one
missed frame, or a face turning away for a moment, does not leak it.

Boxes are ``[x1, y1, x2, y2]`` in frame px; frame indices count from the stream start.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from edge.privacy.boxes import iou_matrix


@dataclass
class BoxTrack:
    frames: list[int] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)

    def add(self, frame: int, box: np.ndarray) -> None:
        self.frames.append(frame)
        self.boxes.append(box[:4].astype(np.float32))

    def _velocity(self, at_end: bool) -> np.ndarray:
        """Per-frame box motion from the two detections at one end (zero if only one)."""
        if len(self.frames) < 2:
            return np.zeros(4, dtype=np.float32)
        i, j = (-2, -1) if at_end else (0, 1)
        return (self.boxes[j] - self.boxes[i]) / float(self.frames[j] - self.frames[i])

    def box_at(self, frame: int, hold_frames: int, growth: float) -> np.ndarray | None:
        first, last = self.frames[0], self.frames[-1]
        if first <= frame <= last:
            k = bisect.bisect_left(self.frames, frame)
            if self.frames[k] == frame:
                return self.boxes[k]
            f0, f1 = self.frames[k - 1], self.frames[k]
            a = (frame - f0) / (f1 - f0)
            box = (1 - a) * self.boxes[k - 1] + a * self.boxes[k]
            return _grow(box, growth * min(frame - f0, f1 - frame))
        if last < frame <= last + hold_frames:
            steps = frame - last
            return _grow(self.boxes[-1] + steps * self._velocity(True), growth * steps)
        if first - hold_frames <= frame < first:
            steps = first - frame
            return _grow(self.boxes[0] - steps * self._velocity(False), growth * steps)
        return None


def _grow(box: np.ndarray, share: float) -> np.ndarray:
    w, h = box[2] - box[0], box[3] - box[1]
    return np.array(
        [box[0] - share * w, box[1] - share * h, box[2] + share * w, box[3] + share * h],
        dtype=np.float32,
    )


class BoxHold:
    """Tracks of detected faces (or persons), and the boxes to blur in any frame near them."""

    def __init__(self, hold_frames: int = 6, growth: float = 0.08) -> None:
        self.hold_frames = hold_frames
        self.growth = growth
        self.tracks: list[BoxTrack] = []

    def reset(self) -> None:
        self.tracks = []

    def update(self, frame: int, detections: np.ndarray) -> None:
        """Link this frame's detections (rows ``[x1, y1, x2, y2, ...]``) to tracks."""
        live = [t for t in self.tracks if t.frames[-1] >= frame - self.hold_frames]
        predicted = [t.box_at(frame, self.hold_frames, 0.0) for t in live]
        free = list(range(len(detections)))
        if live and len(detections):
            pred = np.array(predicted, dtype=np.float32)
            ious = iou_matrix(pred, detections[:, :4])
            centre_d = _centre_distance(pred, detections[:, :4])
            size = np.maximum(pred[:, 2] - pred[:, 0], pred[:, 3] - pred[:, 1])[:, None]
            # A fast face can leave its predicted box: accept a near centre too.
            score = np.where(centre_d < size, ious + 0.01, 0.0)
            while score.size and score.max() > 0:
                ti, di = np.unravel_index(int(np.argmax(score)), score.shape)
                live[ti].add(frame, detections[di])
                score[ti, :] = 0
                score[:, di] = 0
                free.remove(int(di))
        for di in free:
            track = BoxTrack()
            track.add(frame, detections[di])
            self.tracks.append(track)
        # Tracks that can no longer influence any future frame are dropped.
        self.tracks = [t for t in self.tracks if t.frames[-1] >= frame - 2 * self.hold_frames - 1]

    def boxes_at(self, frame: int) -> np.ndarray:
        """Boxes to blur in ``frame``: detected, interpolated or held (N x 4)."""
        boxes = [t.box_at(frame, self.hold_frames, self.growth) for t in self.tracks]
        kept = [b for b in boxes if b is not None]
        return np.array(kept, dtype=np.float32).reshape(-1, 4)


def _centre_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ca = (a[:, None, :2] + a[:, None, 2:4]) / 2
    cb = (b[None, :, :2] + b[None, :, 2:4]) / 2
    return np.linalg.norm(ca - cb, axis=2)
