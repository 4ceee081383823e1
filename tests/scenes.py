"""Tiny in-memory scenes for unit tests: a flat facade seen square-on, numpy frames.

The facade spans image x 200..440 px and y 20..350 px; 10 floors of 3 m (30 m over
330 px: 11 px/m) and 4 columns of 3.5 m (14 m over 240 px). A point object is drawn
as a dark Gaussian spot of the given diameter in px.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from edge.config.camera import CameraConfig, parse_camera_config
from edge.sources.frame import Frame

W, H = 640, 360
FPS = 25.0
PX_PER_M_Y = 330 / 30.0
PX_PER_M_X = 240 / 14.0


def flat_config(**overrides: object) -> CameraConfig:
    data: dict[str, object] = {
        "camera_id": "unit",
        "source": "unused.mp4",
        "facades": [
            {
                "name": "f",
                "corners": [[200, 20], [440, 20], [440, 350], [200, 350]],
                "floors": 10,
                "columns": 4,
                "width_m": 14.0,
            }
        ],
    }
    data.update(overrides)
    return parse_camera_config(data)


def metres_to_px(x_m: float, y_m: float) -> tuple[float, float]:
    return 200 + x_m * PX_PER_M_X, 350 - y_m * PX_PER_M_Y


def background(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.full((H, W), 150, np.float32)
    # Windows: a darker grid on the facade so the background has texture.
    for floor in range(10):
        for col in range(4):
            x0, y1 = metres_to_px(col * 3.5 + 1.0, floor * 3.0 + 1.0)
            x1, y0 = metres_to_px(col * 3.5 + 2.5, floor * 3.0 + 2.4)
            img[int(y0) : int(y1), int(x0) : int(x1)] = 90 + 10 * rng.random()
    return img


def spot(img: np.ndarray, x: float, y: float, diameter_px: float, contrast: float) -> None:
    r = max(1.0, diameter_px)
    x0, x1 = int(max(0, x - 3 * r)), int(min(W, x + 3 * r + 1))
    y0, y1 = int(max(0, y - 3 * r)), int(min(H, y + 3 * r + 1))
    if x0 >= x1 or y0 >= y1:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1]
    sigma = diameter_px / 2.355
    img[y0:y1, x0:x1] += contrast * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma**2))


def frames(
    n: int,
    draw: Callable[[np.ndarray, float], None],
    noise_sigma: float = 2.0,
    seed: int = 0,
) -> Iterator[Frame]:
    """``n`` frames of the flat facade with ``draw(img, t_s)`` adding the moving things."""
    rng = np.random.default_rng(seed)
    bg = background(seed)
    for i in range(n):
        t = i / FPS
        img = bg.copy()
        draw(img, t)
        img += rng.normal(0, noise_sigma, img.shape).astype(np.float32)
        yield Frame(index=i, t_s=t, gray=np.clip(img, 0, 255).astype(np.uint8))


def falling(
    x0_m: float, y0_m: float, t_release: float, vx_mps: float = 0.5, vy_mps: float = 0.0,
    g: float = 9.81, diameter_px: float = 3.0, contrast: float = -60.0,
    hidden: Callable[[float], bool] | None = None,
) -> Callable[[np.ndarray, float], None]:
    """A ballistic point released at (x0_m, y0_m) at ``t_release`` (vy up-positive)."""

    def draw(img: np.ndarray, t: float) -> None:
        if t < t_release or (hidden is not None and hidden(t)):
            return
        tau = t - t_release
        y = y0_m + vy_mps * tau - 0.5 * g * tau * tau
        if y < 0:
            return
        spot(img, *metres_to_px(x0_m + vx_mps * tau, y), diameter_px, contrast)

    return draw
