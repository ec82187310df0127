"""Pooled procurement through the HTTP API: a hub with two buyers, two producers, a pool and a tender."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from kernel.db import transaction
from procurement.bid.service import BidService
from tests.factories.identity import Account, register
from tests.factories.order import Market, build_market
from tests.factories.organization import admitted_organization


@dataclass(frozen=True)
class Procurement:
    market: Market
    hotel_buyer: Account
    hotel_org: dict[str, Any]
    """A Polish buyer in Zgorzelec (PL-02), beside the market's German buyer (Stadt Görlitz, DE-SN)."""

    @property
    def coordinator(self) -> Account:
        return self.market.coordinator

    @property
    def hub(self) -> dict[str, Any]:
        return self.market.hub


async def build_procurement(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> Procurement:
    market = await build_market(client, sessions, settings)
    hotel_buyer = await register(client)
    hotel_org = await admitted_organization(
        client,
        market.hub,
        hotel_buyer,
        market.coordinator,
        legal_name="Hotel Zgorzelec sp. z o.o.",
        kind="buyer",
        municipality="Zgorzelec",
    )
    return Procurement(market=market, hotel_buyer=hotel_buyer, hotel_org=hotel_org)


def at(seconds: float) -> str:
    return (clock.now() + dt.timedelta(seconds=seconds)).isoformat()


def pool_body(hub: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hub_id": hub["id"],
        "item": {
            "classification": {"scheme": "CPV", "code": "03142100-9"},
            "unit": "KGM",
            "translations": {
                "de": {"title": "Honig für Schulküchen", "description": "Blütenhonig in 1-kg-Gläsern"},
                "pl": {"title": "Miód dla stołówek szkolnych"},
            },
            "default_language": "de",
            "quality_notes": "Harvest of this year; glass jars",
        },
        "delivery_points": [
            {"name": "Görlitz, Bauhof", "jurisdiction": "DE-SN", "address": "Untermarkt 6"},
            {"name": "Zgorzelec, Ratusz", "jurisdiction": "PL-02"},
        ],
        "closes_at": at(3600),
        "currency": "EUR",
        "reserve_unit_price": "12.00",
        "minimum_total_quantity": "100",
    }
    body.update(overrides)
    return body


async def open_pool(client: AsyncTestClient[Any], p: Procurement, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/pools", json=pool_body(p.hub, **overrides), headers=p.coordinator.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def commit(
    client: AsyncTestClient[Any],
    account: Account,
    pool: dict[str, Any],
    organization: dict[str, Any],
    point: int,
    quantity: str,
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "organization_id": organization["id"],
        "delivery_point_id": pool["delivery_points"][point]["id"],
        "quantity": quantity,
        "needed_by": (clock.today() + dt.timedelta(days=30)).isoformat(),
        **extra,
    }
    response = await client.post(f"/api/v1/pools/{pool['id']}/commitments", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def closed_pool(client: AsyncTestClient[Any], p: Procurement) -> dict[str, Any]:
    """A pool with 120 kg committed at Görlitz (Stadt Görlitz) and 60 kg at Zgorzelec (the hotel), closed."""
    pool = await open_pool(client, p)
    await commit(client, p.market.buyer, pool, p.market.buyer_org, 0, "120")
    await commit(client, p.hotel_buyer, pool, p.hotel_org, 1, "60")
    closed = await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    result: dict[str, Any] = closed.json()
    return result


async def published_tender(
    client: AsyncTestClient[Any], p: Procurement, pool: dict[str, Any], deadline_in: float = 3600, **terms: Any
) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/tenders",
        json={"pool_id": pool["id"], "bid_deadline": at(deadline_in), **terms},
        headers=p.coordinator.headers,
    )
    assert created.status_code == 201, created.text
    published = await client.post(f"/api/v1/tenders/{created.json()['id']}/publish", headers=p.coordinator.headers)
    assert published.status_code == 200, published.text
    result: dict[str, Any] = published.json()
    return result


def bid_body(tender: dict[str, Any], prices: list[str], currency: str = "EUR", **extra: Any) -> dict[str, Any]:
    return {
        "currency": currency,
        "lines": [
            {"lot_id": lot["id"], "unit_price": price, "max_quantity": "200", "lead_time_days": 5}
            for lot, price in zip(tender["lots"], prices, strict=False)
        ],
        **extra,
    }


async def bid(
    client: AsyncTestClient[Any],
    account: Account,
    tender: dict[str, Any],
    organization: dict[str, Any],
    body: dict[str, Any],
) -> dict[str, Any]:
    response = await client.put(
        f"/api/v1/tenders/{tender['id']}/bids/{organization['id']}", json=body, headers=account.headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def pass_deadline(tender: dict[str, Any], sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """Wait until the tender's deadline has passed, then run the minutely job that opens bids."""
    deadline = dt.datetime.fromisoformat(tender["bid_deadline"])
    delay = (deadline - clock.now()).total_seconds()
    assert delay < 30, "the tender's deadline is too far away to wait for"
    await asyncio.sleep(max(delay, 0) + 0.05)
    async with transaction(sessions) as session:
        await BidService(session, settings.procurement.sealing_secret).close_due()


async def priced_out_tender(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> tuple[Procurement, dict[str, Any]]:
    """A tender evaluated into a proposal that awards nothing: its only buyer, Stadt Görlitz,
    pays at most 9.00 EUR/kg for its 50 kg, and the only bid asks 11.00."""
    p = await build_procurement(client, sessions, settings)
    m = p.market
    pool = await open_pool(client, p, minimum_total_quantity=None)
    await commit(client, m.buyer, pool, m.buyer_org, 0, "50", max_unit_price="9.00")
    closed = await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)
    assert closed.json()["status"] == "closed", closed.text
    tender = await published_tender(client, p, closed.json(), deadline_in=2)
    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["11.00"]))
    await pass_deadline(tender, sessions, settings)
    evaluated = await client.post(f"/api/v1/tenders/{tender['id']}/evaluation", headers=p.coordinator.headers)
    assert evaluated.status_code == 200, evaluated.text
    [lot] = evaluated.json()["lots"]
    assert (evaluated.json()["state"], lot["awarded"], lot["winners"]) == ("proposed", "0.000", [])
    return p, tender
