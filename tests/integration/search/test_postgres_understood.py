"""What the PostgreSQL engine makes of a query, checked against the database: the simplified tsqueries
match exactly the texts the queries as built matched (hand-written shapes, and the engine's own for
real queries over the test catalog), and an application keeps what it understood of a query, per
language, and sees the words indexed after it first understood one."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator

import msgspec
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.db import transaction
from search.engines import postgres_understanding
from search.engines.base import SearchQuery
from search.engines.postgres import PostgresEngine
from search.engines.postgres_understanding import Understood
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


#: Real queries of the test catalog: a word many languages name, two words with a prefix, French with a
#: stop word, a word that is a stop word in some languages, a compound's head, a typo.
REAL = [
    ("honey", "en"),
    ("knackige äp", "de"),
    ("confiture de fraises", "fr"),
    ("con", "es"),
    ("Kerzen", "de"),
    ("olivve", "en"),
]


@pytest.mark.parametrize(("words", "language"), REAL)
async def test_the_engines_simplified_queries_match_the_catalog_as_built_ones_do(
    sessions: Sessions, postgres_engine: PostgresEngine, monkeypatch: pytest.MonkeyPatch, words: str, language: str
) -> None:
    async with transaction(sessions) as session:
        await postgres_engine.upsert(session, catalog())
    query_words = words.split()
    async with transaction(sessions) as session:
        simple = await postgres_engine._understand(session, query_words, language)
    with monkeypatch.context() as patched:
        patched.setattr(postgres_understanding, "simplified", lambda query: query)
        patched.setattr(postgres_understanding, "alternatives", lambda query: [query] if query else [])
        async with transaction(sessions) as session:
            built = await postgres_engine._understand(session, query_words, language)
    assert len(simple.loose) < len(built.loose)  # there was something to simplify

    def pairs(understood: Understood) -> dict[str, list[str]]:
        return {
            "loose": understood.loose_any,
            "words": understood.words_any,
            **{f"own {c}": [q] for c, q in understood.own.items() if q},
            **{f"translated {lang}": [q] for lang, q in understood.translated.items() if q},
        }

    async with transaction(sessions) as session:
        for name, queries in pairs(built).items():
            sql = _DOCUMENTS if name in {"loose", "words"} else _TEXTS
            as_built = (await session.execute(text(sql), {"q": queries})).all()
            as_simplified = (await session.execute(text(sql), {"q": pairs(simple)[name]})).all()
            assert as_simplified == as_built, name
        assert (await session.execute(text(_DOCUMENTS), {"q": simple.loose_any})).all()


_DOCUMENTS = "SELECT listing_id FROM search.listing_document WHERE tsv @@ ANY(CAST(:q AS tsquery[])) ORDER BY 1"
_TEXTS = "SELECT listing_id, language FROM search.listing_text WHERE tsv @@ ANY(CAST(:q AS tsquery[])) ORDER BY 1, 2"


async def test_a_query_is_understood_once_a_minute_per_language(
    sessions: Sessions, postgres_engine: PostgresEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with transaction(sessions) as session:
        await postgres_engine.upsert(session, catalog())
    understood: list[tuple[list[str], str]] = []
    understand = postgres_engine._understand

    async def counted(session: AsyncSession, query_words: list[str], language: str) -> Understood:
        understood.append((query_words, language))
        return await understand(session, query_words, language)

    monkeypatch.setattr(postgres_engine, "_understand", counted)
    for text_, language in [
        ("honey", "en"),
        ("Honey ", "en"),
        ("honey", "de"),
        ("honey honey", "en"),
        ("linden honey", "en"),
    ]:
        async with transaction(sessions) as session:
            found = await postgres_engine.search(session, SearchQuery(text=text_, language=language))
        assert found.hits, text_
    # The same words again (case, spaces and repetition aside) are not understood again; in another
    # language, or other words, they are.
    assert understood == [(["honey"], "en"), (["honey"], "de"), (["linden", "honey"], "en")]
