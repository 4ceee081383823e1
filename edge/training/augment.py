"""Training-time augmentation of mined tubes (numpy + OpenCV; never used at run time).

Each tube is changed as a whole, the way a different camera would see the same
event: zoom (scale), brightness and contrast, sensor noise, lens/focus blur, JPEG
compression of every frame, and a left-right mirror. Time is never reversed: a
fall speeds up, a reversed fall would be a different thing. The result is a
(TUBE_FRAMES, CROP_PX, CROP_PX) uint8 tube ready for ``edge.verifier.tube.mosaic``.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge.verifier.tube import CROP_PX


def _zoom(tube: np.ndarray, scale: float) -> np.ndarray:
    """Crop ``CROP_PX * scale`` around the centre and resize it back to CROP_PX.

    scale > 1 shrinks the object (seen from farther), scale < 1 enlarges it.
    """
    side = int(np.clip(round(CROP_PX * scale), 8, tube.shape[-1]))
    m = (tube.shape[-1] - side) // 2
    sub = tube[:, m : m + side, m : m + side]
    interp = cv2.INTER_AREA if side > CROP_PX else cv2.INTER_LINEAR
    return np.stack([cv2.resize(f, (CROP_PX, CROP_PX), interpolation=interp) for f in sub])


def _jpeg(frame: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE) if ok else frame


def augment_tube(tube: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A randomly altered copy of a mined (T, S, S) uint8 tube, S >= CROP_PX, as (T, CROP_PX, CROP_PX)."""
    out = _zoom(tube, float(np.exp(rng.uniform(np.log(0.7), np.log(1.4))))).astype(np.float32)
    gain, offset = rng.uniform(0.6, 1.3), rng.uniform(-30.0, 30.0)
    out = (out - 128.0) * gain + 128.0 + offset
    if rng.random() < 0.35:
        sigma = rng.uniform(0.4, 1.1)
        out = np.stack([cv2.GaussianBlur(f, (0, 0), sigma) for f in out])
    sigma_noise = rng.uniform(0.0, 6.0)
    if sigma_noise > 0.5:
        out += rng.normal(0.0, sigma_noise, out.shape).astype(np.float32)
    u8 = np.clip(out, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        quality = int(rng.integers(30, 90))
        u8 = np.stack([_jpeg(f, quality) for f in u8])
    if rng.random() < 0.5:
        u8 = u8[:, :, ::-1]
    return np.ascontiguousarray(u8)
