"""SQLAlchemy 2 models. Times are UTC epoch seconds (``*_at_s``) so SQLite and
PostgreSQL store and compare them the same way; image positions are px of the
camera frame (x right, y down)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class EventRow(Base):
    """One detection event: ``data`` is the metadata exactly as the edge signed it,
    ``envelope`` the signed manifest that came with it (see edge.protocol.manifest)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    camera_id: Mapped[str] = mapped_column(String(64))
    occurred_at_s: Mapped[float] = mapped_column(Double)
    received_at_s: Mapped[float] = mapped_column(Double)
    origin_floor: Mapped[int | None] = mapped_column(Integer)
    origin_column: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Double)
    privacy: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="new")
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at_s: Mapped[float | None] = mapped_column(Double)
    edge_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    envelope: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_events_occurred", "occurred_at_s", "id"),
        Index("ix_events_camera_occurred", "camera_id", "occurred_at_s"),
        Index("ix_events_status_occurred", "status", "occurred_at_s"),
        Index("ix_events_floor_occurred", "origin_floor", "occurred_at_s"),
    )


class EventFileRow(Base):
    """A clip or snapshot attached to an event, stored in the clip store at ``rel_path``."""

    __tablename__ = "event_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.event_id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    rel_path: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    stored_at_s: Mapped[float] = mapped_column(Double)

    __table_args__ = (UniqueConstraint("event_id", "kind", "name", name="uq_event_files_event_kind_name"),)


class CameraRow(Base):
    """A camera known from its heartbeats or events; ``heartbeat`` is the latest one as sent."""

    __tablename__ = "cameras"

    camera_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_seen_at_s: Mapped[float] = mapped_column(Double)
    last_heartbeat_at_s: Mapped[float | None] = mapped_column(Double)
    last_event_at_s: Mapped[float | None] = mapped_column(Double)
    heartbeat: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at_s: Mapped[float] = mapped_column(Double)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class SessionRow(Base):
    """A login session; only the SHA-256 of the cookie token is stored."""

    __tablename__ = "sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at_s: Mapped[float] = mapped_column(Double)
    expires_at_s: Mapped[float] = mapped_column(Double, index=True)


class AuditRow(Base):
    """Who did what and when: reviews, notes, exports, user changes and retention deletions.

    ``event_id`` is not a foreign key so the trail outlives deleted events.
    """

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at_s: Mapped[float] = mapped_column(Double, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), index=True)
    event_id: Mapped[str | None] = mapped_column(String(64), index=True)
    detail: Mapped[str | None] = mapped_column(Text)


class ConfigVersionRow(Base):
    """One saved camera config: ``yaml_text`` exactly as pushed to the edge, ``digest``
    the edge.config.camera.config_digest of it (what heartbeats report as config_version),
    ``summary`` what changed against the previous version, ``push_*`` the edge's answer."""

    __tablename__ = "config_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    yaml_text: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at_s: Mapped[float] = mapped_column(Double)
    summary: Mapped[str] = mapped_column(Text)
    push_status: Mapped[str | None] = mapped_column(String(16))
    push_detail: Mapped[str | None] = mapped_column(Text)
    pushed_at_s: Mapped[float | None] = mapped_column(Double)

    __table_args__ = (UniqueConstraint("camera_id", "version", name="uq_config_versions_camera_version"),)


class CalibrationImageRow(Base):
    """The image a camera is calibrated on (one per camera, the latest): a JPEG/PNG of the
    camera's full-resolution frame, from its edge (already anonymised there) or uploaded
    by an installer. Kept on the server with the camera; never shown to guards."""

    __tablename__ = "calibration_images"

    camera_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    image: Mapped[bytes] = mapped_column(LargeBinary)
    media_type: Mapped[str] = mapped_column(String(32))
    width_px: Mapped[int] = mapped_column(Integer)
    height_px: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(16))
    stored_by: Mapped[str] = mapped_column(String(64))
    stored_at_s: Mapped[float] = mapped_column(Double)


class HealthProbeRow(Base):
    """A single row that /readyz rewrites to prove the database accepts writes."""

    __tablename__ = "health_probe"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at_s: Mapped[float] = mapped_column(Double)
