"""listing photos: up to eight per listing, in order, described in each language

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 00:00:00+00:00

A photo's image files live in the file storage (FILE_STORAGE), named by the listing's and the
photo's ids; the row holds its place, what it shows in words and the sizes of its two variants.
The unique place is checked at the end of each statement (deferrable), so that one UPDATE can
reorder a listing's photos. Downgrading drops the rows, not the files.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "marketplace"


def upgrade() -> None:
    op.create_table(
        "listing_photo",
        sa.Column("listing_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("alt_text", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("thumbnail_width", sa.Integer(), nullable=False),
        sa.Column("thumbnail_height", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.CheckConstraint("position BETWEEN 1 AND 8", name=op.f("ck_listing_photo_position_in_range")),
        sa.ForeignKeyConstraint(["listing_id"], [f"{SCHEMA}.listing.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "listing_id", "position", name="uq_listing_photo_position", deferrable=True, initially="IMMEDIATE"
        ),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("listing_photo", schema=SCHEMA)
