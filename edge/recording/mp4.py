"""H.264 MP4 clips that play in browsers: libx264, yuv420p, moov atom first (faststart)."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def write_mp4(frames: Iterable[np.ndarray], fps: float, path: Path, crf: int = 26) -> int:
    """Encode BGR frames (H x W x 3 uint8, all the same size) to ``path``; return the count.

    Odd widths or heights are cropped by one pixel, because yuv420p needs even sizes.
    """
    container = av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"})
    stream = None
    count = 0
    try:
        for bgr in frames:
            h, w = (bgr.shape[0] // 2) * 2, (bgr.shape[1] // 2) * 2
            if stream is None:
                stream = container.add_stream("libx264", rate=Fraction(round(fps * 1000), 1000))
                stream.width, stream.height = w, h
                stream.pix_fmt = "yuv420p"
                stream.options = {"preset": "veryfast", "crf": str(crf)}
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(bgr[:h, :w]), format="bgr24")
            container.mux(stream.encode(frame))
            count += 1
        if stream is not None:
            container.mux(stream.encode(None))
    finally:
        container.close()
    if count == 0:
        path.unlink(missing_ok=True)
        raise ValueError("a clip needs at least one frame")
    return count
