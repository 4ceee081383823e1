"""The pre-event buffer: the last few seconds of frames, JPEG-encoded in memory.

Frames are kept encoded (a 1080p JPEG is ~40x smaller than its BGR array) and
bounded both in time (``duration_s``) and bytes (``max_bytes``). They are raw
camera imagery: they never leave the process; the recorder anonymises every frame
before it is encoded into anything that is sent.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

from edge.sources.frame import Frame


@dataclass(frozen=True)
class EncodedFrame:
    """One frame as JPEG bytes; ``t_s`` seconds from the start of the stream."""

    index: int
    t_s: float
    jpeg: bytes

    def decode(self) -> np.ndarray:
        """H x W x 3 uint8 BGR."""
        bgr = cv2.imdecode(np.frombuffer(self.jpeg, np.uint8), cv2.IMREAD_COLOR)
        if bgr is None:
            raise ValueError(f"frame {self.index}: JPEG does not decode")
        return bgr


def encode_jpeg(bgr: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


class PreEventRing:
    def __init__(self, duration_s: float, max_bytes: int, jpeg_quality: int = 90) -> None:
        self.duration_s = duration_s
        self.max_bytes = max_bytes
        self.jpeg_quality = jpeg_quality
        self._frames: deque[EncodedFrame] = deque()
        self.bytes = 0

    def push(self, frame: Frame) -> EncodedFrame:
        enc = EncodedFrame(frame.index, frame.t_s, encode_jpeg(frame.bgr(), self.jpeg_quality))
        self._frames.append(enc)
        self.bytes += len(enc.jpeg)
        while self._frames and (
            enc.t_s - self._frames[0].t_s > self.duration_s or self.bytes > self.max_bytes
        ):
            self.bytes -= len(self._frames.popleft().jpeg)
        return enc

    def since(self, t_s: float) -> list[EncodedFrame]:
        """Buffered frames at or after ``t_s``, oldest first."""
        return [f for f in self._frames if f.t_s >= t_s]

    def __len__(self) -> int:
        return len(self._frames)
