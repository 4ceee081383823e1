"""Whole-person boxes, for cameras configured with ``privacy.persons: true``.

Two sources, united: OpenCV's built-in HOG pedestrian detector (no download; it
finds upright people from about 128 px tall) and a body box hung below every face,
so a person whose face was found is covered even when HOG misses them (seated,
partly hidden, small). Boxes are ``[x1, y1, x2, y2]`` in frame px.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge.privacy.boxes import merge_overlapping

# A standing adult is about 7.5 heads tall and 3 heads wide at the shoulders.
BODY_HEIGHTS = 7.5
BODY_WIDTHS = 3.0


def bodies_from_faces(faces: np.ndarray) -> np.ndarray:
    """A body box for each face box, from the top of the head down to the feet."""
    if len(faces) == 0:
        return np.zeros((0, 4), dtype=np.float32)
    w = faces[:, 2] - faces[:, 0]
    h = faces[:, 3] - faces[:, 1]
    cx = (faces[:, 0] + faces[:, 2]) / 2
    return np.stack(
        [cx - BODY_WIDTHS * w / 2, faces[:, 1], cx + BODY_WIDTHS * w / 2, faces[:, 1] + BODY_HEIGHTS * h],
        axis=1,
    ).astype(np.float32)


class PersonDetector:
    """HOG + linear SVM pedestrian detector shipped inside OpenCV."""

    def __init__(self, hit_threshold: float = 0.0) -> None:
        self._hog = cv2.HOGDescriptor()
        self._hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        self.hit_threshold = hit_threshold

    def detect(self, bgr: np.ndarray, regions: np.ndarray) -> np.ndarray:
        """People inside the given regions (frame px), as merged boxes in frame px."""
        found: list[np.ndarray] = []
        for x1, y1, x2, y2 in np.round(regions[:, :4]).astype(np.int64):
            crop = bgr[y1:y2, x1:x2]
            if crop.shape[0] < 128 or crop.shape[1] < 64:
                continue
            rects, _ = self._hog.detectMultiScale(
                crop, hitThreshold=self.hit_threshold, winStride=(8, 8), padding=(8, 8), scale=1.1
            )
            for rx, ry, rw, rh in np.asarray(rects).reshape(-1, 4):
                found.append(np.array([x1 + rx, y1 + ry, x1 + rx + rw, y1 + ry + rh], np.float32))
        if not found:
            return np.zeros((0, 4), dtype=np.float32)
        return merge_overlapping(np.array(found))
