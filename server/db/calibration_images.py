"""The image each camera is calibrated on: the latest one per camera, from its edge
(anonymised there) or uploaded by an installer. Sizes are px of the camera frame."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session, defer

from server.db import audit
from server.db.models import CalibrationImageRow


@dataclass(frozen=True)
class ImageInfo:
    """A calibration image without its bytes."""

    camera_id: str
    media_type: str
    width_px: int
    height_px: int
    sha256: str
    origin: str  # "edge" or "upload"
    stored_by: str
    stored_at_s: float


def put(
    s: Session,
    camera_id: str,
    data: bytes,
    media_type: str,
    size_px: tuple[int, int],
    origin: str,
    actor: str,
    now_s: float,
) -> ImageInfo:
    """Replace the camera's calibration image, with an audit entry, and commit."""
    row = s.get(CalibrationImageRow, camera_id) or CalibrationImageRow(camera_id=camera_id)
    row.image, row.media_type = data, media_type
    row.width_px, row.height_px = size_px
    row.sha256 = hashlib.sha256(data).hexdigest()
    row.origin, row.stored_by, row.stored_at_s = origin, actor, now_s
    s.add(row)
    detail = f"{camera_id}: {size_px[0]}x{size_px[1]} {media_type} from {origin}, sha256 {row.sha256[:12]}"
    audit.record(s, now_s, actor, f"calibration_image_{origin}", None, detail)
    s.commit()
    return info_of(row)


def info(s: Session, camera_id: str) -> ImageInfo | None:
    row = s.get(CalibrationImageRow, camera_id, options=[defer(CalibrationImageRow.image)])
    return info_of(row) if row else None


def data(s: Session, camera_id: str) -> tuple[bytes, str] | None:
    """(image bytes, media type) or None."""
    row = s.get(CalibrationImageRow, camera_id)
    return (row.image, row.media_type) if row else None


def info_of(row: CalibrationImageRow) -> ImageInfo:
    return ImageInfo(
        row.camera_id,
        row.media_type,
        row.width_px,
        row.height_px,
        row.sha256,
        row.origin,
        row.stored_by,
        row.stored_at_s,
    )
