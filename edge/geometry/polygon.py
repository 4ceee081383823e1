"""Plain polygon predicates in image pixels (x right, y down)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def polygon_area_px2(points: ArrayLike) -> float:
    """Signed shoelace area in px²; positive when the points run clockwise on screen."""
    p = np.asarray(points, dtype=np.float64)
    x, y = p[:, 0], p[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def _segments_cross(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> bool:
    def orient(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> float:
        return float((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]))

    o1, o2 = orient(a, b, c), orient(a, b, d)
    o3, o4 = orient(c, d, a), orient(c, d, b)
    return (o1 * o2 < 0) and (o3 * o4 < 0)


def polygon_self_intersects(points: ArrayLike) -> bool:
    """True when two non-adjacent edges of the closed polygon cross."""
    p = np.asarray(points, dtype=np.float64)
    n = len(p)
    for i in range(n):
        for j in range(i + 1, n):
            if j == i + 1 or (i == 0 and j == n - 1):
                continue
            if _segments_cross(p[i], p[(i + 1) % n], p[j], p[(j + 1) % n]):
                return True
    return False
