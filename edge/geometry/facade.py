"""The facade homography: image pixels <-> facade metres, and floor/column lookup.

Facade frame: X in metres to the right along the facade from its left edge, Y in
metres up from its bottom (ground) edge. Image frame: x px right, y px down. The
four calibrated corners (TL, TR, BR, BL) map to (0, H), (W, H), (W, 0), (0, 0) with
H = floors x floor_height_m and W = the facade width.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from edge.config.camera import FacadeConfig


@dataclass(frozen=True)
class FacadeCell:
    """Floor and window column of a point; both 1-based, floor 1 at the bottom."""

    floor: int
    column: int


class Facade:
    """One calibrated facade and the projective mapping between its image and its plane."""

    def __init__(self, config: FacadeConfig) -> None:
        self.config = config
        self.name = config.name
        self.floors = config.floors
        self.columns = config.columns
        self.floor_height_m = config.floor_height_m
        self.width_m = config.facade_width_m
        self.height_m = config.facade_height_m
        self.corners_px = np.asarray(config.corners, dtype=np.float64)
        facade_m = np.array(
            [[0.0, self.height_m], [self.width_m, self.height_m], [self.width_m, 0.0], [0.0, 0.0]]
        )
        self.image_to_facade = homography_from_4_points(self.corners_px, facade_m)
        self.facade_to_image = np.linalg.inv(self.image_to_facade)

    def to_metres(self, points_px: ArrayLike) -> np.ndarray:
        """Map (N, 2) image px to (N, 2) facade metres (X right, Y up)."""
        return _apply_homography(self.image_to_facade, points_px)

    def to_pixels(self, points_m: ArrayLike) -> np.ndarray:
        """Map (N, 2) facade metres to (N, 2) image px."""
        return _apply_homography(self.facade_to_image, points_m)

    def contains_px(self, points_px: ArrayLike, margin_m: float = 0.0) -> np.ndarray:
        """(N,) bool: which image points fall on the facade plane (within margin_m)."""
        m = self.to_metres(points_px)
        return (
            (m[:, 0] >= -margin_m)
            & (m[:, 0] <= self.width_m + margin_m)
            & (m[:, 1] >= -margin_m)
            & (m[:, 1] <= self.height_m + margin_m)
        )

    def outline_px(self, margin_m: float = 0.0) -> np.ndarray:
        """(4, 2) image px of the facade widened by ``margin_m`` on both sides (TL, TR, BR, BL).

        The top and bottom edges stay where they are: the roof line and the ground.
        Where the widened outline would reach the camera's horizon, the margin shrinks
        until it does not, since points past the horizon map to the wrong side of the
        image.
        """
        if margin_m > 0.0:
            for margin in (margin_m, margin_m / 2, margin_m / 4):
                rect_m = np.array(
                    [[-margin, self.height_m], [self.width_m + margin, self.height_m],
                     [self.width_m + margin, 0.0], [-margin, 0.0]]
                )
                hom = np.concatenate([rect_m, np.ones((4, 1))], axis=1) @ self.facade_to_image.T
                if np.all(hom[:, 2] * hom[0, 2] > 0):
                    return hom[:, :2] / hom[:, 2:3]
        return self.corners_px.copy()  # exactly as calibrated, not through the homography and back

    def cell_of_metres(self, x_m: float, y_m: float) -> FacadeCell:
        """Floor and column of a facade point, clamped to the facade's storeys and columns."""
        floor = int(np.floor(y_m / self.floor_height_m)) + 1
        column = int(np.floor(x_m / (self.width_m / self.columns))) + 1
        return FacadeCell(
            floor=min(max(floor, 1), self.floors), column=min(max(column, 1), self.columns)
        )

    def cell_of_pixel(self, x_px: float, y_px: float) -> FacadeCell:
        x_m, y_m = self.to_metres([[x_px, y_px]])[0]
        return self.cell_of_metres(float(x_m), float(y_m))

    def metres_per_pixel(self, x_px: float, y_px: float) -> float:
        """Local vertical scale in m/px at an image point (for pixel tolerances in metres)."""
        a, b = self.to_metres([[x_px, y_px - 0.5], [x_px, y_px + 0.5]])
        return float(np.hypot(*(a - b)))

    def grid_lines_px(self, samples: int = 2) -> list[np.ndarray]:
        """Image polylines of every floor and column boundary, for drawing the grid."""
        lines: list[np.ndarray] = []
        xs = np.linspace(0.0, self.width_m, samples)
        ys = np.linspace(0.0, self.height_m, samples)
        for k in range(self.floors + 1):
            y = k * self.floor_height_m
            lines.append(self.to_pixels(np.stack([xs, np.full_like(xs, y)], axis=1)))
        for k in range(self.columns + 1):
            x = k * self.width_m / self.columns
            lines.append(self.to_pixels(np.stack([np.full_like(ys, x), ys], axis=1)))
        return lines


def homography_from_4_points(src: ArrayLike, dst: ArrayLike) -> np.ndarray:
    """3x3 homography mapping four src points onto four dst points, in float64.

    (cv2.getPerspectiveTransform works in float32, which costs ~1e-6 relative error.)
    """
    s = np.asarray(src, dtype=np.float64)
    d = np.asarray(dst, dtype=np.float64)
    a = np.zeros((8, 8))
    b = np.zeros(8)
    for i, ((x, y), (u, v)) in enumerate(zip(s, d, strict=True)):
        a[2 * i] = [x, y, 1, 0, 0, 0, -u * x, -u * y]
        a[2 * i + 1] = [0, 0, 0, x, y, 1, -v * x, -v * y]
        b[2 * i], b[2 * i + 1] = u, v
    h = np.linalg.solve(a, b)
    return np.append(h, 1.0).reshape(3, 3)


def _apply_homography(h: np.ndarray, points: ArrayLike) -> np.ndarray:
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    hom = np.concatenate([p, np.ones((len(p), 1))], axis=1) @ h.T
    return hom[:, :2] / hom[:, 2:3]
