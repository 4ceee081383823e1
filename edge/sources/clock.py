"""Frame times for live inputs: stream timestamps, kept honest by the wall clock."""

from __future__ import annotations

import time
from collections.abc import Callable


class StreamClock:
    """Turns per-frame stream times (seconds, any origin, or None) into ``t_s``.

    ``t_s`` is seconds since the first frame and strictly increasing. Stream
    timestamps are preferred because they say when the camera captured the frame,
    not when it reached us; but cameras restart their clocks, MPEG-TS timestamps wrap
    after 26.5 hours and some encoders send none, so whenever stream time and
    monotonic wall-clock time since the first frame disagree by more than
    ``resync_s`` the clock re-anchors to the wall clock. Without stream times (USB
    devices) ``t_s`` is wall-clock seconds since the first frame.
    """

    def __init__(self, fps: float, resync_s: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._frame_s = 1.0 / fps if fps > 0 else 0.04
        self._resync_s = resync_s
        self._clock = clock
        self._wall0: float | None = None
        self._stream0: float | None = None
        self._last_t_s = float("-inf")

    def t_s(self, stream_time_s: float | None) -> float:
        now = self._clock()
        if self._wall0 is None:
            self._wall0 = now
        wall_s = now - self._wall0
        if stream_time_s is None:
            t_s = wall_s
        else:
            if self._stream0 is None:
                self._stream0 = stream_time_s - wall_s
            t_s = stream_time_s - self._stream0
            if abs(t_s - wall_s) > self._resync_s:
                self._stream0 = stream_time_s - wall_s
                t_s = wall_s
        if t_s <= self._last_t_s:
            # Repeated or backwards timestamps: step by one frame so order is kept.
            t_s = self._last_t_s + self._frame_s
        self._last_t_s = t_s
        return t_s
