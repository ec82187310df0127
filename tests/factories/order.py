"""A small cross-border market for order tests: a hub on the Neisse, two Polish producers, a German buyer.

Built through the HTTP API (and one exchange rate stored as the daily FX job would).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from kernel.db import transaction
from kernel.fx import RateRow, store_rates
from tests.factories.catalog import create_listing
from tests.factories.identity import Account, register
from tests.factories.organization import admitted_organization, create_hub, german_registration, platform_admin

EUR_PLN = Decimal("4.2500")

ADDRESS = {
    "recipient": "Stadtverwaltung Görlitz, Bauhof",
    "line1": "Untermarkt 6",
    "postal_code": "02826",
    "city": "Görlitz",
}


@dataclass(frozen=True)
class Market:
    hub: dict[str, Any]
    coordinator: Account
    honey_maker: Account
    cheese_maker: Account
    buyer: Account
    producer_a: dict[str, Any]
    producer_b: dict[str, Any]
    buyer_org: dict[str, Any]
    honey: dict[str, Any]
    """Producer A, kilograms in 0.5 kg jars, minimum 2 kg, 48.00 / 44.00 from 20 / 40.50 from 100 PLN; 250 kg."""
    jam: dict[str, Any]
    """Producer A, pieces, 12.00 PLN each; 100 in stock."""
    cheese: dict[str, Any]
    """Producer B, kilograms, 60.00 PLN / 55.00 from 10; 40 kg."""

    def checkout(self, *lines: tuple[dict[str, Any], str], **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "buyer_organization_id": self.buyer_org["id"],
            "lines": [{"listing_id": listing["id"], "quantity": quantity} for listing, quantity in lines],
            "delivery": {"jurisdiction": "DE-SN", "address": ADDRESS},
        }
        body.update(overrides)
        return body


async def build_market(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> Market:
    admin = await platform_admin(client, sessions, settings)
    coordinator, honey_maker, cheese_maker, buyer = [await register(client) for _ in range(4)]
    hub = await create_hub(client, admin, [coordinator])
    producer_a = await admitted_organization(client, hub, honey_maker, coordinator)
    producer_b = await admitted_organization(client, hub, cheese_maker, coordinator, municipality="Bogatynia")
    buyer_org = await admitted_organization(
        client,
        hub,
        buyer,
        coordinator,
        legal_name="Stadt Görlitz",
        kind="buyer",
        registration=german_registration(),
        country="DE",
        subdivision="DE-SN",
        municipality="Görlitz",
        default_currency="EUR",
        languages=["de"],
    )
    honey = await create_listing(client, honey_maker, producer_a)
    jam = await create_listing(
        client,
        honey_maker,
        producer_a,
        unit="H87",
        pack_size="1",
        min_order_quantity="1",
        price_tiers=[{"min_quantity": "1", "unit_price": "12.00"}],
        stock_on_hand="100",
    )
    cheese = await create_listing(
        client,
        cheese_maker,
        producer_b,
        translations={"pl": {"title": "Ser koryciński"}, "de": {"title": "Korycin-Käse"}},
        classification={"scheme": "CPV", "code": "15540000-5"},
        pack_size="1",
        min_order_quantity="1",
        price_tiers=[{"min_quantity": "1", "unit_price": "60.00"}, {"min_quantity": "10", "unit_price": "55.00"}],
        stock_on_hand="40",
    )
    async with transaction(sessions) as session:
        day = clock.today() - dt.timedelta(days=1)
        await store_rates(session, [RateRow(base="EUR", quote="PLN", rate=EUR_PLN, as_of=day, source="ECB")])
    return Market(
        hub=hub,
        coordinator=coordinator,
        honey_maker=honey_maker,
        cheese_maker=cheese_maker,
        buyer=buyer,
        producer_a=producer_a,
        producer_b=producer_b,
        buyer_org=buyer_org,
        honey=honey,
        jam=jam,
        cheese=cheese,
    )


async def place(client: AsyncTestClient[Any], account: Account, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/v1/checkouts", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def stock_of(client: AsyncTestClient[Any], account: Account, listing: dict[str, Any]) -> str:
    response = await client.get(f"/api/v1/listings/{listing['id']}", headers=account.headers)
    assert response.status_code == 200, response.text
    stock: str = response.json()["stock_on_hand"]
    return stock


async def set_billing(
    client: AsyncTestClient[Any], owner: Account, organization: dict[str, Any], **details: Any
) -> None:
    """The organisation's invoicing details, registered for VAT unless `vat_scheme` says otherwise."""
    body = {"vat_scheme": "registered", **details}
    response = await client.put(f"/api/v1/organizations/{organization['id']}/billing", json=body, headers=owner.headers)
    assert response.status_code == 200, response.text


async def german_seller(client: AsyncTestClient[Any], market: Market, **billing: Any) -> tuple[Account, dict[str, Any]]:
    """A German beekeeper in Görlitz, admitted to the market's hub (prices in euro), registered for
    VAT as DE136695976, with `billing` (address, IBAN ...) on top."""
    owner = await register(client)
    organization = await admitted_organization(
        client,
        market.hub,
        owner,
        market.coordinator,
        legal_name="Lausitzer Honig GbR",
        registration=german_registration(),
        country="DE",
        subdivision="DE-SN",
        municipality="Görlitz",
        default_currency="EUR",
        languages=["de"],
    )
    await set_billing(client, owner, organization, vat_number="DE136695976", **billing)
    return owner, organization
