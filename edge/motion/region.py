"""Where motion is looked for: the facade polygons minus the exclusion masks."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edge.config.camera import CameraConfig


@dataclass(frozen=True)
class Region:
    """A full-frame uint8 mask (255 = watched) and its bounding box (x0, y0, x1, y1)."""

    mask: np.ndarray
    bbox: tuple[int, int, int, int]

    @property
    def watched_share(self) -> float:
        return float(np.count_nonzero(self.mask)) / self.mask.size


def watched_region(config: CameraConfig, width_px: int, height_px: int) -> Region:
    """Rasterise the facades minus the masks for one frame size.

    Raises ValueError when nothing of any facade is inside the image, because a
    camera that watches nothing must not look healthy.
    """
    mask = np.zeros((height_px, width_px), np.uint8)
    for facade in config.facades:
        pts = np.round(np.asarray(facade.corners, dtype=np.float64)).astype(np.int32)
        cv2.fillPoly(mask, [pts], 255)
    for poly in config.masks:
        cv2.fillPoly(mask, [np.round(np.asarray(poly)).astype(np.int32)], 0)
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        raise ValueError(
            f"camera {config.camera_id}: no part of any facade lies inside the "
            f"{width_px}x{height_px} image (check the corners and the masks)"
        )
    return Region(mask=mask, bbox=(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1))
