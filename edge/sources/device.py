"""USB/V4L2 cameras by device index or /dev path, read with OpenCV."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator

import numpy as np

from edge.sources.clock import StreamClock
from edge.sources.errors import SourceError, SourceStalled
from edge.sources.frame import Frame

# How long to wait between failed grabs: a V4L2 read fails at once when the device
# is gone, and spinning on it would burn a core.
_RETRY_S = 0.02


class DeviceSource:
    """Frames of a local capture device; ``t_s`` is monotonic wall-clock seconds.

    Devices carry no usable stream timestamps through OpenCV, so time is taken when
    each frame is grabbed. Grabs that keep failing for ``stall_timeout_s`` raise
    ``SourceStalled`` so the owner can reopen the device.
    """

    def __init__(
        self,
        device: int | str,
        *,
        stall_timeout_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import cv2

        self.name = f"video device {device}"
        self.stall_timeout_s = stall_timeout_s
        self._clock = clock
        backend = cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY
        self._cap = cv2.VideoCapture(device, backend)
        if not self._cap.isOpened():
            self._cap.release()
            raise SourceError(f"{self.name}: cannot open (not present, busy or not readable)")
        self.fps = float(self._cap.get(cv2.CAP_PROP_FPS)) or 25.0
        self.width = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.decode_errors = 0

    def __iter__(self) -> Iterator[Frame]:
        stream_clock = StreamClock(self.fps, clock=self._clock)
        index = 0
        last_ok_s = self._clock()
        while True:
            ok, bgr = self._cap.read()
            if not ok or bgr is None:
                if self._clock() - last_ok_s > self.stall_timeout_s:
                    raise SourceStalled(f"{self.name}: no frame for {self.stall_timeout_s:.1f} s")
                time.sleep(_RETRY_S)
                continue
            last_ok_s = self._clock()
            yield Frame.from_bgr(index, stream_clock.t_s(None), np.ascontiguousarray(bgr))
            index += 1

    def close(self) -> None:
        self._cap.release()
