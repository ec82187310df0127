"""The PostgreSQL engine writes only what changed: a re-sync of unchanged listings (a reindex, rates
recorded, a producer's profile saved) leaves their rows as they are, so the search tables do not fill
with dead copies of every row (the candidates' scan reads the document table)."""

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

    rewritten = {kind: {i for i in after[kind] if after[kind][i] != before[kind].get(i)} for kind in after}
    assert rewritten == {"documents": {renamed.id}, "texts": {renamed.id}}
    async with transaction(sessions) as session:
        found = await engine.search(session, SearchQuery(text="Quittenbrotkiste"))
    assert [hit.document.id for hit in found.hits] == [renamed.id]
