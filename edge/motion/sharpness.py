"""How sharp a blob's edges are across the image: in focus on the facade, or not.

The lens is focused on the facade, tens of metres away. An insect flying a hand's
breadth from it is far out of focus: a large blob whose edges ramp over several
pixels. A thrown object is on the facade's plane and in focus; motion blur draws
it out along its fall, down the image, but leaves its left and right edges steep.

Measured on the difference against the background (full-image px, grey levels),
row by row across the blob: the steepest step between neighbouring pixels, as a
share of the row's peak difference. About 1 for an edge one pixel wide, 1/n for one
that ramps over n pixels; 0.45-0.85 for the thrown objects of synthesized scenes
after H.264 compression, 0.2-0.26 for their insects.
Only a wide blob can say: a 4-px object has no plateau for its edges to rise to.
"""

from __future__ import annotations

import numpy as np

MIN_WIDTH_PX = 12  # narrower blobs are not measured
# Wider ones neither: an insect at 1440p is up to ~60 px, and swaying trees make
# blobs of hundreds, for which the measure would cost a frame's worth of time.
MAX_WIDTH_PX = 96
MARGIN_PX = 2  # beside the blob's box, so its edges are inside the patch
MAX_ROWS = 9  # rows measured, spread evenly over the blob's height
PLATEAU_SHARE = 0.6  # rows whose peak reaches this share of the blob's peak are measured


def measured_rows(top_px: int, height_px: int) -> np.ndarray:
    """Row indices (full-image px) at which a blob of that extent is measured."""
    return np.unique(np.linspace(top_px, top_px + height_px - 1, min(height_px, MAX_ROWS)).round().astype(np.intp))


def edge_sharpness(signed_diff: np.ndarray) -> float | None:
    """Median over the blob's rows of (steepest horizontal step / row peak).

    ``signed_diff``: frame minus background over the blob's box plus a margin,
    with the sign that makes the blob positive. None when nothing in it is positive.
    """
    d = np.asarray(signed_diff, np.float64)
    row_peak = d.max(axis=1)
    if d.shape[1] < 3 or row_peak.max() <= 0:
        return None
    rows = row_peak >= PLATEAU_SHARE * row_peak.max()
    step = np.abs(np.diff(d[rows], axis=1)).max(axis=1)
    return float(np.median(step / row_peak[rows]))
