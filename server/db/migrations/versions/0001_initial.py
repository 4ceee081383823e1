"""Initial schema: events, files, cameras, users, sessions, audit, health probe.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("occurred_at_s", sa.Double(), nullable=False),
        sa.Column("received_at_s", sa.Double(), nullable=False),
        sa.Column("origin_floor", sa.Integer(), nullable=True),
        sa.Column("origin_column", sa.Integer(), nullable=True),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("privacy", sa.String(16), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reviewed_by", sa.String(64), nullable=True),
        sa.Column("reviewed_at_s", sa.Double(), nullable=True),
        sa.Column("edge_id", sa.String(64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=True),
    )
    op.create_index("ix_events_occurred", "events", ["occurred_at_s", "id"])
    op.create_index("ix_events_camera_occurred", "events", ["camera_id", "occurred_at_s"])
    op.create_index("ix_events_status_occurred", "events", ["status", "occurred_at_s"])
    op.create_index("ix_events_floor_occurred", "events", ["origin_floor", "occurred_at_s"])
    op.create_table(
        "event_files",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "event_id",
            sa.String(64),
            sa.ForeignKey("events.event_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("rel_path", sa.String(512), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("stored_at_s", sa.Double(), nullable=False),
        sa.UniqueConstraint("event_id", "kind", "name", name="uq_event_files_event_kind_name"),
    )
    op.create_index("ix_event_files_event_id", "event_files", ["event_id"])
    op.create_table(
        "cameras",
        sa.Column("camera_id", sa.String(64), primary_key=True),
        sa.Column("first_seen_at_s", sa.Double(), nullable=False),
        sa.Column("last_heartbeat_at_s", sa.Double(), nullable=True),
        sa.Column("last_event_at_s", sa.Double(), nullable=True),
        sa.Column("heartbeat", sa.JSON(), nullable=True),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at_s", sa.Double(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at_s", sa.Double(), nullable=False),
        sa.Column("expires_at_s", sa.Double(), nullable=False),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_index("ix_sessions_expires_at_s", "sessions", ["expires_at_s"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at_s", sa.Double(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    op.create_index("ix_audit_at_s", "audit", ["at_s"])
    op.create_index("ix_audit_action", "audit", ["action"])
    op.create_index("ix_audit_event_id", "audit", ["event_id"])
    op.create_table(
        "health_probe",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("at_s", sa.Double(), nullable=False),
    )


def downgrade() -> None:
    for table in ("health_probe", "audit", "sessions", "users", "cameras", "event_files", "events"):
        op.drop_table(table)
