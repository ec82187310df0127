"""Drop listing indexes that only cost writes.

The listing_id indexes of translations and revisions duplicate the unique
constraints that start with listing_id; no query filters listings by
classification code alone (producer listings are found by organisation first).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 15:49:25.409538+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_marketplace_listing_classification_code", table_name="listing", schema="marketplace")
    op.drop_index("ix_marketplace_listing_revision_listing_id", table_name="listing_revision", schema="marketplace")
    op.drop_index(
        "ix_marketplace_listing_translation_listing_id", table_name="listing_translation", schema="marketplace"
    )


def downgrade() -> None:
    op.create_index(
        "ix_marketplace_listing_translation_listing_id", "listing_translation", ["listing_id"], schema="marketplace"
    )
    op.create_index(
        "ix_marketplace_listing_revision_listing_id", "listing_revision", ["listing_id"], schema="marketplace"
    )
    op.create_index(
        "ix_marketplace_listing_classification_code", "listing", ["classification_code"], schema="marketplace"
    )
