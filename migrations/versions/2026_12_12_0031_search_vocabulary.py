"""search vocabulary: concepts of goods and services with terms in many languages; producer names apart

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-12 08:00:00+00:00

`search.concept` and `search.concept_term` hold the multilingual vocabulary a query is understood with
(honey is Honig, miód, med, mesi ...), loaded here with the starter vocabulary the project ships
(`search/vocabulary/starter.jsonl`) through the engine's own loader; hubs add their terms beside it.
Documents get the producer's name in a vector of its own (`name_tsv`): it no longer sits in every
text, where a word of it matched every listing of that producer. Existing documents keep the name in
their texts until `borderhub search reindex` (which this release's notes ask for: texts are also indexed
with lemmas and compound parts now).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from search.engines.postgres import load_vocabulary_statements

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "search"


def upgrade() -> None:
    op.create_table(
        "concept",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("hub_id", sa.Uuid()),
        sa.Column("hs", postgresql.ARRAY(sa.String(10)), nullable=False, server_default="{}"),
        sa.Column("cpv", postgresql.ARRAY(sa.String(8)), nullable=False, server_default="{}"),
        schema=SCHEMA,
    )
    op.create_table(
        "concept_term",
        sa.Column(
            "concept_id", sa.String(80), sa.ForeignKey(f"{SCHEMA}.concept.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("term", sa.String(120), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("hub_id", sa.Uuid()),
        sa.Column("folded", sa.String(120), nullable=False),
        sa.Column("stemmed", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("concept_id", "language", "term"),
        schema=SCHEMA,
    )
    op.create_index("ix_concept_term_folded", "concept_term", ["folded"], schema=SCHEMA)
    op.create_index("ix_concept_term_stemmed", "concept_term", ["stemmed"], schema=SCHEMA)
    op.add_column(
        "listing_document",
        sa.Column("name_tsv", postgresql.TSVECTOR(), nullable=False, server_default=""),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_listing_document_name_tsv", "listing_document", ["name_tsv"], schema=SCHEMA, postgresql_using="gin"
    )
    for statement, parameters in load_vocabulary_statements():
        op.execute(sa.text(statement).bindparams(**parameters))


def downgrade() -> None:
    op.drop_index("ix_listing_document_name_tsv", table_name="listing_document", schema=SCHEMA)
    op.drop_column("listing_document", "name_tsv", schema=SCHEMA)
    op.drop_table("concept_term", schema=SCHEMA)
    op.drop_table("concept", schema=SCHEMA)
