"""Check a camera config against the size of the frames it will be applied to.

The config alone cannot know the image size, so these checks run when a frame is
at hand (``fallwatch config check --frame``, the installer page). Coordinates are
image pixels, x right, y down; the frame covers [0, width) x [0, height).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from edge.config.camera import CameraConfig

PointsPx = list[tuple[float, float]] | tuple[tuple[float, float], ...]


@dataclass
class FrameFit:
    """Problems found; ``errors`` make the config unusable, ``warnings`` need a look."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_frame_fit(config: CameraConfig, width_px: int, height_px: int) -> FrameFit:
    """Errors for masks and privacy polygons that miss the frame entirely (they would
    silently do nothing) and for a camera that watches no facade in it (detection
    refuses to run on it), warnings for facades whose corners all lie outside it."""
    from edge.motion.region import watched_region

    fit = FrameFit()
    size = f"{width_px}x{height_px}"
    for i, polygon in enumerate(config.masks):
        if not polygon_covers_frame(polygon, width_px, height_px):
            fit.errors.append(f"masks.{i}: polygon lies entirely outside the {size} frame")
    for i, polygon in enumerate(config.privacy.polygons):
        if not polygon_covers_frame(polygon, width_px, height_px):
            fit.errors.append(f"privacy.polygons.{i}: polygon lies entirely outside the {size} frame")
    for i, facade in enumerate(config.facades):
        corners = np.asarray(facade.corners, np.float64)
        inside = (corners[:, 0] >= 0) & (corners[:, 0] < width_px) & (corners[:, 1] >= 0) & (corners[:, 1] < height_px)
        if inside.any():
            continue
        if polygon_covers_frame(facade.corners, width_px, height_px):
            fit.warnings.append(
                f"facades.{i} ({facade.name}): all four corners lie outside the {size} frame; "
                "fine for a facade larger than the view, but check the calibration"
            )
        else:
            fit.warnings.append(
                f"facades.{i} ({facade.name}): the facade is not in the {size} frame at all; "
                "no throw from it can be seen"
            )
    try:
        watched_region(config, width_px, height_px)
    except ValueError:
        fit.errors.append(f"facades: no part of any facade lies inside the {size} frame once the masks are cut "
                          "out; the camera would watch nothing, and detection refuses to run on it")
    return fit


def polygon_covers_frame(points_px: PointsPx, width_px: int, height_px: int) -> bool:
    """True when the polygon covers at least one pixel of the frame."""
    # Rasterising is exact at pixel level and handles concave polygons and polygons
    # that enclose the whole frame, which a vertex-in-rectangle test would miss.
    canvas = np.zeros((height_px, width_px), np.uint8)
    pts = np.clip(np.round(np.asarray(points_px, np.float64)), -(2**20), 2**20).astype(np.int32)
    cv2.fillPoly(canvas, [pts.reshape(-1, 1, 2)], 1)
    return bool(canvas.any())
