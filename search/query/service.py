"""The search use case: check the caller's parameters, apply defaults, ask the engine, present hits."""

from __future__ import annotations

import datetime as dt
import itertools
import time
import uuid
from decimal import Decimal

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock, codes
from kernel.auth import Principal
from kernel.errors import InvalidInput, NotFound
from kernel.fx import FoundRate, kept_rate
from kernel.pagination import page_params
from marketplace import api
from search.document import REFERENCE_CURRENCY, SearchDocument, display_language, primary_language
from search.engines.base import Hit, PriceRange, SearchEngine, SearchQuery, Sort
from search.query.schemas import (
    AppliedQuery,
    ConvertedPrice,
    Facets,
    Highlights,
    ListingHit,
    Match,
    PriceBucket,
    SearchPage,
)

MAX_QUERY_LENGTH = 200
#: Deep paging costs the engines more with every page and nobody reads page 500: narrow the search.
MAX_RESULT_WINDOW = 10_000
MAX_CLASSIFICATION_DIGITS = 10
MAX_PRICE_DIGITS = 12
#: Edges of the price facet's buckets, in the display currency per unit.
PRICE_EDGES = (Decimal(1), Decimal(5), Decimal(10), Decimal(25), Decimal(50), Decimal(100), Decimal(250))
ANYWHERE = "any"
#: A converted unit price is shown to four places.
CONVERTED_PLACES = Decimal("0.0001")


class SearchParams(msgspec.Struct, kw_only=True, frozen=True):
    """The request's parameters as given (strings are checked here, not by the web layer)."""

    q: str = ""
    languages: tuple[str, ...] = ()
    """Preferred languages, best first (`lang`, else Accept-Language)."""
    classification: str | None = None
    origin_country: str | None = None
    origin_subdivision: str | None = None
    ships_to: str | None = None
    buyer: uuid.UUID | None = None
    eligible_for: str | None = None
    inclusion: tuple[str, ...] = ()
    producer: uuid.UUID | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    currency: str | None = None
    in_stock: bool = False
    sort: str = Sort.relevance.value
    page: int = 1
    per_page: int = 20
    facets: bool = False
    """Count the matches by classification, origin, inclusion and price (costs more)."""


async def search_listings(
    session: AsyncSession, engine: SearchEngine, principal: Principal, params: SearchParams
) -> SearchPage:
    """Offered listings matching the text and filters, one page, with facet counts when asked.

    The matches are counted up to 500 (or to the end of the page asked); beyond, `total_exact` is
    false and `total` a lower bound, and relevance ranks the matches counted (see the engines).

    `ships_to` defaults to where the caller's buying organisation (`buyer`, or their
    only one) is; `any` lifts it. Raises `InvalidInput` (422) naming the parameter
    for text over 200 characters, unknown codes, attributes or sort orders, a
    negative or inverted price range, a currency without a recorded rate, an
    `eligible_for` outside every hub, and pages beyond the first 10,000 results.
    """
    started = time.perf_counter()
    if len(params.q) > MAX_QUERY_LENGTH:
        raise InvalidInput.query("q", f"at most {MAX_QUERY_LENGTH} characters")
    page = page_params(params.page, params.per_page)
    if page.offset + page.per_page > MAX_RESULT_WINDOW:
        raise InvalidInput.query("page", f"only the first {MAX_RESULT_WINDOW} results can be paged; narrow the search")
    try:
        sort = Sort(params.sort)
    except ValueError:
        raise InvalidInput.query("sort", f"one of {', '.join(s.value for s in Sort)}") from None
    today = clock.today()
    currency = codes.currency(params.currency, "query:currency") if params.currency else REFERENCE_CURRENCY
    to_reference = await _rate(session, currency, REFERENCE_CURRENCY, today, "query:currency")
    destination = await _destination(session, principal, params)
    language = primary_language(params.languages[0]) if params.languages else None
    query = SearchQuery(
        text=params.q.strip(),
        language=language,
        classification_prefix=_classification(params.classification),
        origin_country=codes.country(params.origin_country, "query:origin_country") if params.origin_country else None,
        origin_subdivision=(
            codes.subdivision(params.origin_subdivision, "query:origin_subdivision")
            if params.origin_subdivision
            else None
        ),
        ships_to=[destination, *codes.jurisdiction_parents(destination)] if destination else None,
        eligible_for=await _eligible_for(session, params.eligible_for),
        inclusion=_inclusion(params.inclusion),
        organization_id=params.producer,
        price=_price_range(params.price_min, params.price_max, to_reference),
        in_stock=params.in_stock,
        sort=sort,
        offset=page.offset,
        limit=page.per_page,
        facets=params.facets,
        price_buckets=[
            PriceRange(_scaled(low, to_reference), _scaled(high, to_reference))
            for low, high in (_bucket_edges() if params.facets else [])
        ],
        highlight_language=params.languages[0] if params.languages else None,
    )
    result = await engine.search(session, query)
    rates = {
        listing_currency: await _shown_rate(session, listing_currency, currency, today)
        for listing_currency in {hit.document.currency for hit in result.hits} - {currency}
    }
    return SearchPage(
        items=[_hit(hit, params.languages, currency, rates.get(hit.document.currency)) for hit in result.hits],
        total=result.total,
        total_exact=result.total_exact,
        page=page.page,
        per_page=page.per_page,
        facets=(
            Facets(
                classification=result.facets.get("classification", {}),
                origin_country=result.facets.get("origin_country", {}),
                inclusion=result.facets.get("inclusion", {}),
                price=[
                    PriceBucket(min=low or Decimal(0), max=high, count=count)
                    for (low, high), count in zip(_bucket_edges(), result.price_buckets, strict=True)
                ],
            )
            if params.facets
            else None
        ),
        query=AppliedQuery(
            q=query.text,
            language=language,
            ships_to=destination,
            eligible_for=query.eligible_for,
            currency=currency,
            sort=sort.value,
        ),
        engine=engine.name,
        took_ms=round((time.perf_counter() - started) * 1000, 1),
    )


# A search converts at the rates the application keeps (`kernel.fx.kept_rate`): in a process other than
# the one that stored a new rate, the previous one may be used for up to a minute, and every converted
# price names the rate and the date it was converted at.
async def _rate(session: AsyncSession, base: str, quote: str, on: dt.date, field: str) -> Decimal:
    try:
        rate, _, _ = await kept_rate(session, base, quote, on)
    except NotFound as exc:
        raise InvalidInput.field(field, exc.detail) from None
    return rate


async def _shown_rate(session: AsyncSession, base: str, quote: str, on: dt.date) -> FoundRate | None:
    """The rate a listing's price is shown converted at (None: shown in its own currency only)."""
    try:
        return await kept_rate(session, base, quote, on)
    except NotFound:
        return None


async def _destination(session: AsyncSession, principal: Principal, params: SearchParams) -> str | None:
    if params.ships_to is not None:
        return (
            None
            if params.ships_to.strip().lower() == ANYWHERE
            else codes.jurisdiction(params.ships_to, "query:ships_to")
        )
    return await api.buying_jurisdiction(session, principal, params.buyer)


def _classification(value: str | None) -> str | None:
    if value is None:
        return None
    digits = value.replace(".", "").replace("-", "").replace(" ", "")
    if not digits.isdigit() or not 1 <= len(digits) <= MAX_CLASSIFICATION_DIGITS:
        raise InvalidInput.query("classification", "the first digits of a CPV or HS code, e.g. 0702 or 03221")
    return digits


async def _eligible_for(session: AsyncSession, value: str | None) -> str | None:
    if value is None:
        return None
    jurisdiction = codes.jurisdiction(value, "query:eligible_for")
    known = await api.hub_jurisdictions(session)
    if jurisdiction not in known:
        raise InvalidInput.query(
            "eligible_for", f"eligibility is known for the hubs' jurisdictions: {', '.join(sorted(known)) or 'none'}"
        )
    return jurisdiction


def _inclusion(values: tuple[str, ...]) -> list[str]:
    known = {a.value for a in api.InclusionAttribute}
    for value in values:
        if value not in known:
            raise InvalidInput.query("inclusion", f"{value!r} is not one of {', '.join(sorted(known))}")
    return sorted(set(values))


def _price_range(low: Decimal | None, high: Decimal | None, to_reference: Decimal) -> PriceRange | None:
    if low is None and high is None:
        return None
    minimum, maximum = _amount(low, "price_min"), _amount(high, "price_max")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise InvalidInput.query("price_min", "must not be above price_max")
    # The range is inclusive of price_max for the caller; the engines take [low, high).
    upper = _scaled(maximum, to_reference)
    return PriceRange(_scaled(minimum, to_reference), upper * (1 + 1e-9) if upper is not None else None)


def _amount(value: Decimal | None, parameter: str) -> Decimal | None:
    # Finite, below 10^MAX_PRICE_DIGITS and to six places already (the parameter's type).
    if value is not None and value < 0:
        raise InvalidInput.query(parameter, "must not be negative")
    return value


def _scaled(amount: Decimal | None, rate: Decimal) -> float | None:
    return float(amount * rate) if amount is not None else None


def _bucket_edges() -> list[tuple[Decimal | None, Decimal | None]]:
    edges: list[Decimal | None] = [None, *PRICE_EDGES, None]
    return list(itertools.pairwise(edges))


def _hit(hit: Hit, languages: tuple[str, ...], currency: str, rate: FoundRate | None) -> ListingHit:
    document: SearchDocument = hit.document
    language = display_language(document, languages[0] if languages else None, hit.language)
    text = document.translations[language]
    converted = None
    if rate is not None:
        converted = ConvertedPrice(
            unit_price=(document.unit_price * rate[0]).quantize(CONVERTED_PLACES),
            currency=currency,
            rate=rate[0],
            as_of=rate[1],
            source=rate[2],
        )
    return ListingHit(
        id=document.id,
        organization_id=document.organization_id,
        producer_name=document.producer_name,
        language=language,
        title=text.title,
        description=text.description,
        highlights=Highlights(**hit.highlights) if hit.highlights else None,
        classification_scheme=document.classification_scheme,
        classification_code=document.classification_code,
        unit=document.unit_code,
        unit_price=document.unit_price,
        currency=document.currency,
        converted=converted,
        in_stock=document.in_stock,
        origin_country=document.origin_country,
        origin_subdivision=document.origin_subdivision,
        ships_to=document.ships_to,
        inclusion=document.inclusion,
        score=hit.score,
        matched=(Match(via=hit.matched_via, language=hit.language, term=hit.matched_term) if hit.matched_via else None),
        created_at=document.created_at,
    )
