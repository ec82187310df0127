"""Listings: multilingual, volume-priced, versioned; only their producer changes them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.db import transaction
from kernel.fx import RateRow, store_rates
from kernel.outbox import OutboxEvent
from tests.factories.catalog import create_listing, listing_body
from tests.factories.identity import Account, register
from tests.factories.organization import create_organization

Client = AsyncTestClient[Any]


@pytest.fixture
async def producer(client: Client) -> tuple[Account, dict[str, Any]]:
    owner = await register(client)
    return owner, await create_organization(client, owner)


async def test_producer_lists_goods_in_three_languages_and_buyers_read_their_own(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    listing = await create_listing(client, owner, organization)
    assert listing["version"] == 1
    assert listing["currency"] == "PLN"
    assert listing["origin"] == {"country": "PL", "subdivision": "PL-02", "municipality": "Zgorzelec"}
    assert listing["min_order_quantity"] == "2"
    buyer = await register(client)
    url = f"/api/v1/listings/{listing['id']}"
    german = (await client.get(url, headers={**buyer.headers, "Accept-Language": "de-AT,de;q=0.9,en;q=0.5"})).json()
    assert (german["language"], german["title"]) == ("de", "Lindenhonig")
    english = (await client.get(f"{url}?lang=en-GB", headers=buyer.headers)).json()
    assert (english["language"], english["title"]) == ("en", "Linden honey")
    fallback = (await client.get(url, headers={**buyer.headers, "Accept-Language": "fr"})).json()
    assert (fallback["language"], fallback["title"]) == ("pl", "Miód lipowy")
    assert set(fallback["translations"]) == {"pl", "de", "en"}


@pytest.mark.parametrize(
    ("override", "field"),
    [
        (
            {"price_tiers": [{"min_quantity": "2", "unit_price": "5"}, {"min_quantity": "1", "unit_price": "4"}]},
            "$.price_tiers[1].min_quantity",
        ),
        (
            {"price_tiers": [{"min_quantity": "1", "unit_price": "5"}, {"min_quantity": "5", "unit_price": "6"}]},
            "$.price_tiers[1].unit_price",
        ),
        ({"price_tiers": [{"min_quantity": "1", "unit_price": "0"}]}, "$.price_tiers[0].unit_price"),
        ({"price_tiers": [{"min_quantity": "1", "unit_price": "-3"}]}, "$.price_tiers[0].unit_price"),
        ({"price_tiers": [{"min_quantity": "1", "unit_price": "4.333"}]}, "$.price_tiers[0].unit_price"),
        ({"unit": "XYZ"}, "$.unit"),
        ({"classification": {"scheme": "CPV", "code": "1234"}}, "$.classification.code"),
        ({"classification": {"scheme": "HS", "code": "04.0"}}, "$.classification.code"),
        ({"classification": {"scheme": "UNSPSC", "code": "10101501"}}, "$.classification.scheme"),
        ({"translations": {"pl": {"title": "Miód"}, "xx-QQ": {"title": "?"}}}, "$.translations.xx-QQ"),
        ({"default_language": "fr"}, "$.default_language"),
        ({"stock_on_hand": "-1"}, "$.stock_on_hand"),
        ({"ships_to": ["ZZ"]}, "$.ships_to[0]"),
        ({"unit": "H87", "pack_size": "1", "min_order_quantity": "1", "stock_on_hand": "2.5"}, "$.stock_on_hand"),
        ({"min_order_quantity": "0.7"}, "$.min_order_quantity"),
        ({"image_urls": ["http://insecure.example/a.jpg"]}, "$.image_urls[0]"),
    ],
)
async def test_create_is_422_naming_the_field_when_a_rule_is_broken(
    client: Client, producer: tuple[Account, dict[str, Any]], override: dict[str, Any], field: str
) -> None:
    owner, organization = producer
    response = await client.post(
        f"/api/v1/organizations/{organization['id']}/listings", json=listing_body(**override), headers=owner.headers
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    listed = await client.get(f"/api/v1/organizations/{organization['id']}/listings", headers=owner.headers)
    assert listed.json()["total"] == 0


async def test_price_with_more_decimals_than_the_currency_is_refused_only_at_order_level(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    per_gram = listing_body(
        unit="GRM",
        pack_size="100",
        min_order_quantity="100",
        price_tiers=[{"min_quantity": "100", "unit_price": "0.0450"}],
    )
    response = await client.post(
        f"/api/v1/organizations/{organization['id']}/listings", json=per_gram, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["price_tiers"][0]["unit_price"] == "0.0450"


async def test_sku_is_unique_per_producer_but_not_across_producers(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    await create_listing(client, owner, organization, sku="APPLE-1")
    again = await client.post(
        f"/api/v1/organizations/{organization['id']}/listings", json=listing_body(sku="APPLE-1"), headers=owner.headers
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("/sku-taken")
    other_owner = await register(client)
    other = await create_organization(client, other_owner)
    await create_listing(client, other_owner, other, sku="APPLE-1")


async def test_buyer_only_organization_cannot_create_listings(client: Client) -> None:
    owner = await register(client)
    buyer = await create_organization(client, owner, kind="buyer")
    response = await client.post(
        f"/api/v1/organizations/{buyer['id']}/listings", json=listing_body(), headers=owner.headers
    )
    assert response.status_code == 403
    assert response.json()["type"].endswith("/not-a-producer")


async def test_another_producer_cannot_change_a_listing_and_learns_nothing(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    listing = await create_listing(client, owner, organization)
    rival = await register(client)
    await create_organization(client, rival)
    url = f"/api/v1/listings/{listing['id']}"
    for method, path, body in [
        ("PATCH", url, {"lead_time_days": 1}),
        ("PUT", f"{url}/prices", {"price_tiers": [{"min_quantity": "1", "unit_price": "1"}]}),
        ("PUT", f"{url}/stock", {"stock_on_hand": "0"}),
        ("POST", f"{url}/pause", None),
        ("POST", f"{url}/archive", None),
    ]:
        response = await client.request(method, path, json=body, headers=rival.headers)
        assert response.status_code == 404, (method, path)
    unchanged = (await client.get(url, headers=owner.headers)).json()
    assert (unchanged["version"], unchanged["status"], unchanged["stock_on_hand"]) == (1, "active", "250")
    create_in_other = await client.post(
        f"/api/v1/organizations/{organization['id']}/listings", json=listing_body(), headers=rival.headers
    )
    assert create_in_other.status_code == 404


async def test_price_and_stock_changes_bump_the_version_and_keep_history(
    client: Client, producer: tuple[Account, dict[str, Any]], sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner, organization = producer
    listing = await create_listing(client, owner, organization)
    url = f"/api/v1/listings/{listing['id']}"
    priced = await client.put(
        f"{url}/prices",
        json={"price_tiers": [{"min_quantity": "1", "unit_price": "46.00"}], "expected_version": 1},
        headers=owner.headers,
    )
    assert priced.json()["version"] == 2
    stale = await client.put(
        f"{url}/prices",
        json={"price_tiers": [{"min_quantity": "1", "unit_price": "1.00"}], "expected_version": 1},
        headers=owner.headers,
    )
    assert stale.status_code == 409
    sold = await client.put(f"{url}/stock", json={"adjust_by": "-50"}, headers=owner.headers)
    assert (sold.json()["version"], sold.json()["stock_on_hand"]) == (3, "200")
    negative = await client.put(f"{url}/stock", json={"adjust_by": "-201"}, headers=owner.headers)
    assert negative.status_code == 422
    history = (await client.get(f"{url}/versions", headers=owner.headers)).json()
    assert [(h["version"], h["change"]) for h in history] == [(1, "created"), (2, "prices"), (3, "stock")]
    assert history[0]["price_tiers"][0]["unit_price"] == "48.00"
    assert history[1]["price_tiers"] == [{"min_quantity": "1", "unit_price": "46.00"}]
    async with transaction(sessions) as session:
        events = (
            (
                await session.execute(
                    select(OutboxEvent.payload).where(OutboxEvent.topic == "marketplace.ListingChanged")
                )
            )
            .scalars()
            .all()
        )
    assert sorted((e["version"], e["change"]) for e in events) == [(1, "created"), (2, "prices"), (3, "stock")]


async def test_paused_and_archived_listings_are_hidden_from_others_and_archive_is_final(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    listing = await create_listing(client, owner, organization)
    buyer = await register(client)
    url = f"/api/v1/listings/{listing['id']}"
    assert (await client.post(f"{url}/pause", headers=owner.headers)).json()["status"] == "paused"
    assert (await client.get(url, headers=buyer.headers)).status_code == 404
    public = await client.get(f"/api/v1/organizations/{organization['id']}/listings", headers=buyer.headers)
    assert public.json()["total"] == 0
    assert (await client.post(f"{url}/activate", headers=owner.headers)).json()["status"] == "active"
    assert (await client.get(url, headers=buyer.headers)).status_code == 200
    assert (await client.post(f"{url}/archive", headers=owner.headers)).json()["status"] == "archived"
    assert (await client.post(f"{url}/activate", headers=owner.headers)).status_code == 409
    mine = await client.get(
        f"/api/v1/organizations/{organization['id']}/listings?status=archived", headers=owner.headers
    )
    assert [item["id"] for item in mine.json()["items"]] == [listing["id"]]


async def test_outsiders_asking_for_listings_only_insiders_see_get_403_and_insiders_see_every_status(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    listing = await create_listing(client, owner, organization)
    paused = await create_listing(client, owner, organization, sku="HONEY-PAUSED", status="paused")
    assert paused["status"] == "paused"
    outsider = await register(client)
    base = f"/api/v1/organizations/{organization['id']}/listings"
    for status in ("paused", "archived"):  # refused, whether or not there are any
        refused = await client.get(f"{base}?status={status}", headers=outsider.headers)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["type"].endswith("/listings-not-public")
    active = await client.get(f"{base}?status=active", headers=outsider.headers)
    assert [item["id"] for item in active.json()["items"]] == [listing["id"]]
    assert [item["id"] for item in (await client.get(base, headers=outsider.headers)).json()["items"]] == [
        listing["id"]
    ]
    mine = await client.get(f"{base}?status=paused", headers=owner.headers)
    assert [item["id"] for item in mine.json()["items"]] == [paused["id"]]
    assert (await client.get(base, headers=owner.headers)).json()["total"] == 2


async def test_producer_list_is_paginated_and_filtered_by_category(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    for index in range(3):
        await create_listing(client, owner, organization, sku=f"HONEY-{index}")
    await create_listing(
        client, owner, organization, sku="CHEESE-1", classification={"scheme": "HS", "code": "0406.10"}
    )
    base = f"/api/v1/organizations/{organization['id']}/listings"
    page = (await client.get(f"{base}?per_page=2&page=2", headers=owner.headers)).json()
    assert (page["total"], [i["sku"] for i in page["items"]]) == (4, ["HONEY-1", "HONEY-2"])
    cheese = (await client.get(f"{base}?classification=0406", headers=owner.headers)).json()
    assert [i["sku"] for i in cheese["items"]] == ["CHEESE-1"]
    assert cheese["items"][0]["classification"] == {"scheme": "HS", "code": "040610"}


async def test_quote_applies_the_volume_tier_and_converts_with_the_rate_used(
    client: Client, producer: tuple[Account, dict[str, Any]], sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner, organization = producer
    listing = await create_listing(client, owner, organization)
    async with transaction(sessions) as session:
        await store_rates(
            session, [RateRow(base="EUR", quote="PLN", rate=Decimal("4.25"), as_of=dt.date(2026, 11, 20), source="ECB")]
        )
    buyer = await register(client)
    url = f"/api/v1/listings/{listing['id']}/quote"
    quote = (await client.get(f"{url}?quantity=20.5&currency=EUR&on=2026-11-21", headers=buyer.headers)).json()
    assert quote["tier"] == {"min_quantity": "20", "unit_price": "44.00"}
    assert quote["total"] == {"amount_minor": 90200, "currency": "PLN"}
    assert quote["converted"]["currency"] == "EUR"
    assert quote["converted"]["amount_minor"] == 21224  # 902.00 PLN / 4.25 = 212.235... -> 212.24
    assert quote["converted"]["rate_date"] == "2026-11-20"
    below_minimum = await client.get(f"{url}?quantity=1.5", headers=buyer.headers)
    assert below_minimum.status_code == 422
    not_whole_packs = await client.get(f"{url}?quantity=2.2", headers=buyer.headers)
    assert not_whole_packs.status_code == 422
    no_rate = await client.get(f"{url}?quantity=2&currency=JPY", headers=buyer.headers)
    assert no_rate.status_code == 404
    unknown = await client.get(f"{url}?quantity=2&currency=ABC", headers=buyer.headers)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "query:currency"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"adjust_by": "NaN"}, "$.adjust_by"),
        ({"adjust_by": "sNaN"}, "$.adjust_by"),
        ({"adjust_by": "-Infinity"}, "$.adjust_by"),
        ({"adjust_by": "1E+999999999"}, "$.adjust_by"),
        ({"adjust_by": "1e-400"}, "$.adjust_by"),
        ({"adjust_by": "-1E-999999999"}, "$.adjust_by"),
        ({"adjust_by": "0.0001"}, "$.adjust_by"),
        ({"adjust_by": "0"}, "$.adjust_by"),
        ({"stock_on_hand": "NaN"}, "$.stock_on_hand"),
        ({"stock_on_hand": "Infinity"}, "$.stock_on_hand"),
        ({"stock_on_hand": "1e-400"}, "$.stock_on_hand"),
    ],
)
async def test_stock_change_is_refused_naming_the_field_when_the_number_is_not_a_plain_quantity(
    client: Client, producer: tuple[Account, dict[str, Any]], body: dict[str, str], field: str
) -> None:
    owner, organization = producer
    listing = await create_listing(
        client, owner, organization, unit="H87", pack_size="1", min_order_quantity="1", stock_on_hand="10"
    )
    url = f"/api/v1/listings/{listing['id']}"
    refused = await client.put(f"{url}/stock", json=body, headers=owner.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"].endswith("invalid-input")
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    unchanged = (await client.get(url, headers=owner.headers)).json()
    assert (unchanged["version"], unchanged["stock_on_hand"]) == (1, "10")
