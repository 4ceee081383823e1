"""Which parts of a frame changed since they were last scanned for faces.

Scanning a whole 1080p frame finely enough for 16 px faces costs about 0.7 s on one
core, so only regions that differ from what was there when they were last scanned
are scanned again. The reference is kept per pixel: a region is compared with its
own content at its last scan, not with the previous frame, so slow changes add up
until they trigger a scan instead of slipping under a per-frame threshold. The
invariant: every part of a frame was scanned in this frame, or looks as it did
when it was scanned.

Coordinates: image px of the full frame. Grey levels 0-255.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge.privacy.boxes import merge_overlapping

DOWNSCALE = 4  # change is judged on a 4x smaller grey image (noise averages out)


class ChangeGate:
    """Change regions of one stream against the content of their last scan."""

    def __init__(self, diff_threshold: float = 8.0, pad_px: float = 32.0) -> None:
        self.diff_threshold = diff_threshold
        self.pad_px = pad_px
        self._reference: np.ndarray | None = None
        self._current: np.ndarray | None = None

    def reset(self) -> None:
        self._reference = None
        self._current = None

    def changed_regions(self, bgr: np.ndarray) -> np.ndarray | None:
        """Boxes ``[x1, y1, x2, y2]`` (full-frame px) that need a scan, or None for "all".

        None means there is no reference yet (first frame) or its size changed.
        """
        h, w = bgr.shape[:2]
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        small = cv2.resize(
            gray, (max(1, w // DOWNSCALE), max(1, h // DOWNSCALE)), interpolation=cv2.INTER_AREA
        )
        self._current = small
        if self._reference is None or self._reference.shape != small.shape:
            return None
        mask = (cv2.absdiff(small, self._reference) > self.diff_threshold).astype(np.uint8)
        mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        if n <= 1:
            return np.zeros((0, 4), dtype=np.float32)
        x, y, bw, bh = (stats[1:, i].astype(np.float32) * DOWNSCALE for i in range(4))
        # Pad by a fixed context plus a share of the blob: a face at the edge of a
        # moving person must lie wholly inside the crop the detector sees.
        pad = self.pad_px + 0.25 * np.maximum(bw, bh)
        boxes = np.stack([x - pad, y - pad, x + bw + pad, y + bh + pad], axis=1)
        boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, w)
        boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, h)
        return merge_overlapping(boxes)

    def mark_scanned(self, boxes: np.ndarray | None) -> None:
        """Take the current frame as reference inside ``boxes`` (None: the whole frame)."""
        if self._current is None:
            return
        if boxes is None or self._reference is None:
            self._reference = self._current.copy()
            return
        for x1, y1, x2, y2 in (boxes[:, :4] / DOWNSCALE).astype(np.int64):
            self._reference[y1:y2, x1:x2] = self._current[y1:y2, x1:x2]
