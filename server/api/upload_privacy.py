"""Blur faces in an image an installer uploads, before the server keeps it.

Frames fetched from an edge were anonymised there; a photo an installer took never
passed an edge, so the server applies the same anonymiser (edge.privacy, the
verified face model) with the camera's privacy settings and areas, faces always on.
It fails closed: when faces cannot be blurred the image is not stored at all.

The face model is verified and loaded once per process, on the first upload, and then
shared by all request threads (bench/bench_upload_privacy.py: 1.8 s -> 1.2 s per 1080p
upload after the first): an onnxruntime session may run from several threads at once
and the detector keeps no state between images. A load that fails is not remembered,
so the next upload tries again (say, after the model file was restored).
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np

from edge.config.camera import PrivacyConfig
from edge.privacy import PrivacyUnavailable
from edge.privacy.anonymizer import Anonymizer
from edge.privacy.centerface import FaceDetector
from edge.privacy.model_files import default_models_dir, verified_model_path
from server.api.image_check import ImageRejected

JPEG_QUALITY = 92
# onnxruntime intra-op threads per upload; uploads are rare and request threads share the model.
FACE_MODEL_THREADS = 2


class SharedFaceModel:
    """The verified face model in ``models_dir``, loaded on the first ``get`` and then
    shared; thread-safe. ``loads`` counts loads that succeeded."""

    def __init__(self, models_dir: Path) -> None:
        self.models_dir = models_dir
        self.loads = 0
        self._detector: FaceDetector | None = None
        self._lock = threading.Lock()

    def get(self) -> FaceDetector:
        """The detector; raises PrivacyUnavailable when the model is missing, altered or
        does not load."""
        with self._lock:  # one load at a time: concurrent first uploads wait for it
            if self._detector is None:
                self._detector = FaceDetector(verified_model_path(self.models_dir), threads=FACE_MODEL_THREADS)
                self.loads += 1
            return self._detector


FACE_MODEL = SharedFaceModel(default_models_dir())


def anonymize_upload(
    data: bytes, media_type: str, privacy: PrivacyConfig, model: SharedFaceModel = FACE_MODEL
) -> bytes:
    """The image with faces and the privacy areas blurred, in its own format (JPEG or PNG)."""
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ImageRejected("the image cannot be decoded")
    try:
        anonymizer = Anonymizer(privacy.model_copy(update={"faces": True}), model.get())
        clean = anonymizer.anonymize_snapshot(bgr)
    except PrivacyUnavailable as exc:
        raise ImageRejected(f"faces cannot be blurred on this server, so the image is not kept: {exc}") from None
    ext, params = (".png", []) if media_type == "image/png" else (".jpg", [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    ok, buf = cv2.imencode(ext, clean, params)
    if not ok:
        raise ImageRejected("the anonymised image cannot be encoded")
    return buf.tobytes()
