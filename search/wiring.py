"""Search's part of the service: the configured engine, kept in sync through the outbox, and the query API."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import structlog

from kernel.contribution import Contribution, provide_value
from search.engines import build_engine
from search.engines.base import SearchEngine, SearchUnavailable
from search.engines.postgres_tables import SEARCH_SCHEMA
from search.hub_vocabulary.controllers import HubVocabularyController
from search.indexing import subscribers
from search.query.controllers import SearchController
from search.settings import SearchSettings

_log = structlog.get_logger("borderhub.search")


def register(settings: SearchSettings, engine: SearchEngine | None = None) -> Contribution:
    """Provides `search_engine`; `engine` replaces the configured one (tests use a flaky one)."""
    engine = engine or build_engine(settings)

    @contextlib.asynccontextmanager
    async def prepared() -> AsyncIterator[None]:
        try:
            await engine.prepare()
        except SearchUnavailable as exc:
            # Run anyway: the catalog does not need search, indexing retries until it is back,
            # and the query API answers 503 meanwhile.
            _log.error("search engine not ready; search answers 503 until it is", detail=exc.detail)
        try:
            yield
        finally:
            await engine.close()

    return Contribution(
        schema=SEARCH_SCHEMA,
        route_handlers=[SearchController, HubVocabularyController],
        dependencies={"search_engine": provide_value(engine)},
        subscribers=subscribers.subscribers(engine),
        schedules=subscribers.schedules(engine),
        lifespan=[prepared],
    )
