"""The PostgreSQL engine's tables (schema `search`): documents, their per-language text vectors and
the vocabulary that typo correction looks words up in. Created by migration 0008; the documents' union
of their texts' vectors (`tsv`, where a search finds its candidates) by 0030; the concepts of goods and
services with their terms in many languages (`concept`, `concept_term`) by 0031."""

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
    SmallInteger,
    String,
    Table,
    Text,
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
    # The producer's name, apart from the texts: it matches only when no text does (a query naming the
    # producer), so a word in a name never brings in every listing of that producer (migration 0031).
    Column("name_tsv", TSVECTOR, nullable=False, server_default=""),
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
    Index("ix_listing_document_name_tsv", "name_tsv", postgresql_using="gin"),
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

concept = Table(
    "concept",
    metadata,
    Column("id", String(80), primary_key=True),
    # The hub whose coordinators added it; NULL for the platform's own (the starter vocabulary).
    Column("hub_id", Uuid),
    Column("hs", ARRAY(String(10)), nullable=False, server_default="{}"),
    Column("cpv", ARRAY(String(8)), nullable=False, server_default="{}"),
    schema=SEARCH_SCHEMA,
)

concept_term = Table(
    "concept_term",
    metadata,
    Column("concept_id", String(80), ForeignKey(f"{SEARCH_SCHEMA}.concept.id", ondelete="CASCADE"), nullable=False),
    Column("language", String(8), nullable=False),
    Column("term", String(120), nullable=False),
    # 0 for the concept's name in the language, then its other terms in the order given.
    Column("position", SmallInteger, nullable=False),
    Column("hub_id", Uuid),
    # Text, not 120 characters: unaccent lengthens some letters (`½` is ` 1/2`).
    # What a query's words are compared with: the term folded (`unaccent`, lower case), and its words as
    # its language's stemmer leaves them (`breads` finds `bread`), in the term's order.
    Column("folded", Text, nullable=False),
    Column("stemmed", Text, nullable=False),
    PrimaryKeyConstraint("concept_id", "language", "term"),
    Index("ix_concept_term_folded", "folded"),
    Index("ix_concept_term_stemmed", "stemmed"),
    schema=SEARCH_SCHEMA,
)
