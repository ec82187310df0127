"""The PostgreSQL engine's tables (schema `search`): documents, their per-language text vectors and
the vocabulary that typo correction looks words up in. Created by migration 0008; the documents' union
of their texts' vectors (`tsv`, where a search finds its candidates) by 0030."""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    Boolean,
    Column,
    DateTime,
    Double,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR

from kernel.db import metadata

SEARCH_SCHEMA = "search"

listing_document = Table(
    "listing_document",
    metadata,
    Column("listing_id", Uuid, primary_key=True),
    Column("organization_id", Uuid, nullable=False, index=True),
    Column("document", JSONB, nullable=False),
    # Every text's vector in one (`search.tsvector_agg`): candidates are found on this narrow filter-and-text
    # row by one index, and only they are checked per text in their own language (`listing_text`).
    Column("tsv", TSVECTOR, nullable=False),
    Column("classification_digits", String(16), nullable=False),
    Column("origin_country", CHAR(2), nullable=False),
    Column("origin_subdivision", String(6)),
    Column("ships_to", ARRAY(String(6)), nullable=False),
    Column("eligible_in", ARRAY(String(6)), nullable=False),
    Column("inclusion", ARRAY(String(20)), nullable=False),
    Column("price_ref", Double),
    Column("in_stock", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("indexed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # No index on `ships_to`: most listings of a hub ship to its buyers (~60 % in the benchmark), and a
    # bitmap of them cost more than the filter on the rows the text index finds.
    Index("ix_listing_document_tsv", "tsv", postgresql_using="gin"),
    Index("ix_listing_document_eligible_in", "eligible_in", postgresql_using="gin"),
    Index("ix_listing_document_inclusion", "inclusion", postgresql_using="gin"),
    Index(
        "ix_listing_document_classification",
        "classification_digits",
        postgresql_ops={"classification_digits": "text_pattern_ops"},
    ),
    Index("ix_listing_document_price_ref", "price_ref"),
    Index("ix_listing_document_created_at", "created_at"),
    schema=SEARCH_SCHEMA,
)

listing_text = Table(
    "listing_text",
    metadata,
    Column(
        "listing_id",
        Uuid,
        ForeignKey(f"{SEARCH_SCHEMA}.listing_document.listing_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("language", String(35), nullable=False),
    Column("config", String(40), nullable=False),
    Column("tsv", TSVECTOR, nullable=False),
    PrimaryKeyConstraint("listing_id", "language"),
    schema=SEARCH_SCHEMA,
)

term = Table(
    "term",
    metadata,
    Column("word", String(40), primary_key=True),
    # GiST, not GIN: typo correction asks for the nearest words by trigram distance (`<->`).
    Index("ix_term_word_trgm", "word", postgresql_using="gist", postgresql_ops={"word": "gist_trgm_ops"}),
    schema=SEARCH_SCHEMA,
)
