"""Installer workflow: saved camera config versions and per-camera calibration images.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "config_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("yaml_text", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at_s", sa.Double(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("push_status", sa.String(16), nullable=True),
        sa.Column("push_detail", sa.Text(), nullable=True),
        sa.Column("pushed_at_s", sa.Double(), nullable=True),
        sa.UniqueConstraint("camera_id", "version", name="uq_config_versions_camera_version"),
    )
    op.create_table(
        "calibration_images",
        sa.Column("camera_id", sa.String(64), primary_key=True),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("media_type", sa.String(32), nullable=False),
        sa.Column("width_px", sa.Integer(), nullable=False),
        sa.Column("height_px", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("stored_by", sa.String(64), nullable=False),
        sa.Column("stored_at_s", sa.Double(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("calibration_images")
    op.drop_table("config_versions")
