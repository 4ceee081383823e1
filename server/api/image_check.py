"""Check an uploaded or fetched calibration image before it is stored: a real JPEG or
PNG that decodes, of a plausible camera frame size (px)."""

from __future__ import annotations

import cv2
import numpy as np

from server.api.middleware import MAX_UPLOAD_BYTES

MIN_SIDE_PX = 64
MAX_SIDE_PX = 8192
_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


class ImageRejected(ValueError):
    """Not a usable calibration image; the message says why."""


def inspect_image(data: bytes) -> tuple[str, tuple[int, int]]:
    """(media type, (width, height)) of a JPEG or PNG, judged by its bytes, not by what
    the client claimed."""
    if not data:
        raise ImageRejected("the image is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRejected(f"the image is {len(data)} bytes; at most {MAX_UPLOAD_BYTES} are accepted")
    media_type = next((t for magic, t in _MAGIC.items() if data.startswith(magic)), None)
    if media_type is None:
        raise ImageRejected("not a JPEG or PNG image")
    # Decoding, not a header peek: the page draws this image, so it must decode.
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if decoded is None:
        raise ImageRejected(f"the {media_type.split('/')[1].upper()} image cannot be decoded")
    height, width = decoded.shape[:2]
    if not (MIN_SIDE_PX <= width <= MAX_SIDE_PX and MIN_SIDE_PX <= height <= MAX_SIDE_PX):
        raise ImageRejected(f"the image is {width}x{height} px; each side must be {MIN_SIDE_PX} to {MAX_SIDE_PX} px")
    return media_type, (width, height)
