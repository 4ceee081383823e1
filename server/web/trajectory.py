"""The trajectory and release point as an SVG overlay in image px (x right, y down)."""

from __future__ import annotations

from typing import Any

_PAD_PX = 40.0


def overlay(event: dict[str, Any]) -> dict[str, Any] | None:
    """Polyline points and origin for the snapshot overlay, or None without a trajectory.

    ``view_box`` is the trajectory's bounding box padded, for events whose imagery was
    withheld; over a snapshot the page sets the viewBox to the image's own size.
    """
    points = [
        (float(p[1]), float(p[2]))
        for p in event.get("trajectory") or []
        if isinstance(p, list | tuple) and len(p) == 3 and all(isinstance(v, int | float) for v in p)
    ]
    if not points:
        return None
    origin = event.get("origin") or {}
    ox, oy = origin.get("x"), origin.get("y")
    if not isinstance(ox, int | float) or not isinstance(oy, int | float):
        ox, oy = points[0]
    xs = [p[0] for p in points] + [float(ox)]
    ys = [p[1] for p in points] + [float(oy)]
    x0, y0 = max(0.0, min(xs) - _PAD_PX), max(0.0, min(ys) - _PAD_PX)
    return {
        "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in points),
        "origin_x": float(ox),
        "origin_y": float(oy),
        "view_box": f"{x0:.0f} {y0:.0f} {max(xs) - x0 + _PAD_PX:.0f} {max(ys) - y0 + _PAD_PX:.0f}",
    }
