"""The configured search engine (SEARCH_BACKEND)."""

from __future__ import annotations

from search.engines.base import SearchEngine
from search.engines.postgres import PostgresEngine
from search.settings import SearchSettings


def build_engine(settings: SearchSettings) -> SearchEngine:
    """The engine SEARCH_BACKEND names; raises `ValueError` for Meilisearch without MEILISEARCH_URL."""
    if settings.backend == "meilisearch":
        if not settings.meilisearch_url:
            raise ValueError("SEARCH_BACKEND=meilisearch needs MEILISEARCH_URL")
        from search.engines.meilisearch import MeilisearchEngine  # only loaded when configured

        return MeilisearchEngine(settings.meilisearch_url, settings.meilisearch_api_key, settings.meilisearch_index)
    return PostgresEngine()
