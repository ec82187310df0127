"""HTTP endpoint of listing search."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, HeaderParameter, QueryParameter

from kernel import codes
from kernel.negotiation import accepted_languages
from kernel.pagination import page_params
from kernel.validation import bounded
from kernel.web import Caller, Session
from search.engines.base import SearchEngine
from search.query.schemas import SearchPage
from search.query.service import MAX_PRICE_DIGITS, SearchParams, search_listings

PriceFilter = Annotated[Decimal, bounded(places=6, below=10**MAX_PRICE_DIGITS)]


def provide_search_params(
    q: Annotated[str, QueryParameter(description="Words in any language; empty browses")] = "",
    lang: Annotated[str | None, QueryParameter(description="BCP 47 tag; wins over Accept-Language")] = None,
    accept_language: Annotated[str | None, HeaderParameter(name="Accept-Language")] = None,
    classification: Annotated[str | None, QueryParameter(description="CPV/HS code prefix, e.g. 0702")] = None,
    origin_country: Annotated[str | None, QueryParameter(description="ISO 3166-1 alpha-2")] = None,
    origin_subdivision: Annotated[str | None, QueryParameter(description="ISO 3166-2")] = None,
    ships_to: Annotated[
        str | None,
        QueryParameter(description="Destination (ISO 3166); default: your buying organisation's; `any`: anywhere"),
    ] = None,
    buyer: Annotated[
        uuid.UUID | None, QueryParameter(description="Your buying organisation, if you belong to several")
    ] = None,
    eligible_for: Annotated[
        str | None, QueryParameter(description="Only producers meeting this hub jurisdiction's requirements")
    ] = None,
    inclusion: Annotated[
        list[str] | None, QueryParameter(description="Verified attributes, all required (repeatable)")
    ] = None,
    producer: Annotated[uuid.UUID | None, QueryParameter(description="One producer's listings")] = None,
    price_min: Annotated[PriceFilter | None, QueryParameter(description="Unit price at least, in `currency`")] = None,
    price_max: Annotated[PriceFilter | None, QueryParameter(description="Unit price at most, in `currency`")] = None,
    currency: Annotated[str | None, QueryParameter(description="For prices and price filters; default EUR")] = None,
    in_stock: Annotated[bool, QueryParameter(description="Only listings with a minimum order in stock")] = False,
    sort: Annotated[str, QueryParameter(description="relevance, price_asc, price_desc or newest")] = "relevance",
    facets: Annotated[
        bool, QueryParameter(description="Also count the matches by classification, origin, inclusion and price")
    ] = False,
    page: FromQuery[int] = 1,
    per_page: FromQuery[int] = 20,
) -> SearchParams:
    """The `params` dependency: the query parameters of a listing search, each listed once.

    `page` and `per_page` are taken here, as the `paging` dependency takes them, rather than from it:
    a dependency of a dependency puts `params` a level below the others, and Litestar resolves each
    level of more than one in a task group of its own, on every search (`benchmarks/README.md`,
    per-request cost)."""
    paging = page_params(page, per_page)
    languages = (
        (codes.language(lang, "query:lang"),) if lang is not None else tuple(accepted_languages(accept_language or ""))
    )
    return SearchParams(
        q=q,
        languages=languages,
        classification=classification,
        origin_country=origin_country,
        origin_subdivision=origin_subdivision,
        ships_to=ships_to,
        buyer=buyer,
        eligible_for=eligible_for,
        inclusion=tuple(inclusion or ()),
        producer=producer,
        price_min=price_min,
        price_max=price_max,
        currency=currency,
        in_stock=in_stock,
        sort=sort,
        facets=facets,
        page=paging.page,
        per_page=paging.per_page,
    )


class SearchController(Controller):
    path = "/api/v1/search"
    tags = ["search"]
    dependencies = {"params": Provide(provide_search_params, sync_to_thread=False)}

    # 404: a `buyer` that is not one of the caller's organisations.
    @get(
        "/listings",
        summary="Search offered listings in any language, with filters and, when asked, facet counts",
        opt={"problems": (404,)},
    )
    async def listings(
        self,
        principal: Caller,
        db_session: Session,
        search_engine: NamedDependency[SearchEngine],
        params: NamedDependency[SearchParams],
    ) -> SearchPage:
        return await search_listings(db_session, search_engine, principal, params)
