"""Search's settings section: which engine indexes listings."""

from __future__ import annotations

from typing import Literal

import msgspec

SearchBackend = Literal["postgres", "meilisearch"]


class SearchSettings(msgspec.Struct, kw_only=True, frozen=True):
    backend: SearchBackend = "postgres"
    """Where listings are indexed: PostgreSQL full text (in the service's database) or Meilisearch."""
    meilisearch_url: str | None = None
    """Required with SEARCH_BACKEND=meilisearch (`http://127.0.0.1:7700`)."""
    meilisearch_api_key: str | None = None
    meilisearch_index: str = "listings"


ENVIRONMENT = {
    "backend": "SEARCH_BACKEND",
    "meilisearch_url": "MEILISEARCH_URL",
    "meilisearch_api_key": "MEILISEARCH_API_KEY",
    "meilisearch_index": "MEILISEARCH_INDEX",
}
