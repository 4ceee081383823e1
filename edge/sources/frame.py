"""A decoded camera frame: luma for detection, colour on demand for evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Frame:
    """One frame. ``t_s`` is seconds from the start of the stream, from its timestamps.

    ``gray`` is the luma plane (H x W uint8), which is all detection needs; colour is
    converted only when evidence is recorded, because BGR conversion of every 1080p
    frame would cost more than detection itself.
    """

    index: int
    t_s: float
    gray: np.ndarray
    _av_frame: Any = field(default=None, repr=False)
    _bgr: np.ndarray | None = field(default=None, repr=False)

    @property
    def key_frame(self) -> bool:
        """Is this an intra-coded frame of a compressed stream? It re-quantises the whole
        view, and the P frames after it copy its texture (False for raw frames)."""
        return bool(self._av_frame is not None and self._av_frame.key_frame)

    @property
    def width(self) -> int:
        return int(self.gray.shape[1])

    @property
    def height(self) -> int:
        return int(self.gray.shape[0])

    def bgr(self) -> np.ndarray:
        """H x W x 3 uint8 BGR image (converted once, then cached)."""
        if self._bgr is None:
            if self._av_frame is not None:
                self._bgr = self._av_frame.to_ndarray(format="bgr24")
            else:
                self._bgr = np.repeat(self.gray[:, :, None], 3, axis=2)
        return self._bgr

    @classmethod
    def from_bgr(cls, index: int, t_s: float, bgr: np.ndarray) -> Frame:
        import cv2

        return cls(index=index, t_s=t_s, gray=cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), _bgr=bgr)
