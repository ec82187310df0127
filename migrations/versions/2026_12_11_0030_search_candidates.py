"""search candidates: a document's texts' vectors in one, where a search finds its candidates

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-11 08:00:00+00:00

A search found its candidates by walking documents and probing each one's texts (a join the planner
could only guess the cost of: a prefix like `hon` read 40,000 documents in key order). Each document
now carries the union of its texts' vectors (`tsv`, built by the new aggregate
`search.tsvector_agg`) under its own GIN index, so candidates are one index scan on one table, filters
checked on the same rows; the texts are still what a match is checked and ranked on, in their own
language. The texts' own GIN index and the one on `ships_to` (which matched most of the catalog and
cost more than it saved) are dropped. Existing documents are filled from their texts here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "search"


def upgrade() -> None:
    op.execute(
        "CREATE AGGREGATE search.tsvector_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '')"
    )
    op.add_column("listing_document", sa.Column("tsv", postgresql.TSVECTOR(), nullable=True), schema=SCHEMA)
    op.execute(
        "UPDATE search.listing_document d SET tsv = coalesce("
        "(SELECT search.tsvector_agg(t.tsv) FROM search.listing_text t WHERE t.listing_id = d.listing_id), '')"
    )
    op.alter_column("listing_document", "tsv", nullable=False, schema=SCHEMA)
    # Every row was rewritten: the planner's statistics of the new column start now.
    op.execute("ANALYZE search.listing_document")
    op.create_index("ix_listing_document_tsv", "listing_document", ["tsv"], schema=SCHEMA, postgresql_using="gin")
    op.drop_index("ix_listing_document_ships_to", table_name="listing_document", schema=SCHEMA)
    op.drop_index("ix_listing_text_tsv", table_name="listing_text", schema=SCHEMA)


def downgrade() -> None:
    op.create_index("ix_listing_text_tsv", "listing_text", ["tsv"], schema=SCHEMA, postgresql_using="gin")
    op.create_index(
        "ix_listing_document_ships_to", "listing_document", ["ships_to"], schema=SCHEMA, postgresql_using="gin"
    )
    op.drop_index("ix_listing_document_tsv", table_name="listing_document", schema=SCHEMA)
    op.drop_column("listing_document", "tsv", schema=SCHEMA)
    op.execute("DROP AGGREGATE search.tsvector_agg(tsvector)")
