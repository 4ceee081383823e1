"""Check anonymised imagery: does the detector still find a face where one was?

Used by the tests and by the transport's end-to-end test, which decodes what was
sent to the server and compares it with the frames that were recorded.
"""

from __future__ import annotations

import numpy as np

from edge.privacy.boxes import iou_matrix
from edge.privacy.centerface import FaceDetector

AUDIT_SCORE = 0.3  # a face scoring this much after anonymisation counts as leaked
AUDIT_SCALE = 1.5  # search as finely as the anonymiser does for 16 px faces


def find_faces(
    detector: FaceDetector, bgr: np.ndarray, min_score: float = AUDIT_SCORE, scale: float = AUDIT_SCALE
) -> np.ndarray:
    """Every face with score >= ``min_score`` in the whole image (``[x1, y1, x2, y2, score]``)."""
    return detector.detect(bgr, scale=scale, threshold=min_score)


def faces_left(
    detector: FaceDetector,
    anonymised: np.ndarray,
    face_boxes: np.ndarray,
    min_score: float = AUDIT_SCORE,
    scale: float = AUDIT_SCALE,
) -> np.ndarray:
    """Faces still found in ``anonymised`` that overlap one of the original ``face_boxes``.

    ``face_boxes`` are where faces were before anonymisation (frame px). An empty
    result means the anonymisation held at those places.
    """
    found = find_faces(detector, anonymised, min_score, scale)
    if len(found) == 0 or len(face_boxes) == 0:
        return found[:0]
    overlap = iou_matrix(found[:, :4], np.asarray(face_boxes, dtype=np.float32)[:, :4]) > 0.0
    return found[overlap.any(axis=1)]
