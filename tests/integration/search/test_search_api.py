"""GET /api/v1/search/listings through HTTP: defaults a buyer relies on, prices in their currency,
languages, and clear 4xx for every kind of bad input (never a 500)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import cache, clock
from kernel.db import transaction
from kernel.fx import RateRow, store_rates
from tests.factories.catalog import create_listing
from tests.factories.identity import register
from tests.factories.order import EUR_PLN, Market, build_market
from tests.factories.organization import create_organization
from tests.worker import drain

SEARCH = "/api/v1/search/listings"


@pytest.fixture
async def market(
    client: AsyncTestClient[Litestar], app: Litestar, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> Market:
    built = await build_market(client, sessions, settings)
    # Only to Lower Silesia (PL-02): a buyer in Saxony must not see it unless they ask for anywhere.
    await create_listing(
        client,
        built.honey_maker,
        built.producer_a,
        translations={"pl": {"title": "Pierogi ruskie"}, "de": {"title": "Russische Piroggen"}},
        classification={"scheme": "CPV", "code": "15894000-3"},
        ships_to=["PL-02"],
    )
    assert settings.database_url is not None
    await drain(settings.database_url, sessions, app.state.registry)
    return built


async def search(client: AsyncTestClient[Litestar], market: Market, **params: Any) -> Any:
    response = await client.get(SEARCH, params=params, headers=market.buyer.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_buyer_sees_only_listings_shipping_to_their_jurisdiction_when_ships_to_is_not_given(
    client: AsyncTestClient[Litestar], market: Market
) -> None:
    default = await search(client, market)
    assert default["query"]["ships_to"] == "DE-SN"
    assert "Pierogi ruskie" not in {i["title"] for i in default["items"]}
    assert default["total"] == 3

    anywhere = await search(client, market, ships_to="any")
    assert anywhere["query"]["ships_to"] is None
    assert anywhere["total"] == 4
    poland = await search(client, market, ships_to="PL-02", q="pierogi")
    assert [i["title"] for i in poland["items"]] == ["Pierogi ruskie"]


async def test_facets_are_counted_only_when_asked_and_the_total_says_whether_it_is_exact(
    client: AsyncTestClient[Litestar], market: Market
) -> None:
    plain = await search(client, market)
    assert (plain["total"], plain["total_exact"], plain["facets"]) == (3, True, None)
    counted = await search(client, market, facets="true")
    assert counted["facets"]["origin_country"] == {"PL": 3}
    assert sum(b["count"] for b in counted["facets"]["price"]) == 3


async def test_search_needs_a_signed_in_caller_and_never_acts_for_someone_elses_organisation(
    client: AsyncTestClient[Litestar], market: Market
) -> None:
    assert (await client.get(SEARCH)).status_code == 401
    stranger = await register(client)
    foreign = await client.get(SEARCH, params={"buyer": market.buyer_org["id"]}, headers=stranger.headers)
    assert foreign.status_code == 404
    assert foreign.headers["content-type"].startswith("application/problem+json")
    # A caller with no buying organisation searches everywhere.
    assert (await client.get(SEARCH, headers=stranger.headers)).json()["query"]["ships_to"] is None


async def test_buyer_with_several_organisations_names_the_one_they_buy_for(
    client: AsyncTestClient[Litestar], market: Market
) -> None:
    await create_organization(
        client,
        market.buyer,
        kind="buyer",
        legal_name="Gmina Zgorzelec",
        registration={"scheme": "PL-NIP", "id": "6150000128"},
        country="PL",
        subdivision="PL-02",
    )
    assert (await search(client, market))["query"]["ships_to"] is None
    chosen = await search(client, market, buyer=market.buyer_org["id"])
    assert chosen["query"]["ships_to"] == "DE-SN"


async def test_prices_are_shown_in_the_callers_currency_with_the_rate_and_its_date(
    client: AsyncTestClient[Litestar], market: Market
) -> None:
    result = await search(client, market, q="Korycin", currency="EUR")
    [cheese] = result["items"]
    assert (cheese["unit_price"], cheese["currency"]) == ("60.00", "PLN")
    converted = cheese["converted"]
    assert converted["currency"] == "EUR"
    assert Decimal(converted["rate"]) == pytest.approx(1 / EUR_PLN, rel=Decimal("1e-6"))
    assert Decimal(converted["unit_price"]) == (Decimal("60.00") / EUR_PLN).quantize(Decimal("0.0001"))
    assert converted["as_of"]
    assert converted["source"]


def _rates_of_today(eur_pln: int, eur_czk: int) -> list[RateRow]:
    today = clock.today()
    return [
        RateRow(base="EUR", quote="PLN", rate=Decimal(eur_pln), as_of=today, source="ECB"),
        RateRow(base="EUR", quote="CZK", rate=Decimal(eur_czk), as_of=today, source="ECB"),
    ]


async def _cheese_in(client: AsyncTestClient[Litestar], market: Market, currency: str) -> Any:
    """The cheese (60 PLN) as a search in `currency` shows it, or None when the currency is refused."""
    response = await client.get(SEARCH, params={"q": "Korycin", "currency": currency}, headers=market.buyer.headers)
    return response.json()["items"][0]["converted"] if response.status_code == 200 else None


async def test_a_rate_stored_by_the_application_converts_prices_from_its_next_search_on(
    client: AsyncTestClient[Litestar], app: Litestar, market: Market
) -> None:
    # Searches keep the rates they used, and that there were none (`kernel.fx.kept_rate`).
    assert Decimal((await _cheese_in(client, market, "EUR"))["rate"]) == pytest.approx(1 / EUR_PLN, rel=Decimal("1e-6"))
    assert await _cheese_in(client, market, "CZK") is None

    async def store() -> None:
        async with transaction(app.state.sessions) as session:
            await store_rates(session, _rates_of_today(4, 25))

    await asyncio.to_thread(client.blocking_portal.call, store)  # on the application's own event loop
    euro = await _cheese_in(client, market, "EUR")
    assert (Decimal(euro["rate"]), euro["as_of"], euro["unit_price"]) == (
        Decimal("0.25"),
        clock.today().isoformat(),
        "15.0000",
    )
    assert (await _cheese_in(client, market, "CZK"))["unit_price"] == "375.0000"  # 60 PLN at 25 / 4


async def test_a_rate_stored_by_another_process_converts_prices_a_minute_later_at_the_latest(
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    market: Market,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `borderhub fx import` stores rates in a process of its own (here: sessions of another application).
    seconds = 1000.0
    monkeypatch.setattr(cache, "time", SimpleNamespace(monotonic=lambda: seconds))
    assert Decimal((await _cheese_in(client, market, "EUR"))["rate"]) != Decimal("0.25")
    async with transaction(sessions) as session:
        await store_rates(session, _rates_of_today(4, 25))
    seconds += 60  # what the README promises: within a minute
    assert Decimal((await _cheese_in(client, market, "EUR"))["rate"]) == Decimal("0.25")


async def test_price_range_in_euro_keeps_only_listings_within_it_when_producers_price_in_zloty(
    client: AsyncTestClient[Litestar], market: Market
) -> None:
    # 12 PLN (jam) = 2.82 EUR; 48 PLN (honey) = 11.29 EUR; 60 PLN (cheese) = 14.12 EUR.
    cheap = await search(client, market, currency="EUR", price_max="11.29")
    assert {i["id"] for i in cheap["items"]} == {market.jam["id"]}
    middle = await search(client, market, currency="EUR", price_min="11", price_max="14.12")
    assert {i["id"] for i in middle["items"]} == {market.honey["id"], market.cheese["id"]}
    in_zloty = await search(client, market, currency="PLN", price_min="48", price_max="48", facets="true")
    assert [i["id"] for i in in_zloty["items"]] == [market.honey["id"]]
    buckets = {(b["min"], b["max"]): b["count"] for b in in_zloty["facets"]["price"]}
    assert buckets[("25", "50")] == 1
    assert sum(buckets.values()) == 1


async def test_listing_is_shown_in_the_callers_language_whatever_language_matched(
    client: AsyncTestClient[Litestar], market: Market
) -> None:
    german = await client.get(
        SEARCH, params={"q": "Korycin"}, headers={**market.buyer.headers, "Accept-Language": "de-DE,de;q=0.9"}
    )
    assert [(i["language"], i["title"]) for i in german.json()["items"]] == [("de", "Korycin-Käse")]
    polish = await search(client, market, q="Käse", lang="pl")
    assert [(i["language"], i["title"]) for i in polish["items"]] == [("pl", "Ser koryciński")]
    # No preference: the translation the words matched, highlighted.
    matched = await search(client, market, q="Lindenhonig")
    assert {(i["language"], i["highlights"]["title"]) for i in matched["items"]} == {("de", "<mark>Lindenhonig</mark>")}


async def test_unusual_but_valid_input_gets_an_answer_not_an_error(
    client: AsyncTestClient[Litestar], market: Market
) -> None:
    for q in ["&|!:*()'\"\\", "honig & | !", "'); DROP TABLE listing; --", "   ", "\u00a0", "🍯 honey"]:
        assert (await client.get(SEARCH, params={"q": q}, headers=market.buyer.headers)).status_code == 200, q
    beyond = await search(client, market, page="50", per_page="20")
    assert (beyond["items"], beyond["total"]) == ([], 3)
    assert (await search(client, market, q=""))["total"] == 3
    assert (await search(client, market))["took_ms"] >= 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x" * 1024}, "q"),
        ({"per_page": "1000"}, "per_page"),
        ({"page": "0"}, "page"),
        ({"page": "600", "per_page": "20"}, "page"),
        ({"sort": "cheapest"}, "sort"),
        ({"classification": "fish"}, "classification"),
        ({"origin_country": "XX"}, "origin_country"),
        ({"origin_subdivision": "PL-99"}, "origin_subdivision"),
        ({"ships_to": "Atlantis"}, "ships_to"),
        ({"eligible_for": "FR"}, "eligible_for"),
        ({"inclusion": "left_handed"}, "inclusion"),
        ({"price_min": "-1"}, "price_min"),
        ({"price_min": "ten"}, "price_min"),
        ({"price_min": "20", "price_max": "10"}, "price_min"),
        ({"price_max": "NaN"}, "price_max"),
        ({"price_min": "1e1000000"}, "price_min"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "JPY"}, "currency"),
        ({"lang": "!!"}, "lang"),
    ],
)
async def test_bad_parameter_is_refused_with_422_naming_it(
    client: AsyncTestClient[Litestar], market: Market, params: dict[str, str], field: str
) -> None:
    response = await client.get(SEARCH, params=params, headers=market.buyer.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert f"query:{field}" in {e["field"] for e in response.json()["errors"]}, response.json()
