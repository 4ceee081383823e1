"""The static scene, drawn once: sky, ground, the facade and the trees at its foot.

Everything is drawn on a canvas pad_px larger than the frame on every side, so camera
shake can crop a displaced window without uncovering an edge. Canvas px = frame px
+ pad_px.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from edge.synth.camera import PinholeCamera
from edge.synth.facade_layout import FacadeLayout
from edge.synth.facade_texture import render_facade_texture
from edge.synth.lighting import Lighting
from edge.synth.trees import TreeLayer, TreeSpec, render_tree_layer

PAD_PX = 8  # larger than the biggest camera shake (6 px)

_SKY_BGR = {  # (zenith, horizon)
    "day": ((205, 150, 95), (240, 222, 205)),
    "dusk": ((95, 55, 45), (110, 150, 215)),
    "night_ir": ((14, 14, 14), (26, 26, 26)),
}
_GROUND_BGR = np.array([105, 110, 112], np.float32)


@dataclass(frozen=True)
class Backdrop:
    canvas_bgr: np.ndarray  # (H + 2 pad, W + 2 pad, 3) uint8, trees included
    luma: np.ndarray  # the canvas's grey levels, for contrast choices
    solid: np.ndarray  # (H + 2 pad, W + 2 pad) uint8, 255 on facade, ground and trees
    trees: TreeLayer | None  # in canvas px
    under_trees: np.ndarray | None  # the canvas under the trees' box, without them
    tree_masks_px: list[np.ndarray]  # frame px polygons
    pad_px: int


def _sky(rng: np.random.Generator, lighting: Lighting, h: int, w: int) -> np.ndarray:
    top, horizon = (np.asarray(c, np.float32) for c in _SKY_BGR[lighting.mode])
    s = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    sky = np.broadcast_to(top * (1 - s) + horizon * s, (h, w, 3)).copy()
    if lighting.mode != "night_ir":
        small = rng.uniform(0, 1, (6, 10)).astype(np.float32)
        clouds = np.clip(cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC) - 0.55, 0, 1) * 1.6
        sky = sky * (1 - clouds[..., None]) + (horizon * 1.02) * clouds[..., None]
    return sky


def render_backdrop(
    rng: np.random.Generator,
    layout: FacadeLayout,
    camera: PinholeCamera,
    lighting: Lighting,
    trees: tuple[TreeSpec, ...],
    pad_px: int = PAD_PX,
) -> Backdrop:
    ch, cw = camera.height_px + 2 * pad_px, camera.width_px + 2 * pad_px
    canvas = _sky(rng, lighting, ch, cw)
    shift = np.array([[1.0, 0.0, pad_px], [0.0, 1.0, pad_px], [0.0, 0.0, 1.0]])
    h_fac = shift @ camera.facade_homography()
    # Ground: everything below the facade's base line (Y = 0 on the facade plane).
    base = cv2.perspectiveTransform(np.array([[[0.0, 0.0], [layout.width_m, 0.0]]]), h_fac)[0]
    (xa, ya), (xb, yb) = base
    slope = (yb - ya) / (xb - xa) if abs(xb - xa) > 1e-6 else 0.0
    left_y, right_y = ya + slope * (0 - xa), ya + slope * (cw - 1 - xa)
    ground_poly = np.array([[0, left_y], [cw - 1, right_y], [cw - 1, ch + 5], [0, ch + 5]])
    ground_mask = np.zeros((ch, cw), np.uint8)
    cv2.fillPoly(ground_mask, [np.round(ground_poly * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    ground_d = camera.distance_m * 0.7
    ground = lighting.shade(_GROUND_BGR * np.float32(rng.uniform(0.8, 1.15)), ground_d)
    grain = cv2.resize(rng.uniform(0.9, 1.1, (ch // 6 + 2, cw // 6 + 2)).astype(np.float32), (cw, ch))
    ga = (ground_mask.astype(np.float32) / 255.0)[..., None]
    canvas = canvas * (1 - ga) + (ground * grain[..., None]) * ga
    canvas_u8 = np.clip(np.rint(canvas), 0, 255).astype(np.uint8)
    # Facade texture resolution: about the image scale at mid-height, capped for memory.
    mid_d = math.hypot(camera.distance_m, layout.height_m / 2)
    px_per_m = min(camera.focal_px / mid_d, 3000.0 / max(layout.width_m, layout.height_m))
    px_per_m = max(px_per_m, 4.0)
    tex = render_facade_texture(layout, lighting, camera, px_per_m)
    tex_to_m = np.array(
        [[1 / px_per_m, 0, 0.5 / px_per_m], [0, -1 / px_per_m, layout.height_m - 0.5 / px_per_m], [0, 0, 1]]
    )
    cv2.warpPerspective(
        tex,
        h_fac @ tex_to_m,
        (cw, ch),
        dst=canvas_u8,
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_TRANSPARENT,
    )
    corners = cv2.perspectiveTransform(
        np.array([[[0.0, layout.height_m], [layout.width_m, layout.height_m], [layout.width_m, 0.0], [0.0, 0.0]]]),
        h_fac,
    )[0]
    solid = ground_mask.copy()
    cv2.fillPoly(solid, [np.round(corners * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    layer, masks = render_tree_layer(trees, camera, lighting, pad_px)
    under = None
    if layer is not None:
        h, w = layer.alpha.shape
        under = canvas_u8[layer.y0 : layer.y0 + h, layer.x0 : layer.x0 + w].copy()
        layer.paint(canvas_u8, (0, 0, cw, ch))
        solid[layer.y0 : layer.y0 + h, layer.x0 : layer.x0 + w] |= (layer.alpha > 0.5).astype(np.uint8) * 255
    luma = cv2.cvtColor(canvas_u8, cv2.COLOR_BGR2GRAY)
    return Backdrop(canvas_u8, luma, solid, layer, under, masks, pad_px)
