"""Where and how finely each frame is searched for faces.

CenterFace is reliable from about 24 px face height at its input (measured: a
16 px face scores about 0.3, 24 px about 0.8), so a region is scanned upsampled by
``RELIABLE_FACE_PX / min_face_px`` (1.5 for 16 px faces) and, when it is large,
once more downsampled for faces too large for one crop. A frame is scanned whole
when the stream starts, every ``full_scan_frames`` frames as a safety net, and when
most of it changed (camera shake, IR switch); otherwise only where it changed
(ChangeGate) and around faces already being tracked.

Coordinates: image px of the full frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.privacy.boxes import empty_boxes, merge_overlapping, nms
from edge.privacy.centerface import FaceDetector
from edge.privacy.change_gate import ChangeGate

RELIABLE_FACE_PX = 24.0
COARSE_INPUT_PX = 640  # long side of the extra coarse pass over large regions
FULL_SCAN_SHARE = 0.5  # changed share of the frame above which scanning it whole is cheaper


@dataclass
class ScanStats:
    """Work done so far, for the heartbeat and the benchmark."""

    frames: int = 0
    full_scans: int = 0
    region_scans: int = 0
    scanned_px: int = 0


class FaceScanner:
    """Per-frame face detections of one stream, scanning only what needs it."""

    def __init__(
        self,
        detector: FaceDetector,
        min_face_px: float = 16.0,
        threshold: float = 0.2,
        full_scan_frames: int = 100,
    ) -> None:
        self.detector = detector
        self.fine_scale = max(1.0, RELIABLE_FACE_PX / min_face_px)
        self.threshold = threshold
        self.full_scan_frames = full_scan_frames
        self.gate = ChangeGate()
        self.stats = ScanStats()
        self.last_regions = np.zeros((0, 4), dtype=np.float32)  # what the last scan covered
        self._since_full = 0

    def reset(self) -> None:
        self.gate.reset()
        self._since_full = 0

    def scan(self, bgr: np.ndarray, track_boxes: np.ndarray | None = None) -> np.ndarray:
        """Faces ``[x1, y1, x2, y2, score]`` (frame px) in this frame.

        ``track_boxes`` are where faces already followed are expected; they are
        always rescanned so that a still face keeps being confirmed.
        """
        h, w = bgr.shape[:2]
        self.stats.frames += 1
        regions = self.gate.changed_regions(bgr)
        self._since_full += 1
        if regions is not None and self._since_full < self.full_scan_frames:
            if track_boxes is not None and len(track_boxes):
                around = _around(track_boxes, w, h)
                regions = merge_overlapping(np.concatenate([regions, around]))
            area = float(np.sum((regions[:, 2] - regions[:, 0]) * (regions[:, 3] - regions[:, 1])))
            if area <= FULL_SCAN_SHARE * w * h:
                found = [self._scan_box(bgr, r) for r in regions]
                self.gate.mark_scanned(regions)
                self.last_regions = regions
                self.stats.region_scans += len(regions)
                return nms(np.concatenate([empty_boxes(), *found]), 0.3)
        self._since_full = 0
        self.gate.mark_scanned(None)
        return self.scan_whole(bgr)

    def scan_whole(self, bgr: np.ndarray) -> np.ndarray:
        """Faces in the whole frame, without touching the stream's change reference."""
        h, w = bgr.shape[:2]
        self.stats.full_scans += 1
        self.last_regions = np.array([[0, 0, w, h]], dtype=np.float32)
        return self._scan_box(bgr, self.last_regions[0])

    def _scan_box(self, bgr: np.ndarray, box: np.ndarray) -> np.ndarray:
        x1, y1, x2, y2 = (int(v) for v in np.round(box[:4]))
        crop = bgr[y1:y2, x1:x2]
        if crop.shape[0] < 4 or crop.shape[1] < 4:
            return empty_boxes()
        self.stats.scanned_px += crop.shape[0] * crop.shape[1]
        found = [self.detector.detect(crop, self.fine_scale, self.threshold)]
        long_px = max(crop.shape[:2])
        if long_px * self.fine_scale > 2 * COARSE_INPUT_PX:
            found.append(self.detector.detect(crop, COARSE_INPUT_PX / long_px, self.threshold))
        boxes = nms(np.concatenate(found), 0.3)
        boxes[:, [0, 2]] += x1
        boxes[:, [1, 3]] += y1
        return boxes


def _around(boxes: np.ndarray, width_px: int, height_px: int) -> np.ndarray:
    """Search windows around expected faces: the box plus one box size on each side."""
    bw = boxes[:, 2] - boxes[:, 0]
    bh = boxes[:, 3] - boxes[:, 1]
    pad = np.maximum(np.maximum(bw, bh), 16.0)
    out = np.stack(
        [boxes[:, 0] - pad, boxes[:, 1] - pad, boxes[:, 2] + pad, boxes[:, 3] + pad], axis=1
    )
    out[:, [0, 2]] = out[:, [0, 2]].clip(0, width_px)
    out[:, [1, 3]] = out[:, [1, 3]].clip(0, height_px)
    return out.astype(np.float32)
