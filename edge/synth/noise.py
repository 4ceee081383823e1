"""Sensor noise from a small bank of precomputed fields.

Drawing millions of normals per frame would cost more than the rest of the frame;
instead a few fields, a little larger than the frame, are drawn once and each frame
adds a randomly offset window of one of them to the luma plane.
"""

from __future__ import annotations

import cv2
import numpy as np

_MARGIN_PX = 48


class NoiseBank:
    """Zero-mean luma noise of standard deviation sigma grey levels, H x W windows."""

    def __init__(self, rng: np.random.Generator, sigma: float, width_px: int, height_px: int, fields: int = 3) -> None:
        self.width_px, self.height_px = width_px, height_px
        self._rng = rng
        shape = (height_px + _MARGIN_PX, width_px + _MARGIN_PX)
        self._pos: list[np.ndarray] = []
        self._neg: list[np.ndarray] = []
        for _ in range(fields):
            n = np.rint(rng.standard_normal(shape, dtype=np.float32) * sigma)
            # Saturating uint8 add and subtract of the two halves is the cheapest signed add.
            self._pos.append(np.clip(n, 0, 255).astype(np.uint8))
            self._neg.append(np.clip(-n, 0, 255).astype(np.uint8))

    def apply(self, luma: np.ndarray) -> None:
        """Add one frame of noise to an H x W uint8 luma plane in place."""
        k = int(self._rng.integers(len(self._pos)))
        ox, oy = (int(v) for v in self._rng.integers(0, _MARGIN_PX, 2))
        win = (slice(oy, oy + self.height_px), slice(ox, ox + self.width_px))
        cv2.add(luma, self._pos[k][win], dst=luma)
        cv2.subtract(luma, self._neg[k][win], dst=luma)
