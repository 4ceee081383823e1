"""Label mined tubes against a scene's ground truth (pure functions).

A tube is a ``throw`` when, over its frames, the track sits on a ground-truth
throw's trajectory; ``other`` when it is far from every throw at every frame;
anything in between (a track that joined a throw and a leaf, say) is left out,
because a wrong label teaches more than a missing one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

THROW = "throw"
OTHER = "other"
ON_TRACK_PX = 5.0  # how far a track may sit from the true centre and still be the object
OFF_TRACK_PX = 40.0  # farther than this from every throw at every frame: not a throw


def _distances_px(frame_times_s: np.ndarray, positions_px: np.ndarray, throw: dict[str, Any]) -> np.ndarray:
    """Per-frame px distance to the throw; inf where the throw is not in the image."""
    gt = np.asarray(throw["trajectory"], dtype=np.float64)
    d = np.full(len(frame_times_s), np.inf)
    if len(gt) < 2:
        return d
    inside = (frame_times_s >= gt[0, 0] - 1e-6) & (frame_times_s <= gt[-1, 0] + 1e-6)
    gx = np.interp(frame_times_s, gt[:, 0], gt[:, 1])
    gy = np.interp(frame_times_s, gt[:, 0], gt[:, 2])
    d[inside] = np.hypot(positions_px[inside, 0] - gx[inside], positions_px[inside, 1] - gy[inside])
    return d


def label_tube(
    frame_times_s: np.ndarray, positions_px: np.ndarray, throws: list[dict[str, Any]]
) -> tuple[str | None, dict[str, Any] | None]:
    """(label, matched throw) for a tube; label None when it is ambiguous.

    ``positions_px`` (N, 2) is the track's image position at ``frame_times_s`` (N,).
    A throw tube needs the object in at least the last two thirds of its frames
    (the first may precede the release) within ``ON_TRACK_PX`` plus the object's
    size.
    """
    best: tuple[float, dict[str, Any]] | None = None
    near: dict[str, Any] | None = None
    for throw in throws:
        d = _distances_px(frame_times_s, positions_px, throw)
        tol = ON_TRACK_PX + float(throw.get("size_px", 0.0))
        recent = d[len(d) // 3 :]
        if np.all(recent <= tol):
            score = float(np.median(recent))
            if best is None or score < best[0]:
                best = (score, throw)
        elif np.any(d <= OFF_TRACK_PX):
            near = throw
    if best is not None:
        return THROW, best[1]
    if near is not None:
        return None, near
    return OTHER, None
