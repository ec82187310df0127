"""search vocabulary: concepts of goods and services with terms in many languages; producer names apart

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-12 08:00:00+00:00

`search.concept` and `search.concept_term` hold the multilingual vocabulary a query is understood with
(honey is Honig, miód, med, mesi ...), loaded here with the starter vocabulary the project ships
(`search/vocabulary/starter.jsonl`, as the file is when this runs) by SQL of this revision's own, so
that later changes of the engine's loader never change what this migration does; hubs add their
terms beside it, and `borderhub search vocabulary` loads a corrected file again.
Documents get the producer's name in a vector of its own (`name_tsv`): it no longer sits in every
text, where a word of it matched every listing of that producer. Existing documents keep the name in
their texts until `borderhub search reindex` (which this release's notes ask for: texts are also indexed
with lemmas and compound parts now). A downgrade leaves the names out of the texts of documents written
since, until the reindex after it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "search"
STARTER = Path(__file__).resolve().parents[2] / "search" / "vocabulary" / "starter.jsonl"
#: The text search configuration of each starter language with a stemmer (the others: `search.simple`).
STEMMED = {
    "de": "german", "en": "english", "fr": "french", "es": "spanish", "pt": "portuguese", "it": "italian",
    "nl": "dutch", "hu": "hungarian", "lt": "lithuanian", "ro": "romanian",
}  # fmt: skip
#: A term's words as a query's are read: letters and digits, lower case (`search.document.words`).
WORD = re.compile(r"[^\W_]+")
LOAD_CONCEPTS = """
INSERT INTO search.concept (id, hs, cpv)
SELECT c->>'id', ARRAY(SELECT jsonb_array_elements_text(c->'hs')), ARRAY(SELECT jsonb_array_elements_text(c->'cpv'))
FROM jsonb_array_elements(CAST(:concepts AS jsonb)) AS c
"""
LOAD_TERMS = """
INSERT INTO search.concept_term (concept_id, language, term, position, folded, stemmed)
SELECT t->>'concept', t->>'language', t->>'term', CAST(t->>'position' AS smallint), lower(unaccent(t->>'words')),
       array_to_string(ARRAY(
           SELECT lexeme FROM unnest(to_tsvector(CAST(t->>'config' AS regconfig), t->>'words')) ORDER BY positions[1]
       ), ' ')
FROM jsonb_array_elements(CAST(:terms AS jsonb)) AS t
ON CONFLICT DO NOTHING
"""


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
        sa.Column("folded", sa.Text(), nullable=False),
        sa.Column("stemmed", sa.Text(), nullable=False),
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
    concepts = [json.loads(line) for line in STARTER.read_text(encoding="utf-8").splitlines() if line.strip()]
    terms = [
        {
            "concept": concept["id"],
            "language": language,
            "term": term,
            "position": position,
            "words": " ".join(WORD.findall(term.casefold())),
            "config": f"search.{STEMMED.get(language, 'simple')}",
        }
        for concept in concepts
        for language, terms_of in concept["terms"].items()
        for position, term in enumerate(terms_of)
    ]
    op.execute(sa.text(LOAD_CONCEPTS).bindparams(concepts=json.dumps(concepts)))
    op.execute(sa.text(LOAD_TERMS).bindparams(terms=json.dumps(terms)))


def downgrade() -> None:
    op.drop_index("ix_listing_document_name_tsv", table_name="listing_document", schema=SCHEMA)
    op.drop_column("listing_document", "name_tsv", schema=SCHEMA)
    op.drop_table("concept_term", schema=SCHEMA)
    op.drop_table("concept", schema=SCHEMA)
