"""One frame's motion signal, kept so that a known fall can be looked for below threshold.

Motion hands the tracker only blobs that cross the threshold (8 noise sigmas by
default), where a random pixel almost never does. A 2-3 px object on a facade of
similar grey reaches that in a fifth to a half of its frames; at half the threshold
it shows in about half again as many, while noise does in a few per cent of small
windows. A search over the whole frame at that level would drown in noise; a look
within a few px of where a well-fitted fall must be now is nearly free of it.

Coordinates: full-image px (x right, y down). Grey levels: 0-255 luma.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.motion.candidate import Candidate


@dataclass(frozen=True)
class FrameSignal:
    """The arrays of one frame's change detection, all cropped to the watched box.

    ``signal``: the |3x3 mean of the signed difference|; ``threshold``: the per-pixel
    full threshold it was compared with; ``mask``: 255 where watched; ``frame`` and
    ``background``: the luma crop and the lit background (for the sign of the change);
    ``offset_px``: (x, y) of the crop's top-left corner in the full image.
    """

    signal: np.ndarray
    threshold: np.ndarray
    mask: np.ndarray
    frame: np.ndarray
    background: np.ndarray
    offset_px: tuple[int, int]

    def look(self, x_px: float, y_px: float, radius_px: float, share: float) -> Candidate | None:
        """The change within ``radius_px`` of (x_px, y_px) that reaches ``share`` of the
        threshold, as a faint, probed candidate at its signal-weighted centroid; None
        where nothing there does (or the place is not watched)."""
        ox, oy = self.offset_px
        cx, cy = x_px - ox, y_px - oy
        r = int(np.ceil(radius_px))
        ix, iy = round(cx), round(cy)
        x0, y0 = max(0, ix - r), max(0, iy - r)
        x1, y1 = min(self.signal.shape[1], ix + r + 1), min(self.signal.shape[0], iy + r + 1)
        if x0 >= x1 or y0 >= y1:
            return None
        win = self.signal[y0:y1, x0:x1].astype(np.float64)
        ys, xs = np.mgrid[y0:y1, x0:x1]
        hit = (
            (win >= share * self.threshold[y0:y1, x0:x1])
            & (self.mask[y0:y1, x0:x1] > 0)
            & (np.hypot(xs - cx, ys - cy) <= radius_px)
        )
        if not hit.any():
            return None
        w = win[hit]
        signed = self.frame[y0:y1, x0:x1][hit].astype(np.float64) - self.background[y0:y1, x0:x1][hit]
        return Candidate(
            x_px=float((w * xs[hit]).sum() / w.sum()) + ox,
            y_px=float((w * ys[hit]).sum() / w.sum()) + oy,
            area_px=int(hit.sum()),
            width_px=int(xs[hit].max() - xs[hit].min() + 1),
            height_px=int(ys[hit].max() - ys[hit].min() + 1),
            contrast=float(signed.mean()),
            strong=False,
            probed=True,
        )
