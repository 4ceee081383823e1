"""Trees at the foot of the facade: a layer drawn over the backdrop, and its masks.

Trees stand on the ground (Y = 0) a few metres out from the facade (Z > 0). They are
drawn into an RGBA layer in canvas px (the frame plus the shake margin) so that they
can occlude things falling behind them, sway, and give the config's mask polygons.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edge.synth.camera import PinholeCamera
from edge.synth.lighting import Lighting


@dataclass(frozen=True)
class TreeSpec:
    x_m: float
    z_m: float
    height_m: float
    crown_radius_m: float
    seed: int


@dataclass(frozen=True)
class TreeLayer:
    """Tree pixels in a box of some frame's px: colour, coverage and the box origin."""

    bgr: np.ndarray  # (h, w, 3) uint8
    alpha: np.ndarray  # (h, w) float32 in [0, 1]
    x0: int
    y0: int
    z_min_m: float  # the nearest tree's distance out from the facade

    def shifted(self, dx: int, dy: int) -> TreeLayer:
        return TreeLayer(self.bgr, self.alpha, self.x0 + dx, self.y0 + dy, self.z_min_m)

    def paint(self, frame_bgr: np.ndarray, box: tuple[int, int, int, int]) -> None:
        """Paint the trees back over frame_bgr inside box (x0, y0, x1, y1), in place."""
        h, w = self.alpha.shape
        x0, y0 = max(box[0], self.x0), max(box[1], self.y0)
        x1, y1 = min(box[2], self.x0 + w, frame_bgr.shape[1]), min(box[3], self.y0 + h, frame_bgr.shape[0])
        if x0 >= x1 or y0 >= y1:
            return
        a = self.alpha[y0 - self.y0 : y1 - self.y0, x0 - self.x0 : x1 - self.x0, None]
        t = self.bgr[y0 - self.y0 : y1 - self.y0, x0 - self.x0 : x1 - self.x0].astype(np.float32)
        roi = frame_bgr[y0:y1, x0:x1]
        roi[...] = np.rint(roi * (1.0 - a) + t * a).astype(np.uint8)


def sample_trees(
    rng: np.random.Generator, facade_width_m: float, camera: PinholeCamera, present: bool | None
) -> tuple[TreeSpec, ...]:
    """None, or 1-4 trees (60 % of scenes unless present says otherwise)."""
    if present is None:
        present = bool(rng.random() < 0.6)
    if not present:
        return ()
    z_max = max(2.5, min(8.0, camera.distance_m - 8.0))
    return tuple(
        TreeSpec(
            x_m=float(rng.uniform(-2.0, facade_width_m + 2.0)),
            z_m=float(rng.uniform(2.0, z_max)),
            height_m=float(rng.uniform(4.0, 10.0)),
            crown_radius_m=float(rng.uniform(1.2, 3.0)),
            seed=int(rng.integers(1 << 31)),
        )
        for _ in range(int(rng.integers(1, 5)))
    )


def render_tree_layer(
    trees: tuple[TreeSpec, ...], camera: PinholeCamera, lighting: Lighting, pad_px: int
) -> tuple[TreeLayer | None, list[np.ndarray]]:
    """The trees' layer in canvas px (frame px + pad_px) and one mask polygon per tree.

    Mask polygons are convex hulls in frame px, clipped to the frame; trees entirely
    outside the frame give none.
    """
    cw, ch = camera.width_px + 2 * pad_px, camera.height_px + 2 * pad_px
    colour = np.zeros((ch, cw, 3), np.float32)
    alpha = np.zeros((ch, cw), np.float32)
    masks: list[np.ndarray] = []
    frame_rect = np.array(
        [[0, 0], [camera.width_px - 1, 0], [camera.width_px - 1, camera.height_px - 1], [0, camera.height_px - 1]],
        np.float32,
    )
    # Far trees first so that nearer ones cover them.
    for tree in sorted(trees, key=lambda t: t.z_m):
        rng = np.random.default_rng(tree.seed)
        base, crown_c = (
            np.array([tree.x_m, 0.0, tree.z_m]),
            np.array([tree.x_m, tree.height_m - tree.crown_radius_m, tree.z_m]),
        )
        (b_px, c_px), depth = camera.project([base, crown_c])
        if np.any(depth <= 0.5):
            continue
        b_px, c_px = b_px + pad_px, c_px + pad_px
        r_px = camera.focal_px * tree.crown_radius_m / float(depth[1])
        trunk_px = max(1, round(camera.focal_px * 0.3 / float(depth[0])))
        one = np.zeros((ch, cw), np.uint8)
        cv2.line(one, (round(b_px[0]), round(b_px[1])), (round(c_px[0]), round(c_px[1])), 255, trunk_px, cv2.LINE_AA)
        trunk_mask = one.copy()
        for _ in range(12):
            off = rng.uniform(-0.55, 0.55, 2) * r_px
            rad = max(1, round(r_px * rng.uniform(0.35, 0.6)))
            cv2.circle(one, (round(c_px[0] + off[0]), round(c_px[1] + off[1])), rad, 255, -1, cv2.LINE_AA)
        ys, xs = np.nonzero(one)
        if len(xs) == 0:
            continue
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        a = one[y0:y1, x0:x1].astype(np.float32) / 255.0
        leaf = np.array([40, 110, 55], np.float32) * np.float32(rng.uniform(0.6, 1.2))
        cell = max(1.0, r_px / 5.0)
        sh, sw = max(2, int((y1 - y0) / cell) + 2), max(2, int((x1 - x0) / cell) + 2)
        spots = cv2.resize(
            rng.uniform(0.55, 1.35, (sh, sw)).astype(np.float32),
            (int(x1 - x0), int(y1 - y0)),
            interpolation=cv2.INTER_LINEAR,
        )
        shade_rows = np.linspace(1.15, 0.7, y1 - y0, dtype=np.float32)[:, None]
        col = leaf * (spots * shade_rows)[..., None]
        is_trunk = (trunk_mask[y0:y1, x0:x1] > 0) & (a > 0)
        col[is_trunk & (spots < 0.8)] = np.float32([40, 60, 80])
        dist = float(np.linalg.norm(crown_c - camera.centre_m))
        col = lighting.shade(col, np.full(col.shape[:2], dist))
        roi_c, roi_a = colour[y0:y1, x0:x1], alpha[y0:y1, x0:x1]
        # "Over" compositing of non-premultiplied colour, so soft edges keep their hue.
        out_a = a + roi_a * (1 - a)
        roi_c[...] = (col * a[..., None] + roi_c * (roi_a * (1 - a))[..., None]) / np.maximum(out_a, 1e-6)[..., None]
        roi_a[...] = out_a
        hull = cv2.convexHull(np.stack([xs, ys], axis=1).astype(np.float32) - pad_px)
        area, clipped = cv2.intersectConvexConvex(hull.reshape(-1, 2), frame_rect)
        if clipped is not None and area > 4.0:
            masks.append(clipped.reshape(-1, 2).astype(np.float64))
    ys, xs = np.nonzero(alpha > 0)
    if len(xs) == 0:
        return None, masks
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    layer = TreeLayer(
        bgr=np.clip(np.rint(colour[y0:y1, x0:x1]), 0, 255).astype(np.uint8),
        alpha=alpha[y0:y1, x0:x1].copy(),
        x0=int(x0),
        y0=int(y0),
        z_min_m=min(t.z_m for t in trees),
    )
    return layer, masks
