"""What `GET /api/v1/search/listings` answers."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import msgspec


class ConvertedPrice(msgspec.Struct, frozen=True, kw_only=True):
    """The unit price in the currency the caller asked for, at a recorded rate."""

    unit_price: Decimal
    currency: str
    rate: Decimal
    as_of: dt.date
    source: str


class Highlights(msgspec.Struct, frozen=True, kw_only=True):
    """Title and description excerpts with the matched words in <mark>...</mark> (plain text otherwise)."""

    title: str
    description: str


class Match(msgspec.Struct, frozen=True, kw_only=True):
    """How a listing matched the query: `via` is `words` (its own words), `translation` (written in
    another language, in words the vocabulary gives for the query's: "also in Polish: miód"), `synonym`
    (another word of the query's language: `Topfen` for `Quark`), `category` (its classification is what
    the query names) or `producer` (the query names its producer)."""

    via: str
    language: str | None
    """The language of the text that matched."""
    term: str | None
    """With `translation`, `synonym` and `category`: the vocabulary's word in that language ("miód")."""


class ListingHit(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    organization_id: uuid.UUID
    producer_name: str
    language: str
    """The translation shown (the caller's language when the listing has it)."""
    title: str
    description: str
    highlights: Highlights | None
    classification_scheme: str
    classification_code: str
    unit: str
    unit_price: Decimal
    """Per unit, for the minimum order, in `currency` (the producer's)."""
    currency: str
    converted: ConvertedPrice | None
    in_stock: bool
    origin_country: str
    origin_subdivision: str | None
    ships_to: list[str]
    inclusion: list[str]
    """Hub-verified inclusion attributes of the producer."""
    score: float | None
    matched: Match | None
    """None when browsing."""
    created_at: dt.datetime


class PriceBucket(msgspec.Struct, frozen=True, kw_only=True):
    """Matches with a unit price in [min, max) of `currency` (max null: no upper end)."""

    min: Decimal
    max: Decimal | None
    count: int


class Facets(msgspec.Struct, frozen=True, kw_only=True):
    classification: dict[str, int]
    """By the first two digits of the code (CPV division, HS chapter)."""
    origin_country: dict[str, int]
    inclusion: dict[str, int]
    price: list[PriceBucket]


class AppliedQuery(msgspec.Struct, frozen=True, kw_only=True):
    """How the request was understood (defaults included), so a client can show it."""

    q: str
    language: str | None
    ships_to: str | None
    """The destination listings must ship to (the caller's organisation's by default), or null for anywhere."""
    eligible_for: str | None
    currency: str
    sort: str


class SearchPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ListingHit]
    total: int
    total_exact: bool
    """False: counting stopped after the first 500 matches (or the end of the page asked) and more
    than `total` listings match ("more than 500 results")."""
    page: int
    per_page: int
    facets: Facets | None
    """Only with `facets=true`; when `total_exact` is false they count the matches counted, not all."""
    query: AppliedQuery
    engine: str
    took_ms: float
