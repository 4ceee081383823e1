"""The facade's appearance, drawn once per scene in facade metres and shaded.

The texture is an image of the facade plane: column j, row i is the point
X = (j + 0.5) / px_per_m, Y = height_m - (i + 0.5) / px_per_m. It holds the wall
(plaster, tiles or brick-like grain, stains), floor slabs, windows with glass,
curtains and blinds, balconies with railings, AC units and the roof parapet. It is
shaded for the scene's lighting here (night IR falls off with each point's distance
from the camera) and warped into the image by the backdrop.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge.synth.camera import PinholeCamera
from edge.synth.facade_layout import FacadeLayout
from edge.synth.lighting import Lighting

_WALLS_BGR = np.array(
    [
        [200, 210, 215],
        [170, 185, 200],
        [120, 140, 175],
        [90, 105, 150],
        [205, 200, 190],
        [150, 160, 160],
        [185, 195, 175],
        [215, 225, 230],
        [110, 120, 125],
        [160, 175, 205],
    ],
    dtype=np.float32,
)
_CURTAINS_BGR = np.array(
    [[220, 220, 225], [150, 190, 230], [90, 60, 140], [180, 160, 120], [60, 90, 60], [200, 170, 200], [70, 70, 160]],
    dtype=np.float32,
)


def _low_freq_noise(rng: np.random.Generator, h: int, w: int, cell_px: float) -> np.ndarray:
    """Smooth noise in [-1, 1], H x W float32, features about cell_px wide."""
    sh, sw = max(2, int(h / cell_px) + 2), max(2, int(w / cell_px) + 2)
    small = rng.uniform(-1.0, 1.0, (sh, sw)).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _rect(
    img: np.ndarray, r: float, x0: float, y0: float, x1: float, y1: float, h_m: float, colour: np.ndarray
) -> None:
    """Fill a facade-metre rectangle (y up) in the texture image (rows down)."""
    cv2.rectangle(
        img,
        (round(x0 * r), round((h_m - y1) * r)),
        (round(x1 * r) - 1, round((h_m - y0) * r) - 1),
        colour.tolist(),
        thickness=-1,
    )


def render_facade_texture(
    layout: FacadeLayout, lighting: Lighting, camera: PinholeCamera, px_per_m: float
) -> np.ndarray:
    """Shaded facade texture, uint8 BGR, height_m * px_per_m rows by width_m * px_per_m."""
    rng = np.random.default_rng(layout.texture_seed)
    r = px_per_m
    h_m, w_m = layout.height_m, layout.width_m
    h, w = max(2, round(h_m * r)), max(2, round(w_m * r))
    pal = np.random.default_rng(layout.palette)
    wall = _WALLS_BGR[pal.integers(len(_WALLS_BGR))] * np.float32(pal.uniform(0.85, 1.1))
    trim = np.clip(wall * np.float32(pal.choice([0.7, 1.25])), 0, 255)
    img = np.empty((h, w, 3), np.float32)
    img[:] = wall
    grain = _low_freq_noise(rng, h, w, max(2.0, 1.5 * r)) * 12.0
    grain += _low_freq_noise(rng, h, w, max(2.0, 0.25 * r)) * 6.0
    img += grain[..., None]
    if layout.wall_style == 1:  # tiles: faint grout lines every ~0.5 m
        step = max(3, round(0.5 * r))
        img[::step] *= 0.9
        img[:, ::step] *= 0.9
    elif layout.wall_style == 2:  # brick-like horizontal grain
        img *= (1.0 + 0.06 * np.sin(np.arange(h, dtype=np.float32) * (2 * np.pi / max(2.0, 0.15 * r))))[:, None, None]
    # Rain stains run down from the sills.
    for _ in range(int(layout.columns * layout.floors * 0.15)):
        x = rng.uniform(0, w_m)
        y1 = rng.uniform(0.3 * h_m, h_m)
        _rect(
            img,
            r,
            x,
            y1 - rng.uniform(1, 6),
            x + rng.uniform(0.05, 0.3),
            y1,
            h_m,
            wall * np.float32(rng.uniform(0.75, 0.92)),
        )
    glass_base = np.array([95, 80, 70], np.float32) * np.float32(rng.uniform(0.7, 1.3))
    lit: list[tuple[float, float, float, float, np.ndarray]] = []
    for f in range(1, layout.floors + 1):
        y_floor = (f - 1) * layout.floor_height_m
        _rect(img, r, 0, y_floor - 0.12, w_m, y_floor + 0.12, h_m, trim)  # floor slab
        for c in range(1, layout.columns + 1):
            x0, y0, x1, y1 = layout.window_rect_m(f, c)
            frame_m = 0.06
            _rect(
                img,
                r,
                x0 - frame_m,
                y0 - frame_m,
                x1 + frame_m,
                y1 + frame_m,
                h_m,
                np.float32([225, 225, 225]) * np.float32(rng.uniform(0.7, 1.0)),
            )
            glass = glass_base * np.float32(rng.uniform(0.75, 1.25))
            _rect(img, r, x0, y0, x1, y1, h_m, glass)
            # Sky reflection: brighter towards the top of the pane.
            _rect(img, r, x0, y0 + 0.6 * (y1 - y0), x1, y1, h_m, glass * 1.25)
            kind = rng.integers(4)
            curtain = _CURTAINS_BGR[rng.integers(len(_CURTAINS_BGR))] * np.float32(rng.uniform(0.6, 1))
            if kind == 1:
                _rect(img, r, x0, y0, x0 + (x1 - x0) * rng.uniform(0.2, 0.5), y1, h_m, curtain)
            elif kind == 2:
                gap = rng.uniform(0.1, 0.5) * (x1 - x0)
                _rect(img, r, x0, y0, (x0 + x1 - gap) / 2, y1, h_m, curtain)
                _rect(img, r, (x0 + x1 + gap) / 2, y0, x1, y1, h_m, curtain)
            elif kind == 3:  # blinds: slats
                n = max(2, int((y1 - y0) * r / 3))
                for k in range(n):
                    yy = y0 + (y1 - y0) * k / n
                    _rect(img, r, x0, yy, x1, yy + (y1 - y0) / (2 * n), h_m, curtain * 0.9)
            if lighting.lit_window_share and rng.random() < lighting.lit_window_share:
                lit.append((x0, y0, x1, y1, np.float32([150, 210, 255]) * np.float32(rng.uniform(0.6, 1))))
            if layout.balcony_columns[c - 1] and f > 1:
                bx0, bx1 = x0 - 0.4, x1 + 0.4
                _rect(img, r, bx0, y_floor, bx1, y_floor + 0.2, h_m, trim * 0.8)
                rail = trim * np.float32(0.9)
                _rect(img, r, bx0, y_floor + 0.2, bx1, y_floor + 1.05, h_m, rail)
                for xb in np.arange(bx0 + 0.1, bx1, 0.25):
                    _rect(img, r, xb, y_floor + 0.2, xb + 0.04, y_floor + 1.05, h_m, rail * 0.7)
            if rng.random() < 0.2:  # AC unit beside the window, near its bottom
                ax0 = x1 + 0.15 if rng.random() < 0.5 else x0 - 0.95
                _rect(
                    img,
                    r,
                    ax0,
                    y_floor + 0.3,
                    ax0 + 0.8,
                    y_floor + 0.85,
                    h_m,
                    np.float32([200, 200, 195]) * np.float32(rng.uniform(0.8, 1.05)),
                )
                for k in range(4):
                    yy = y_floor + 0.38 + 0.1 * k
                    _rect(img, r, ax0 + 0.1, yy, ax0 + 0.7, yy + 0.04, h_m, np.float32([120, 120, 120]))
    _rect(img, r, 0, h_m - 0.5, w_m, h_m, h_m, trim)  # roof parapet
    # Shade: per-row/column distances from the camera (the illuminator at night).
    xs = (np.arange(w, dtype=np.float64) + 0.5) / r - camera.x_m
    ys = h_m - (np.arange(h, dtype=np.float64) + 0.5) / r - camera.height_m
    dist = np.sqrt(ys[:, None] ** 2 + xs[None, :] ** 2 + camera.distance_m**2)
    img = lighting.shade(img, dist)
    for x0, y0, x1, y1, colour in lit:  # emitted light is not shaded
        _rect(img, r, x0, y0, x1, y1, h_m, colour)
    return np.clip(img, 0, 255).astype(np.uint8)
