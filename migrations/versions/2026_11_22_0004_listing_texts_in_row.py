"""Listing texts move into the listing row; indexes that only cost writes go.

A listing's translations are always read and written with it, so they become a
JSONB column (`{"pl": {"title": ..., "description": ...}}`) instead of a table:
a bulk import then writes one row per listing instead of one per language. The
listing_id index of revisions duplicates its unique constraint, and no query
filters listings by classification code alone.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 16:10:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "listing",
        sa.Column("translations", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        schema="marketplace",
    )
    op.execute(
        """
        UPDATE marketplace.listing AS l
        SET translations = t.texts
        FROM (
            SELECT listing_id,
                   jsonb_object_agg(language, jsonb_build_object('title', title, 'description', description)) AS texts
            FROM marketplace.listing_translation
            GROUP BY listing_id
        ) AS t
        WHERE t.listing_id = l.id
        """
    )
    op.alter_column("listing", "translations", server_default=None, schema="marketplace")
    op.drop_table("listing_translation", schema="marketplace")
    op.drop_index("ix_marketplace_listing_classification_code", table_name="listing", schema="marketplace")
    op.drop_index("ix_marketplace_listing_revision_listing_id", table_name="listing_revision", schema="marketplace")


def downgrade() -> None:
    op.create_index(
        "ix_marketplace_listing_revision_listing_id", "listing_revision", ["listing_id"], schema="marketplace"
    )
    op.create_index(
        "ix_marketplace_listing_classification_code", "listing", ["classification_code"], schema="marketplace"
    )
    op.create_table(
        "listing_translation",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("listing_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["marketplace.listing.id"],
            name="fk_listing_translation_listing_id_listing",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_listing_translation"),
        sa.UniqueConstraint("listing_id", "language", name="uq_listing_translation_listing_id"),
        schema="marketplace",
    )
    op.create_index(
        "ix_marketplace_listing_translation_listing_id", "listing_translation", ["listing_id"], schema="marketplace"
    )
    op.execute(
        """
        INSERT INTO marketplace.listing_translation (id, listing_id, language, title, description, created_at, updated_at)
        SELECT gen_random_uuid(), l.id, t.key, t.value ->> 'title', t.value ->> 'description', l.created_at, l.updated_at
        FROM marketplace.listing AS l, jsonb_each(l.translations) AS t
        """
    )
    op.drop_column("listing", "translations", schema="marketplace")
