"""Where motion is looked for: the facade polygons, widened by a margin on both sides
when one is set, minus the exclusion masks."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edge.config.camera import CameraConfig
from edge.geometry.facade import Facade


@dataclass(frozen=True)
class Region:
    """A full-frame uint8 mask (255 = watched) and its bounding box (x0, y0, x1, y1)."""

    mask: np.ndarray
    bbox: tuple[int, int, int, int]

    @property
    def watched_share(self) -> float:
        return float(np.count_nonzero(self.mask)) / self.mask.size


def watched_region(config: CameraConfig, width_px: int, height_px: int) -> Region:
    """Rasterise the facades (widened by ``motion.facade_margin_m``) minus the masks for
    one frame size.

    Raises ValueError when nothing of any facade is inside the image, because a
    camera that watches nothing must not look healthy.
    """
    facades = np.zeros((height_px, width_px), np.uint8)
    mask = np.zeros((height_px, width_px), np.uint8)
    # Clipped far outside the image so that int32 holds it; fillPoly clips the rest.
    limit = 4 * max(width_px, height_px)
    for facade_config in config.facades:
        facade = Facade(facade_config)
        for image, outline in ((facades, facade.corners_px), (mask, facade.outline_px(config.motion.facade_margin_m))):
            cv2.fillPoly(image, [np.round(np.clip(outline, -limit, limit)).astype(np.int32)], 255)
    for poly in config.masks:
        for image in (facades, mask):
            cv2.fillPoly(image, [np.round(np.asarray(poly)).astype(np.int32)], 0)
    # A camera whose facades are all masked or out of view watches nothing it can
    # place on a floor, whatever the margin around them adds.
    if not facades.any():
        raise ValueError(
            f"camera {config.camera_id}: no part of any facade lies inside the "
            f"{width_px}x{height_px} image (check the corners and the masks)"
        )
    ys, xs = np.nonzero(mask)
    return Region(mask=mask, bbox=(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1))
