"""What each drawing step of a frame gets: the frame being composed and the scene.

Stages run in this order: SCENERY (things fixed to the facade or ground), SPRITE
(small moving objects, occluded by the trees), NEAR (things near the lens) on the
BGR frame, then LUMA (brightness changes and streaks) and GLOBAL (camera-wide
changes) on the I420 frame. ``shift_px`` is the camera shake of this frame: image
content that would sit at frame px (x, y) sits at (x + dx, y + dy).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from edge.synth.backdrop import Backdrop
from edge.synth.camera import PinholeCamera
from edge.synth.lighting import Lighting
from edge.synth.seen import SpriteTrace
from edge.synth.splat import blob_alpha, clip_box, composite
from edge.synth.trees import TreeLayer


class Stage(IntEnum):
    SCENERY = 0
    SPRITE = 1
    NEAR = 2
    LUMA = 3
    GLOBAL = 4


@dataclass
class FrameCanvas:
    index: int
    t_s: float
    shift_px: tuple[int, int]
    bgr: np.ndarray | None = None  # H x W x 3 uint8 during the BGR stages
    yuv: np.ndarray | None = None  # (H * 3 / 2) x W uint8 I420 during the YUV stages
    trees: TreeLayer | None = None  # in this frame's px, after any sway
    # Set by the renderer while it draws a throw whose visibility it measures: the
    # sprites drawn then record the grey levels they change (edge.synth.seen).
    trace: SpriteTrace | None = None
    trace_key: int | None = None

    @property
    def luma(self) -> np.ndarray:
        assert self.yuv is not None, "the luma plane exists only in the YUV stages"
        return self.yuv[: self.yuv.shape[0] * 2 // 3]


@dataclass(frozen=True)
class RenderContext:
    camera: PinholeCamera
    lighting: Lighting
    backdrop: Backdrop
    fps: float
    duration_s: float

    @property
    def width_px(self) -> int:
        return self.camera.width_px

    @property
    def height_px(self) -> int:
        return self.camera.height_px

    def background_luma(self, x_px: float, y_px: float, radius_px: int = 6) -> float:
        """Mean grey level of the static scene around a frame point."""
        p = self.backdrop.pad_px
        lum = self.backdrop.luma
        x, y = round(x_px) + p, round(y_px) + p
        y0, y1 = max(0, y - radius_px), min(lum.shape[0], y + radius_px + 1)
        x0, x1 = max(0, x - radius_px), min(lum.shape[1], x + radius_px + 1)
        if y0 >= y1 or x0 >= x1:
            return 128.0
        return float(lum[y0:y1, x0:x1].mean())


def draw_sprite(
    canvas: FrameCanvas,
    centres_px: np.ndarray,
    semi_axes_px: np.ndarray,
    angles_rad: np.ndarray,
    colour_bgr: np.ndarray,
    opacity: float = 1.0,
    edge_px: float = 1.0,
    behind_trees: bool = True,
) -> None:
    """Draw a motion-blurred ellipse at unshaken frame px; the trees cover it if behind."""
    assert canvas.bgr is not None
    c = np.asarray(centres_px, np.float64).reshape(-1, 2) + np.asarray(canvas.shift_px, np.float64)
    h, w = canvas.bgr.shape[:2]
    reach = float(np.max(semi_axes_px)) + 3 * edge_px + 2
    if c[:, 0].max() < -reach or c[:, 0].min() > w + reach or c[:, 1].max() < -reach or c[:, 1].min() > h + reach:
        return
    alpha, x0, y0 = blob_alpha(c, semi_axes_px, angles_rad, edge_px)
    traced = canvas.trace is not None and canvas.trace_key is not None
    before = None
    if traced and (reach_box := clip_box(canvas.bgr.shape, x0, y0, alpha.shape)) is not None:
        before = canvas.bgr[reach_box[1] : reach_box[3], reach_box[0] : reach_box[2]].copy()
    box = composite(canvas.bgr, alpha, x0, y0, colour_bgr, opacity)
    if box is not None and behind_trees and canvas.trees is not None:
        canvas.trees.paint(canvas.bgr, box)
    if box is not None and before is not None:
        assert canvas.trace is not None and canvas.trace_key is not None
        after = canvas.bgr[box[1] : box[3], box[0] : box[2]]
        canvas.trace.add(canvas.trace_key, canvas.index, box, before, after)
