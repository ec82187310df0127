"""Search tests run against every configured engine: PostgreSQL always, Meilisearch when
MEILISEARCH_URL names a reachable server (skipped with the reason otherwise)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.db import transaction
from search.engines.base import SearchEngine
from search.engines.postgres import PostgresEngine

ENGINES = [
    pytest.param("postgres", id="postgres"),
    pytest.param("meilisearch", id="meilisearch", marks=pytest.mark.meilisearch),
]


async def _meilisearch() -> SearchEngine:
    url = os.environ.get("MEILISEARCH_URL")
    if not url:
        pytest.skip("Meilisearch leg: set MEILISEARCH_URL (and MEILISEARCH_API_KEY) to a running server to run it")
    from search.engines.meilisearch import MeilisearchEngine

    # A fresh index per test, so tests never see each other's documents.
    engine = MeilisearchEngine(url, os.environ.get("MEILISEARCH_API_KEY"), f"test-{uuid.uuid4().hex[:12]}")
    await engine.prepare()
    return engine


@pytest.fixture(params=ENGINES)
async def search_engine(
    request: pytest.FixtureRequest, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[SearchEngine]:
    """An empty, prepared engine; emptied again afterwards."""
    engine: SearchEngine = PostgresEngine() if request.param == "postgres" else await _meilisearch()
    yield engine
    async with transaction(sessions) as session:
        await engine.clear(session)
    await engine.close()
