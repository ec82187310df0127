"""The PostgreSQL engine writes only what changed: a re-sync of unchanged listings (rates recorded, a
producer's profile saved, drift repair) leaves their rows as they are, so the search tables do not fill
with dead copies of every row (the candidates' scan reads the document table); a rebuild writes all."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import msgspec
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.db import transaction
from search.engines.base import SearchQuery
from search.engines.postgres import PostgresEngine
from tests.factories.search_catalog import catalog

Sessions = async_sessionmaker[AsyncSession]


async def row_versions(sessions: Sessions) -> dict[str, dict[uuid.UUID, str]]:
    """Each document's and text's row version (`xmin`: the transaction that last wrote it)."""
    async with transaction(sessions) as session:
        documents = await session.execute(text("SELECT listing_id, xmin::text FROM search.listing_document"))
        texts = await session.execute(
            text("SELECT listing_id, string_agg(xmin::text, ',' ORDER BY language) FROM search.listing_text GROUP BY 1")
        )
        return {"documents": dict(documents.all()), "texts": dict(texts.all())}


@pytest.fixture
async def postgres_engine(sessions: Sessions) -> AsyncIterator[PostgresEngine]:
    engine = PostgresEngine()
    yield engine
    async with transaction(sessions) as session:
        await engine.clear(session)


async def test_upserting_unchanged_documents_rewrites_no_row_and_a_changed_one_only_its_own(
    sessions: Sessions, postgres_engine: PostgresEngine
) -> None:
    engine = postgres_engine
    documents = catalog()
    async with transaction(sessions) as session:
        await engine.upsert(session, documents)
    before = await row_versions(sessions)

    renamed = documents[0]
    language = next(iter(renamed.translations))
    changed = msgspec.structs.replace(
        renamed,
        translations={
            **renamed.translations,
            language: msgspec.structs.replace(renamed.translations[language], title="Quittenbrotkiste"),
        },
    )
    async with transaction(sessions) as session:
        await engine.upsert(session, [changed, *documents[1:]])
    after = await row_versions(sessions)

    assert {kind: set(rows) for kind, rows in after.items()} == {kind: set(rows) for kind, rows in before.items()}
    assert rewritten(before, after) == {"documents": {renamed.id}, "texts": {renamed.id}}
    unchanged = documents[1]
    async with transaction(sessions) as session:
        found = await engine.search(session, SearchQuery(text="Quittenbrotkiste"))
        still = await engine.search(session, SearchQuery(text=unchanged.translations[unchanged.default_language].title))
    assert [hit.document.id for hit in found.hits] == [renamed.id]
    assert unchanged.id in {hit.document.id for hit in still.hits}


async def test_a_rebuild_rewrites_every_row_even_of_unchanged_documents(
    sessions: Sessions, postgres_engine: PostgresEngine
) -> None:
    """`search reindex` after the engine's own indexing changed (a stemmer, the weights) must reach
    every stored row, not only listings whose document changed."""
    documents = catalog()
    async with transaction(sessions) as session:
        await postgres_engine.upsert(session, documents)
    before = await row_versions(sessions)
    async with transaction(sessions) as session:
        await postgres_engine.upsert(session, documents, rewrite=True)
    after = await row_versions(sessions)
    every = {d.id for d in documents}
    assert rewritten(before, after) == {"documents": every, "texts": every}


def rewritten(
    before: dict[str, dict[uuid.UUID, str]], after: dict[str, dict[uuid.UUID, str]]
) -> dict[str, set[uuid.UUID]]:
    """The listings whose rows of each kind were written between `before` and `after`."""
    return {kind: {i for i in after[kind] if after[kind][i] != before[kind].get(i)} for kind in after}
