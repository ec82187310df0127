"""VAT on orders: decided per line when the order is placed, from both parties' VAT status, the
listing's category and the seller's country's rate that day; administrators correct the rates."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from tests.factories.catalog import create_listing
from tests.factories.order import Market, build_market, german_seller, place, set_billing
from tests.factories.organization import platform_admin

Client = AsyncTestClient[Any]


@pytest.fixture
async def market(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Market:
    return await build_market(client, sessions, settings)


def vat(net_minor: int, rate: str) -> int:
    return int((Decimal(net_minor) * Decimal(rate) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def test_orders_carry_no_vat_when_the_seller_is_not_registered(client: Client, market: Market) -> None:
    m = market
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    assert order["vat"] == {"amount_minor": 0, "currency": "PLN"}
    assert order["total"]["amount_minor"] == 88000
    assert [(line["vat_category"], line["vat_rate"], line["vat_note"]) for line in order["lines"]] == [
        ("O", "0", "not_registered")
    ]


async def test_goods_to_a_buyer_with_a_vat_number_abroad_are_an_intra_community_supply(
    client: Client, market: Market
) -> None:
    m = market
    await set_billing(client, m.honey_maker, m.producer_a, vat_number="PL5260250274")
    await set_billing(client, m.buyer, m.buyer_org, vat_number="DE136695976")
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    assert [(line["vat_category"], line["vat_rate"], line["vat_note"]) for line in order["lines"]] == [
        ("K", "0", "intra_community")
    ]
    assert order["vat"]["amount_minor"] == 0
    assert order["vat_breakdown"] == [
        {
            "category": "K",
            "rate": "0",
            "taxable": {"amount_minor": 88000, "currency": "PLN"},
            "vat": {"amount_minor": 0, "currency": "PLN"},
        }
    ]


async def test_a_buyer_without_a_vat_number_pays_the_sellers_rate_and_the_card_total_includes_it(
    client: Client, market: Market
) -> None:
    m = market
    await set_billing(client, m.honey_maker, m.producer_a, vat_number="PL5260250274")
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"), (m.jam, "5"))))["orders"]
    net = 88000 + 6000
    assert {(line["vat_category"], line["vat_rate"]) for line in order["lines"]} == {("S", "23")}
    assert order["vat"]["amount_minor"] == vat(net, "23")
    assert order["total"]["amount_minor"] == net + vat(net, "23")
    assert order["invoice"]["amount_due"]["amount_minor"] == net + vat(net, "23")
    assert {line["vat_note"] for line in order["lines"]} == {"seller_rate_abroad"}


async def test_a_domestic_sale_takes_the_rate_of_each_lines_category(client: Client, market: Market) -> None:
    m = market
    owner, seller = await german_seller(client, m)
    honey = await create_listing(client, owner, seller, vat_category="reduced")
    candles = await create_listing(client, owner, seller, vat_category="standard")
    await set_billing(client, m.buyer, m.buyer_org, vat_number="DE811128135")
    [order] = (await place(client, m.buyer, m.checkout((honey, "20"), (candles, "3"))))["orders"]
    # 20 kg at 44.00 (reduced, 7 %) and 3 kg at 48.00 (standard, 19 %): VAT per rate, rounded once each.
    assert [(line["vat_category"], line["vat_rate"]) for line in order["lines"]] == [("S", "7"), ("S", "19")]
    assert [(g["rate"], g["taxable"]["amount_minor"], g["vat"]["amount_minor"]) for g in order["vat_breakdown"]] == [
        ("7", 88000, vat(88000, "7")),
        ("19", 14400, vat(14400, "19")),
    ]
    assert order["total"]["amount_minor"] == 88000 + 14400 + vat(88000, "7") + vat(14400, "19")


async def test_a_corrected_rate_applies_to_orders_from_its_day(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    m = market
    admin = await platform_admin(client, sessions, settings)
    await set_billing(client, m.honey_maker, m.producer_a, vat_number="PL5260250274")
    today = clock.today()
    body = {"country": "PL", "category": "standard", "rate": "21", "reason": "Ustawa z dnia …"}
    later = await client.put(
        "/api/v1/vat-rates",
        json={**body, "valid_from": (today + dt.timedelta(days=1)).isoformat()},
        headers=admin.headers,
    )
    assert later.status_code == 200, later.text
    [before] = (await place(client, m.buyer, m.checkout((m.jam, "1"))))["orders"]
    assert before["lines"][0]["vat_rate"] == "23"
    now = await client.put("/api/v1/vat-rates", json={**body, "valid_from": today.isoformat()}, headers=admin.headers)
    assert now.json() == {
        "country": "PL",
        "category": "standard",
        "rate": "21",
        "valid_from": today.isoformat(),
        "source": "corrected",
    }
    [after] = (await place(client, m.buyer, m.checkout((m.jam, "1"))))["orders"]
    assert after["lines"][0]["vat_rate"] == "21"
    listed = await client.get("/api/v1/vat-rates", params={"country": "PL"}, headers=m.buyer.headers)
    assert {r["category"]: r["rate"] for r in listed.json()}["standard"] == "21"


async def test_only_a_platform_administrator_corrects_a_rate(client: Client, market: Market) -> None:
    body = {"country": "PL", "category": "standard", "rate": "21", "valid_from": "2027-01-01", "reason": "law"}
    refused = await client.put("/api/v1/vat-rates", json=body, headers=market.coordinator.headers)
    assert refused.status_code == 403
    rates = await client.get(
        "/api/v1/vat-rates", params={"country": "PL", "on": "2027-01-02"}, headers=market.buyer.headers
    )
    assert {r["category"]: r["rate"] for r in rates.json()}["standard"] == "23"


async def test_a_rate_correction_names_its_bad_fields(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    admin = await platform_admin(client, sessions, settings)
    body = {"country": "XX", "category": "zero", "rate": "5", "valid_from": "2027-01-01", "reason": "law"}
    response = await client.put("/api/v1/vat-rates", json=body, headers=admin.headers)
    assert response.status_code == 422
    assert {error["field"] for error in response.json()["errors"]} == {"$.country", "$.rate"}


async def test_a_quote_for_a_buyer_shows_the_vat_its_checkout_then_charges(client: Client, market: Market) -> None:
    m = market
    await set_billing(client, m.honey_maker, m.producer_a, vat_number="PL5260250274")
    params = {"quantity": "20", "buyer_organization_id": m.buyer_org["id"]}
    quote = (await client.get(f"/api/v1/listings/{m.honey['id']}/quote", params=params, headers=m.buyer.headers)).json()
    assert quote["vat"] == {
        "category": "S",
        "rate": "23",
        "note": "seller_rate_abroad",
        "vat": {"amount_minor": vat(88000, "23"), "currency": "PLN"},
        "gross": {"amount_minor": 88000 + vat(88000, "23"), "currency": "PLN"},
    }
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    assert order["total"] == quote["vat"]["gross"]
    # Only for a buyer one belongs to.
    foreign = await client.get(f"/api/v1/listings/{m.honey['id']}/quote", params=params, headers=m.cheese_maker.headers)
    assert foreign.status_code == 404
