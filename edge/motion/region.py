"""Where motion is looked for: the facade polygons, widened by a margin on both sides
when one is set, minus the exclusion masks.

Things are released from the facade, so only the facade itself (the core) may start a
track; the margin only lets a track follow something thrown outward past the outline.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edge.config.camera import CameraConfig, MaskPolygon
from edge.geometry.facade import Facade


@dataclass(frozen=True)
class Region:
    """Full-frame uint8 masks (255 = watched) and the watched bounding box (x0, y0, x1, y1).

    ``mask``: everything watched (facades widened by the margin, minus masks).
    ``core``: the facades alone, minus masks; the same array as ``mask`` when there is
    no margin.
    """

    mask: np.ndarray
    bbox: tuple[int, int, int, int]
    core: np.ndarray

    @property
    def has_margin(self) -> bool:
        return self.core is not self.mask

    @property
    def watched_share(self) -> float:
        return float(np.count_nonzero(self.mask)) / self.mask.size


def watched_region(config: CameraConfig, width_px: int, height_px: int) -> Region:
    """Rasterise the facades (widened by ``motion.facade_margin_m``) minus the masks for
    one frame size.

    Raises ValueError when nothing of any facade is inside the image, because a
    camera that watches nothing must not look healthy.
    """
    margin_m = config.motion.facade_margin_m
    facades = [Facade(f) for f in config.facades]
    core = _rasterise([f.corners_px for f in facades], config.masks, width_px, height_px)
    mask = core if margin_m <= 0 else _rasterise(
        [f.outline_px(margin_m) for f in facades], config.masks, width_px, height_px
    )
    # A camera whose facades are all masked or out of view watches nothing it can
    # place on a floor, whatever the margin around them adds.
    if not core.any():
        raise ValueError(
            f"camera {config.camera_id}: no part of any facade lies inside the "
            f"{width_px}x{height_px} image (check the corners and the masks)"
        )
    ys, xs = np.nonzero(mask)
    return Region(mask=mask, bbox=(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1), core=core)


def _rasterise(outlines_px: list[np.ndarray], masks: list[MaskPolygon], width_px: int, height_px: int) -> np.ndarray:
    """The outlines filled (255), the masks cleared, on a full frame."""
    image = np.zeros((height_px, width_px), np.uint8)
    # Clipped far outside the image so that int32 holds it; fillPoly clips the rest.
    limit = 4 * max(width_px, height_px)
    for outline in outlines_px:
        cv2.fillPoly(image, [np.round(np.clip(outline, -limit, limit)).astype(np.int32)], 255)
    for poly in masks:
        cv2.fillPoly(image, [np.round(np.asarray(poly)).astype(np.int32)], 0)
    return image
