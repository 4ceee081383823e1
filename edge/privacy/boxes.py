"""Axis-aligned boxes as numpy rows ``[x1, y1, x2, y2]`` (or ``[..., score]``) in image px.

x runs right and y down; ``x2``/``y2`` are exclusive edges, so width is ``x2 - x1``.
"""

from __future__ import annotations

import numpy as np


def empty_boxes(cols: int = 5) -> np.ndarray:
    return np.zeros((0, cols), dtype=np.float32)


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every box in ``a`` with every box in ``b`` (N x M)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), dtype=np.float32)
    ix1 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-6)


def nms(boxes: np.ndarray, iou_threshold: float = 0.3) -> np.ndarray:
    """Greedy non-maximum suppression of ``[x1, y1, x2, y2, score]`` rows, best first."""
    if len(boxes) == 0:
        return boxes
    order = np.argsort(-boxes[:, 4])
    boxes = boxes[order]
    ious = iou_matrix(boxes, boxes)
    keep = np.ones(len(boxes), dtype=bool)
    for i in range(len(boxes)):
        if keep[i]:
            keep[i + 1 :] &= ious[i, i + 1 :] < iou_threshold
    return boxes[keep]


def expand(boxes: np.ndarray, margin: float, extra_px: float = 0.0) -> np.ndarray:
    """Grow each box by ``margin`` times its own width/height plus ``extra_px`` on every side."""
    out = boxes.copy()
    dx = margin * (boxes[:, 2] - boxes[:, 0]) + extra_px
    dy = margin * (boxes[:, 3] - boxes[:, 1]) + extra_px
    out[:, 0] -= dx
    out[:, 2] += dx
    out[:, 1] -= dy
    out[:, 3] += dy
    return out


def clip_to(box: np.ndarray, width_px: int, height_px: int) -> tuple[int, int, int, int]:
    """Integer ``(x1, y1, x2, y2)`` of one box, clipped to the image; may be empty."""
    x1 = int(np.clip(np.floor(box[0]), 0, width_px))
    y1 = int(np.clip(np.floor(box[1]), 0, height_px))
    x2 = int(np.clip(np.ceil(box[2]), 0, width_px))
    y2 = int(np.clip(np.ceil(box[3]), 0, height_px))
    return x1, y1, x2, y2


def merge_overlapping(boxes: np.ndarray) -> np.ndarray:
    """Union boxes that touch or overlap into their bounding boxes (4 columns)."""
    merged = [b[:4].astype(np.float32) for b in boxes]
    changed = True
    while changed and len(merged) > 1:
        changed = False
        out: list[np.ndarray] = []
        while merged:
            cur = merged.pop()
            i = 0
            while i < len(merged):
                o = merged[i]
                if cur[0] <= o[2] and o[0] <= cur[2] and cur[1] <= o[3] and o[1] <= cur[3]:
                    cur = np.array(
                        [min(cur[0], o[0]), min(cur[1], o[1]), max(cur[2], o[2]), max(cur[3], o[3])],
                        dtype=np.float32,
                    )
                    merged.pop(i)
                    changed = True
                else:
                    i += 1
            out.append(cur)
        merged = out
    return np.array(merged, dtype=np.float32).reshape(-1, 4)
