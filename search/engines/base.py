"""The one protocol both search engines implement, and what goes in and out of it.

Engines get the caller's database session on every call: the PostgreSQL engine
writes and reads inside that transaction (so an index update commits with the
outbox delivery that caused it); the Meilisearch engine ignores it.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.errors import Unavailable
from search.document import SearchDocument

#: Facets reported when asked (`SearchQuery.facets`): field name -> value -> number of matching listings.
FACETS = ("classification", "origin_country", "inclusion")
#: Matches are counted exactly up to this many by default; beyond, `total` may be a lower bound
#: (as Meilisearch's `estimatedTotalHits`): counting a fifth of the catalog costs more than the page.
#: 500, not 1,000: checking and ranking each counted match is most of a common word's search; at 500
#: the text shapes' p95 with 8 clients on 2 cores went from 47–80 ms to 45–51 ms (benchmarks/README.md).
COUNT_UP_TO = 500
#: The classification facet groups codes by their first two digits (CPV division, HS chapter).
CLASSIFICATION_FACET_DIGITS = 2


class SearchUnavailable(Unavailable):
    """The search engine could not be reached or refused the request (503)."""

    slug = "search-unavailable"


class Sort(enum.StrEnum):
    relevance = "relevance"
    price_asc = "price_asc"
    price_desc = "price_desc"
    newest = "newest"


class MatchedVia(enum.StrEnum):
    """How a listing matched a query."""

    words = "words"
    """The query's own words (or typos of them, their lemmas, compound parts) are in its text."""
    translation = "translation"
    """It is written in another language than the query, in words the vocabulary gives for the query's
    (`miód` for `honey`)."""
    synonym = "synonym"
    """Another word of the query's language for the same thing (`Topfen` for `Quark`)."""
    category = "category"
    """Its classification is the concept's the query names (only its code matched)."""
    producer = "producer"
    """The query names its producer (no listing's text matched)."""


class PriceRange(msgspec.Struct, frozen=True):
    """[low, high) in the reference currency; None is open."""

    low: float | None
    high: float | None


class SearchQuery(msgspec.Struct, frozen=True, kw_only=True):
    text: str = ""
    """Free text in any language; empty browses."""
    language: str | None = None
    """Primary language subtag of the query (`de`): listings written in it rank first."""
    classification_prefix: str | None = None
    """Digits the classification code starts with."""
    origin_country: str | None = None
    origin_subdivision: str | None = None
    ships_to: list[str] | None = None
    """Listings shipping to any of these areas (a destination and the areas enclosing it)."""
    eligible_for: str | None = None
    inclusion: list[str] = msgspec.field(default_factory=list)
    """Every one of these verified attributes."""
    organization_id: uuid.UUID | None = None
    price: PriceRange | None = None
    in_stock: bool = False
    """Only listings with a minimum order in stock."""
    sort: Sort = Sort.relevance
    offset: int = 0
    limit: int = 20
    facets: bool = False
    """Count the matches per value of each of FACETS; off, `SearchResult.facets` is empty."""
    price_buckets: list[PriceRange] = msgspec.field(default_factory=list)
    """Ranges to count matches in (facet); empty for none."""
    count_up_to: int = COUNT_UP_TO
    """Count matches exactly up to this many (or to the end of the page asked, if further); beyond,
    an engine may stop counting and answer a lower bound (`SearchResult.total_exact` false)."""
    highlight_language: str | None = None
    """The caller's language: the translation to show and highlight when the listing has it
    (else the one that matched, else the listing's default; see `display_language`)."""


class Hit(msgspec.Struct, frozen=True, kw_only=True):
    document: SearchDocument
    score: float | None
    language: str | None = None
    """The translation that matched the query best (None when browsing or unknown)."""
    highlights: dict[str, str]
    """`title` and `description` of the highlighted translation with matches in <mark>...</mark>."""
    matched_via: MatchedVia | None = None
    """How it matched (None when browsing)."""
    matched_term: str | None = None
    """With a translation, synonym or category match, the vocabulary's word in the matched text's language
    for what the query names ("miód"), so a page can say "also in Polish: miód"."""


class SearchResult(msgspec.Struct, frozen=True, kw_only=True):
    hits: list[Hit]
    total: int
    total_exact: bool = True
    """False when the engine stopped counting: more than `total` listings match. Facet and price
    bucket counts then count only the matches that were counted (a sample, not the whole)."""
    facets: dict[str, dict[str, int]]
    """Empty unless `SearchQuery.facets` was asked."""
    price_buckets: list[int]
    """Matches per `SearchQuery.price_buckets`, in the same order."""


@runtime_checkable  # handlers receive it as a typed dependency, which Litestar checks with isinstance
class SearchEngine(Protocol):
    name: str

    async def prepare(self) -> None:
        """Create or update the index and its settings (idempotent; run at start-up)."""

    async def upsert(
        self, session: AsyncSession, documents: Sequence[SearchDocument], *, rewrite: bool = False
    ) -> None:
        """Add or replace documents (by id). An engine may leave a document stored exactly as given
        untouched; `rewrite` writes every one (a rebuild, after the engine's own indexing changed)."""

    async def delete(self, session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
        """Remove documents; unknown ids are ignored."""

    async def search(self, session: AsyncSession, query: SearchQuery) -> SearchResult: ...

    async def fetch(self, session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, SearchDocument]:
        """The stored documents with these ids (missing ones are left out)."""

    async def ids(self, session: AsyncSession) -> set[uuid.UUID]:
        """Every stored document's id (for `borderhub search check`)."""

    async def clear(self, session: AsyncSession) -> None:
        """Remove every document."""

    async def close(self) -> None:
        """Release connections (at shutdown)."""
