"""What the PostgreSQL engine makes of a query, checked against the database: the simplified tsqueries
match exactly the texts the queries as built matched, and an application that keeps understood queries
sees the words indexed after it first understood one."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator

import msgspec
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.db import transaction
from search.engines.base import SearchQuery
from search.engines.postgres import PostgresEngine
from search.engines.tsquery import alternatives, simplified
from tests.factories.search_catalog import catalog

Sessions = async_sessionmaker[AsyncSession]

#: Queries as `postgres_understanding` builds them (terms of many languages OR'ed, the last word also a
#: prefix), and the shapes the simplification handles apart (negation, phrase, weights).
BUILT = [
    "('cpv15831600' | 'hs0409') | ((('bee' & 'honey' | 'honey') | ('bic' & 'med' | 'med' | 'med')"
    " | ('mel' | 'mel' & 'abelh') | ((('hone') | ('honey':*)))))",
    "((('fresh') | ('fresh':*))) & ((('honey' | 'med') | ('honey' & 'bee') | ('hon':*)))",
    "('ab':* & 'abc') | ('abd' & ('abd' | 'x')) | 'ab':*A",
    "!'med' & ('med' | 'mel') | 'mel' <-> 'abelh' | 'mel' & 'mel' <-> 'abelh'",
]


@pytest.fixture
async def postgres_engine(sessions: Sessions) -> AsyncIterator[PostgresEngine]:
    engine = PostgresEngine()
    yield engine
    async with transaction(sessions) as session:
        await engine.clear(session)


@pytest.mark.parametrize("built", BUILT)
async def test_a_simplified_query_matches_exactly_the_texts_the_built_one_did(sessions: Sessions, built: str) -> None:
    lexemes = sorted(set(re.findall(r"'([^']+)'", built)))
    # Every text of up to three of the query's lexemes, or of longer words a prefix begins, in every
    # order (a phrase's order decides it), unweighted and weighted A.
    words = [*lexemes, *(f"{lexeme}z" for lexeme in re.findall(r"'([^']+)':\*", built))]
    texts = [" ".join(chosen) for size in range(4) for chosen in itertools.permutations(words, size)]
    async with transaction(sessions) as session:
        rows = await session.execute(
            text(
                "SELECT t, to_tsvector('simple', t) @@ CAST(:built AS tsquery),"
                " to_tsvector('simple', t) @@ CAST(:simple AS tsquery),"
                " setweight(to_tsvector('simple', t), 'A') @@ CAST(:built AS tsquery),"
                " setweight(to_tsvector('simple', t), 'A') @@ CAST(:simple AS tsquery),"
                " to_tsvector('simple', t) @@ ANY(CAST(:any AS tsquery[]))"
                " FROM unnest(CAST(:texts AS text[])) AS t"
            ),
            {"built": built, "simple": simplified(built), "any": alternatives(simplified(built)), "texts": texts},
        )
        found = rows.all()
    # The texts tell matches from others, and the simplified query (alone or as alternatives) agrees on each.
    assert any(row[1] for row in found)
    assert not all(row[1] for row in found)
    assert [row[0] for row in found if row[1] != row[2] or row[3] != row[4] or row[1] != row[5]] == []


async def test_a_typo_finds_a_word_indexed_after_the_query_was_first_understood(
    sessions: Sessions, postgres_engine: PostgresEngine
) -> None:
    documents = catalog()
    first = documents[0]
    language = next(iter(first.translations))
    fresh = msgspec.structs.replace(
        first,
        translations={language: msgspec.structs.replace(first.translations[language], title="Sanddornsaft")},
    )
    async with transaction(sessions) as session:
        await postgres_engine.upsert(session, documents[1:])
    query = SearchQuery(text="Sanddornsatf", language="de")  # two letters swapped: two typos, from nine letters
    async with transaction(sessions) as session:
        assert (await postgres_engine.search(session, query)).hits == []
    async with transaction(sessions) as session:
        await postgres_engine.upsert(session, [fresh])
    async with transaction(sessions) as session:
        found = await postgres_engine.search(session, query)
    assert [hit.document.id for hit in found.hits] == [fresh.id]
