"""H.264 in MP4 through PyAV (libx264, yuv420p): the only H.264 writer available."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np


class H264Writer:
    """Write I420 frames to an MP4 file; frame i has presentation time i / fps.

    ``threads`` is the encoder's thread count (0 lets x264 choose, 1 keeps it on one
    core for benchmarks). ``keyint``: frames from one key frame to the next (None:
    x264's default of 250; IP cameras commonly send one every one or two seconds).
    """

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        fps: float,
        crf: int = 26,
        preset: str = "veryfast",
        threads: int = 0,
        keyint: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.width, self.height = width, height
        rate = Fraction(fps).limit_denominator(1001)
        self._container = av.open(str(self.path), mode="w", format="mp4")
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width, self._stream.height = width, height
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"crf": str(crf), "preset": preset}
        self._stream.codec_context.thread_count = threads
        if keyint is not None:
            self._stream.codec_context.gop_size = keyint
        self._frame_time_base = 1 / rate
        self._count = 0

    def write(self, i420: np.ndarray) -> None:
        if i420.shape != (self.height * 3 // 2, self.width) or i420.dtype != np.uint8:
            raise ValueError(
                f"expected a {self.height * 3 // 2}x{self.width} uint8 I420 frame, got {i420.shape} {i420.dtype}"
            )
        frame = av.VideoFrame.from_ndarray(i420, format="yuv420p")
        frame.pts = self._count
        frame.time_base = self._frame_time_base
        self._count += 1
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self._container.close()
