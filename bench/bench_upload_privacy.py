"""Server-side anonymisation of an installer's upload: time per 1080p JPEG upload.

Baseline, measured in the same run: loading (and verifying) the face model for every
upload, as the server did before the model became one per process. Measured: the
server's shared model (``server.api.upload_privacy.SharedFaceModel``), first upload
(which loads it) and the uploads after. The image is a synthesized 1080p facade.

    python bench/bench_upload_privacy.py [--uploads 5]
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np

from edge.config.camera import PrivacyConfig
from edge.privacy.model_files import default_models_dir
from server.api.upload_privacy import SharedFaceModel, anonymize_upload


def facade_jpeg() -> bytes:
    """A 1920x1080 facade-like JPEG (windows on a textured wall), px."""
    rng = np.random.default_rng(7)
    img = (rng.normal(120, 12, (1080, 1920, 3))).clip(0, 255).astype(np.uint8)
    for y in range(60, 1000, 90):
        for x in range(500, 1400, 110):
            cv2.rectangle(img, (x, y), (x + 60, y + 50), (70, 80, 90), -1)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    return buf.tobytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=5)
    args = parser.parse_args()
    data, privacy = facade_jpeg(), PrivacyConfig()

    def timed(model: SharedFaceModel) -> float:
        t0 = time.perf_counter()
        anonymize_upload(data, "image/jpeg", privacy, model)
        return time.perf_counter() - t0

    per_upload_load = [timed(SharedFaceModel(default_models_dir())) for _ in range(args.uploads)]
    shared = SharedFaceModel(default_models_dir())
    first = timed(shared)
    after = [timed(shared) for _ in range(args.uploads)]
    base_s, shared_s = float(np.median(per_upload_load)), float(np.median(after))
    print(f"1080p upload, model loaded per upload (baseline): {base_s * 1000:7.0f} ms (median of {args.uploads})")
    print(f"1080p upload, shared model, first (loads it):      {first * 1000:7.0f} ms")
    print(f"1080p upload, shared model, later:                 {shared_s * 1000:7.0f} ms (median of {args.uploads})")
    print(f"speed-up per upload after the first: {base_s / shared_s:.1f}x; model loads: {shared.loads}")


if __name__ == "__main__":
    main()
