"""The annotated snapshot: trajectory and release point drawn over an anonymised frame."""

from __future__ import annotations

import cv2
import numpy as np


def draw_event(
    bgr: np.ndarray,
    trajectory: list[tuple[float, float, float]] | list[list[float]],
    origin_xy_px: tuple[float, float],
    label: str,
) -> np.ndarray:
    """A copy of ``bgr`` with the track (image px, (t_s, x, y) points) as a yellow polyline,
    the release point as a red ring and ``label`` (e.g. floor and column) beside it."""
    out = bgr.copy()
    h, w = out.shape[:2]
    thickness = max(1, round(min(h, w) / 360))
    pts = np.array([[p[1], p[2]] for p in trajectory], dtype=np.float64).reshape(-1, 2)
    if len(pts) >= 2:
        cv2.polylines(out, [np.round(pts).astype(np.int32)], False, (0, 230, 255), thickness, cv2.LINE_AA)
    for x, y in pts:
        cv2.circle(out, (round(x), round(y)), thickness + 1, (0, 230, 255), -1, cv2.LINE_AA)
    ox, oy = round(origin_xy_px[0]), round(origin_xy_px[1])
    cv2.circle(out, (ox, oy), 6 * thickness + 4, (0, 0, 255), thickness + 1, cv2.LINE_AA)
    scale = max(0.5, min(h, w) / 720)
    (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness + 1)
    tx = min(max(0, ox + 12 * thickness), max(0, w - tw - 4))
    ty = min(max(th + 4, oy), h - base - 2)
    cv2.rectangle(out, (tx - 3, ty - th - 4), (tx + tw + 3, ty + base + 2), (0, 0, 0), -1)
    cv2.putText(out, label, (tx, ty), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness + 1, cv2.LINE_AA)
    return out
