"""Where and how finely each frame is searched for faces.

CenterFace is reliable from about 24 px face height at its input (measured: a
16 px face scores about 0.3, 24 px about 0.8), so a region is scanned upsampled by
``RELIABLE_FACE_PX / min_face_px`` (1.5 for 16 px faces) and, when it is large,
once more downsampled for faces too large for one crop. A frame is scanned whole
at that fine scale when the stream starts and when most of it changed (camera
shake, IR switch); otherwise only where it changed (ChangeGate) and around faces
already being tracked: a face can only newly appear where the picture changed.
Every ``full_scan_frames`` frames a safety net scans the whole frame once more at
the detector's native scale (NET_SCALE), in case the change gate missed a face:
about a third of a fine whole-frame scan's cost, reliable from 20 px faces
(measured minimum score 0.51 on the real-face set; 16 px faces 0.25, still above
the 0.2 default threshold). The net does not mark anything as scanned, so the gate's
fine-scale invariant is untouched by it.

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
NET_SCALE = 1.0  # safety-net whole-frame scan (see module docstring)


@dataclass
class ScanStats:
    """Work done so far, for the heartbeat and the benchmark."""

    frames: int = 0
    full_scans: int = 0  # whole frame at the fine scale
    net_scans: int = 0  # whole frame at NET_SCALE
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

    def scan(self, bgr: np.ndarray, track_boxes: np.ndarray | None = None, frames_since: int = 1) -> np.ndarray:
        """Faces ``[x1, y1, x2, y2, score]`` (frame px) in this frame.

        ``track_boxes`` are where faces already followed are expected; they are
        always rescanned so that a still face keeps being confirmed.
        ``frames_since`` is how many stream frames passed since the previous scan
        (more than 1 when the caller scans every k-th frame), so that the safety-net
        whole-frame scan still comes every ``full_scan_frames`` frames.
        """
        h, w = bgr.shape[:2]
        self.stats.frames += 1
        regions = self.gate.changed_regions(bgr)
        self._since_full += frames_since
        if regions is not None:
            if track_boxes is not None and len(track_boxes):
                around = _around(track_boxes, w, h)
                regions = merge_overlapping(np.concatenate([regions, around]))
            area = float(np.sum((regions[:, 2] - regions[:, 0]) * (regions[:, 3] - regions[:, 1])))
            if area <= FULL_SCAN_SHARE * w * h:
                found = [self._scan_box(bgr, r, self.fine_scale) for r in regions]
                self.gate.mark_scanned(regions)
                self.last_regions = regions
                self.stats.region_scans += len(regions)
                if self._since_full >= self.full_scan_frames:
                    found.append(self._net_scan(bgr))
                return nms(np.concatenate([empty_boxes(), *found]), 0.3)
        self.gate.mark_scanned(None)
        self._since_full = 0
        return self.scan_whole(bgr)

    def scan_whole(self, bgr: np.ndarray) -> np.ndarray:
        """Faces in the whole frame, without touching the stream's change reference."""
        self.stats.full_scans += 1
        return self.scan_at(bgr, self.fine_scale)

    def scan_at(self, bgr: np.ndarray, scale: float) -> np.ndarray:
        """Faces in the whole frame at ``scale`` (plus the coarse pass); change reference untouched."""
        h, w = bgr.shape[:2]
        self.last_regions = np.array([[0, 0, w, h]], dtype=np.float32)
        return self._scan_box(bgr, self.last_regions[0], scale)

    def _net_scan(self, bgr: np.ndarray) -> np.ndarray:
        self.stats.net_scans += 1
        self._since_full = 0
        return self.scan_at(bgr, NET_SCALE)

    def _scan_box(self, bgr: np.ndarray, box: np.ndarray, scale: float) -> np.ndarray:
        """Faces in ``box`` of the frame at ``scale``, plus a coarse pass when the box is large."""
        x1, y1, x2, y2 = (int(v) for v in np.round(box[:4]))
        crop = bgr[y1:y2, x1:x2]
        if crop.shape[0] < 4 or crop.shape[1] < 4:
            return empty_boxes()
        self.stats.scanned_px += crop.shape[0] * crop.shape[1]
        found = [self.detector.detect(crop, scale, self.threshold)]
        long_px = max(crop.shape[:2])
        if long_px * scale > 2 * COARSE_INPUT_PX:
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
