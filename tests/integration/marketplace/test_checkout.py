"""Checkout: one order per producer, priced at the volume tier, checked and reserved in one transaction."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.compliance import add_requirement
from tests.factories.identity import register
from tests.factories.order import EUR_PLN, Market, build_market, place, stock_of
from tests.factories.organization import create_organization

Client = AsyncTestClient[Any]


@pytest.fixture
async def market(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Market:
    return await build_market(client, sessions, settings)


def in_eur(pln_minor: int) -> int:
    """PLN minor units in EUR minor units at the market's rate, rounded half up."""
    return int((Decimal(pln_minor) / EUR_PLN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def test_checkout_splits_lines_into_one_order_per_producer_priced_at_the_tier(
    client: Client, market: Market
) -> None:
    m = market
    checkout = await place(client, m.buyer, m.checkout((m.honey, "20"), (m.cheese, "3"), (m.jam, "5")))
    orders = {order["producer_organization_id"]: order for order in checkout["orders"]}
    assert set(orders) == {m.producer_a["id"], m.producer_b["id"]}
    honey_order, cheese_order = orders[m.producer_a["id"]], orders[m.producer_b["id"]]
    # Lines keep the buyer's order; 20 kg reaches the 20 kg tier (44.00), and titles are in German.
    assert [
        (line["sku"], line["quantity"], line["unit_price"], line["tier_min_quantity"]) for line in honey_order["lines"]
    ] == [
        (m.honey["sku"], "20", "44", "20"),
        (m.jam["sku"], "5", "12", "1"),
    ]
    assert [line["title"] for line in honey_order["lines"]] == ["Lindenhonig", m.jam["translations"]["de"]["title"]]
    assert honey_order["lines"][0]["listing_version"] == m.honey["version"]
    assert honey_order["total"] == {"amount_minor": 88000 + 6000, "currency": "PLN"}
    assert cheese_order["total"] == {"amount_minor": 18000, "currency": "PLN"}
    assert honey_order["display_total"]["currency"] == "EUR"
    assert honey_order["display_total"]["amount_minor"] == in_eur(94000)
    assert checkout["display_total"] == {"amount_minor": in_eur(94000) + in_eur(18000), "currency": "EUR"}
    assert {order["status"] for order in checkout["orders"]} == {"pending_payment"}
    assert checkout["payment_method"] == "invoice"
    # Stock is taken at once.
    assert await stock_of(client, m.honey_maker, m.honey) == "230"
    assert await stock_of(client, m.cheese_maker, m.cheese) == "37"
    assert await stock_of(client, m.honey_maker, m.jam) == "95"
    # Each producer's invoice: its own first number, due on the hub's default 30 days.
    placed = dt.date.fromisoformat(checkout["placed_at"][:10])
    for order in checkout["orders"]:
        assert order["invoice"]["number"] == "INV-000001"
        assert order["invoice"]["due_on"] == (placed + dt.timedelta(days=30)).isoformat()
        assert order["invoice"]["status"] == "issued"


async def test_orders_are_visible_to_their_own_parties_only(client: Client, market: Market) -> None:
    m = market
    checkout = await place(client, m.buyer, m.checkout((m.honey, "2"), (m.cheese, "1")))
    orders = {order["producer_organization_id"]: order for order in checkout["orders"]}
    honey_order, cheese_order = orders[m.producer_a["id"]], orders[m.producer_b["id"]]
    assert (await client.get(f"/api/v1/checkouts/{checkout['id']}", headers=m.buyer.headers)).json() == checkout
    assert (await client.get(f"/api/v1/orders/{honey_order['id']}", headers=m.honey_maker.headers)).status_code == 200
    assert (await client.get(f"/api/v1/orders/{cheese_order['id']}", headers=m.coordinator.headers)).status_code == 200
    for forbidden in (
        client.get(f"/api/v1/orders/{cheese_order['id']}", headers=m.honey_maker.headers),
        client.get(f"/api/v1/checkouts/{checkout['id']}", headers=m.honey_maker.headers),
        client.get(f"/api/v1/orders/{honey_order['id']}", headers=(await register(client)).headers),
    ):
        response = await forbidden
        assert response.status_code == 404, response.text


async def test_an_order_keeps_its_price_after_the_producer_changes_it(client: Client, market: Market) -> None:
    m = market
    checkout = await place(client, m.buyer, m.checkout((m.honey, "2")))
    [order] = checkout["orders"]
    changed = await client.put(
        f"/api/v1/listings/{m.honey['id']}/prices",
        json={"price_tiers": [{"min_quantity": "1", "unit_price": "99.00"}]},
        headers=m.honey_maker.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == m.honey["version"] + 1
    again = (await client.get(f"/api/v1/orders/{order['id']}", headers=m.buyer.headers)).json()
    assert again["lines"][0]["unit_price"] == "48"
    assert again["lines"][0]["listing_version"] == m.honey["version"]
    assert again["total"]["amount_minor"] == 9600


@pytest.mark.parametrize(
    ("listing", "quantity", "message"),
    [
        ("jam", "0", "must be a positive number"),
        ("jam", "-3", "must be a positive number"),
        ("jam", "1e20", "must be less than 1,000,000,000,000"),
        ("jam", "1.5", "must be a whole number of pieces"),
        ("honey", "1.5", "below the minimum order of 2 KGM"),
        ("honey", "2.25", "must be a whole number of packs of 0.5 KGM"),
    ],
)
async def test_checkout_refuses_a_quantity_that_cannot_be_ordered(
    client: Client, market: Market, listing: str, quantity: str, message: str
) -> None:
    m = market
    target = getattr(m, listing)
    body = m.checkout((m.cheese, "1"), (target, quantity))
    response = await client.post("/api/v1/checkouts", json=body, headers=m.buyer.headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"] == [{"field": "$.lines[1].quantity", "message": message}]
    assert await stock_of(client, m.cheese_maker, m.cheese) == "40"
    assert await stock_of(client, m.honey_maker, target) == target["stock_on_hand"]


async def test_checkout_refuses_unknown_archived_and_paused_listings_naming_each_line(
    client: Client, market: Market
) -> None:
    m = market
    for listing, maker, action in ((m.jam, m.honey_maker, "archive"), (m.cheese, m.cheese_maker, "pause")):
        changed = await client.post(f"/api/v1/listings/{listing['id']}/{action}", headers=maker.headers)
        assert changed.status_code == 200, changed.text
    unknown = {"id": "0190f5a2-0000-7000-8000-000000000000"}
    body = m.checkout((m.honey, "2"), (m.jam, "1"), (unknown, "1"), (m.cheese, "1"))
    response = await client.post("/api/v1/checkouts", json=body, headers=m.buyer.headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"].endswith("/checkout-refused")
    assert sorted((e["field"], e["message"]) for e in problem["errors"]) == [
        ("$.lines[1].listing_id", "the listing is archived"),
        ("$.lines[2].listing_id", "no such listing"),
        ("$.lines[3].listing_id", "the listing is paused"),
    ]
    assert await stock_of(client, m.honey_maker, m.honey) == "250"


async def test_checkout_refuses_a_listing_not_eligible_for_the_destination_with_the_unmet_rule(
    client: Client, market: Market
) -> None:
    m = market
    await add_requirement(client, m.hub, m.coordinator, classification_prefix="0314", destination="DE-SN")
    response = await client.post(
        "/api/v1/checkouts", json=m.checkout((m.cheese, "1"), (m.honey, "2")), headers=m.buyer.headers
    )
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "$.lines[1].listing_id"
    assert error["message"].startswith("not eligible for DE-SN: ")
    assert "needs a verified organic credential" in error["message"]
    # The buyer reads it: what the producer lacks, not "you have ...".
    assert error["message"].endswith("(the producer has no organic credential)")
    assert await stock_of(client, m.cheese_maker, m.cheese) == "40"
    # Delivered to the Polish side, the same goods need nothing.
    polish = m.checkout((m.honey, "2"), delivery={"jurisdiction": "PL-02", "address": body_address()})
    assert (await client.post("/api/v1/checkouts", json=polish, headers=m.buyer.headers)).status_code == 201


def body_address() -> dict[str, str]:
    return {"recipient": "Urząd Miasta", "line1": "ul. Domańskiego 7", "postal_code": "59-900", "city": "Zgorzelec"}


async def test_checkout_of_more_than_the_stock_is_409_and_takes_nothing(client: Client, market: Market) -> None:
    m = market
    response = await client.post(
        "/api/v1/checkouts", json=m.checkout((m.honey, "10"), (m.cheese, "41")), headers=m.buyer.headers
    )
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["type"].endswith("/out-of-stock")
    assert problem["errors"] == [{"field": "$.lines[1].quantity", "message": "only 40 KGM in stock"}]
    assert await stock_of(client, m.honey_maker, m.honey) == "250"


async def test_checkout_does_not_ship_where_the_producer_does_not(client: Client, market: Market) -> None:
    m = market
    body = m.checkout((m.honey, "2"), delivery={"jurisdiction": "CZ", "address": body_address()})
    response = await client.post("/api/v1/checkouts", json=body, headers=m.buyer.headers)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "$.lines[0].listing_id", "message": "the producer does not ship to CZ"}
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"delivery": {"jurisdiction": "XX-99", "address": body_address()}}, "$.delivery.jurisdiction"),
        ({"display_currency": "EURO"}, "$.display_currency"),
        ({"payment_method": "stripe"}, "$.payment_method"),
        ({"hub_id": "0190f5a2-0000-7000-8000-000000000000"}, "$.hub_id"),
        ({"lines": []}, "$.lines"),
    ],
)
async def test_checkout_names_the_bad_field(
    client: Client, market: Market, overrides: dict[str, Any], field: str
) -> None:
    m = market
    response = await client.post(
        "/api/v1/checkouts", json=m.checkout((m.honey, "2"), **overrides), headers=m.buyer.headers
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_checkout_refuses_the_same_listing_twice(client: Client, market: Market) -> None:
    m = market
    response = await client.post(
        "/api/v1/checkouts", json=m.checkout((m.honey, "2"), (m.honey, "4")), headers=m.buyer.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "$.lines[1].listing_id"


async def test_only_members_of_a_buying_organization_check_out(client: Client, market: Market) -> None:
    m = market
    stranger = await client.post("/api/v1/checkouts", json=m.checkout((m.honey, "2")), headers=m.cheese_maker.headers)
    assert stranger.status_code == 404
    as_producer = m.checkout((m.honey, "2"), buyer_organization_id=m.producer_b["id"])
    refused = await client.post("/api/v1/checkouts", json=as_producer, headers=m.cheese_maker.headers)
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/not-a-buyer")
    loner = await register(client)
    lonely = await create_organization(client, loner, kind="buyer")
    no_hub = m.checkout((m.honey, "2"), buyer_organization_id=lonely["id"])
    response = await client.post("/api/v1/checkouts", json=no_hub, headers=loner.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "$.hub_id"


async def test_invoice_payment_needs_terms_from_the_hub(client: Client, market: Market) -> None:
    m = market
    url = f"/api/v1/hubs/{m.hub['id']}/memberships/{m.buyer_org['id']}/invoice-terms"
    assert (await client.put(url, json={"net_days": None}, headers=m.buyer.headers)).status_code == 403
    withdrawn = await client.put(url, json={"net_days": None}, headers=m.coordinator.headers)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["invoice_net_days"] is None
    response = await client.post("/api/v1/checkouts", json=m.checkout((m.honey, "2")), headers=m.buyer.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "$.payment_method"
    assert (await client.put(url, json={"net_days": 14}, headers=m.coordinator.headers)).status_code == 200
    checkout = await place(client, m.buyer, m.checkout((m.honey, "2")))
    placed = dt.date.fromisoformat(checkout["placed_at"][:10])
    assert checkout["orders"][0]["invoice"]["due_on"] == (placed + dt.timedelta(days=14)).isoformat()
    assert (await client.put(url, json={"net_days": 365}, headers=m.coordinator.headers)).status_code == 422
