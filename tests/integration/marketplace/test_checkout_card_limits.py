"""A card checkout Stripe would refuse to charge is refused when it is placed, with nothing taken or written:
a currency Stripe does not charge in, a total below Stripe's minimum or above its maximum, a three-decimal
total not ending in 0 (see `marketplace.payment.stripe_currency`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.app import create_app
from borderhub.composition import compose
from borderhub.settings import Settings
from kernel import clock
from kernel.db import transaction
from kernel.fx import RateRow, store_rates
from kernel.idempotency import IdempotencyKey
from kernel.outbox import OutboxEvent
from marketplace.order.models import Checkout, Order
from marketplace.payment.models import PayoutAccount
from marketplace.settings import MarketplaceSettings
from tests.factories.catalog import create_listing
from tests.factories.order import Market, build_market, stock_of

Client = AsyncTestClient[Any]

# Placing a checkout does not call Stripe (paying it does), so the API base points nowhere.
CARDS = MarketplaceSettings(
    stripe_secret_key="sk_test_borderhub_limits",
    stripe_webhook_secret="whsec_test_borderhub_limits",
    stripe_api_base="http://127.0.0.1:9",
    demo_mailbox=True,  # the test accounts prove their addresses with the mailed link
)


@pytest.fixture
async def card_client(settings: Settings) -> AsyncIterator[Client]:
    card_settings = msgspec.structs.replace(settings, marketplace=CARDS)
    async with AsyncTestClient(app=create_app(card_settings, compose(card_settings))) as test_client:
        yield test_client


@pytest.fixture
async def market(card_client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Market:
    """The order market, its producers' Stripe accounts active (as Stripe's `account.updated` would leave them)."""
    m = await build_market(card_client, sessions, settings)
    async with transaction(sessions) as session:
        for producer in (m.producer_a, m.producer_b):
            session.add(
                PayoutAccount(
                    organization_id=uuid.UUID(producer["id"]),
                    stripe_account_id=f"acct_{uuid.uuid4().hex[:16]}",
                    transfers_active=True,
                    details_submitted=True,
                    payouts_enabled=True,
                )
            )
    return m


async def pieces(client: Client, m: Market, unit_price: str) -> dict[str, Any]:
    """A listing of producer A sold by the piece at `unit_price` PLN, 100 in stock."""
    return await create_listing(
        client,
        m.honey_maker,
        m.producer_a,
        unit="H87",
        pack_size="1",
        min_order_quantity="1",
        price_tiers=[{"min_quantity": "1", "unit_price": unit_price}],
        stock_on_hand="100",
    )


def by_card(m: Market, *lines: tuple[dict[str, Any], str], currency: str = "EUR") -> dict[str, Any]:
    return m.checkout(*lines, payment_method="stripe", display_currency=currency)


async def written(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """How many checkouts, orders, idempotency keys and outbox events the database holds."""
    async with transaction(sessions) as session:
        return {
            table.__name__: (await session.execute(select(func.count()).select_from(table))).scalar_one()
            for table in (Checkout, Order, IdempotencyKey, OutboxEvent)
        }


async def refused(client: Client, m: Market, body: dict[str, Any], key: str) -> dict[str, Any]:
    response = await client.post("/api/v1/checkouts", json=body, headers={**m.buyer.headers, "Idempotency-Key": key})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["type"].endswith("/invalid-input")
    return problem


async def test_card_checkout_in_a_currency_stripe_does_not_charge_in_names_the_display_currency(
    card_client: Client, market: Market, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m = market
    before = await written(sessions)
    # CUP is an ISO 4217 currency (an invoice checkout could show it), but Stripe does not charge in it.
    problem = await refused(card_client, m, by_card(m, (m.honey, "2"), currency="CUP"), "cup-by-card")
    assert problem["errors"] == [
        {
            "field": "$.display_currency",
            "message": "Card payments cannot be made in CUP (Cuban Peso); "
            "choose another currency, such as EUR or USD, or pay by invoice",
        }
    ]
    assert await stock_of(card_client, m.honey_maker, m.honey) == "250"
    assert await written(sessions) == before
    # The key was not kept either: it can be used for the corrected request.
    placed = await card_client.post(
        "/api/v1/checkouts",
        json=by_card(m, (m.honey, "2")),
        headers={**m.buyer.headers, "Idempotency-Key": "cup-by-card"},
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["payment_method"] == "stripe"


async def test_card_checkout_below_stripes_minimum_names_the_lines_and_takes_nothing(
    card_client: Client, market: Market, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m = market
    string = await pieces(card_client, m, "1.00")
    before = await written(sessions)
    # 2 pieces: 2.00 PLN is 0.47 EUR, below the 0.50 EUR Stripe charges at least.
    problem = await refused(card_client, m, by_card(m, (string, "2")), "too-little")
    assert problem["errors"] == [
        {
            "field": "$.lines",
            "message": "A card payment in EUR must be at least 0.50 EUR, and the total is 0.47 EUR; "
            "order more or pay by invoice",
        }
    ]
    assert await stock_of(card_client, m.honey_maker, string) == "100"
    assert await written(sessions) == before
    # 3 pieces (0.71 EUR) can be paid by card.
    placed = await card_client.post("/api/v1/checkouts", json=by_card(m, (string, "3")), headers=m.buyer.headers)
    assert placed.status_code == 201, placed.text
    assert placed.json()["display_total"] == {"amount_minor": 71, "currency": "EUR"}
    assert await stock_of(card_client, m.honey_maker, string) == "97"


async def test_card_checkout_above_stripes_maximum_names_the_lines_and_takes_nothing(
    card_client: Client, market: Market, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m = market
    tractor = await pieces(card_client, m, "50000.00")
    before = await written(sessions)
    # 90 at 50,000 PLN, with 2 kg of honey: about 1,058,846 EUR, above Stripe's 999,999.99 EUR.
    problem = await refused(card_client, m, by_card(m, (m.honey, "2"), (tractor, "90")), "too-much")
    [error] = problem["errors"]
    assert error["field"] == "$.lines"
    assert error["message"].startswith("A card payment in EUR can be at most 999,999.99 EUR, and the total is 1,058,")
    assert error["message"].endswith("; split the order into smaller ones or pay by invoice")
    assert await stock_of(card_client, m.honey_maker, tractor) == "100"
    assert await stock_of(card_client, m.honey_maker, m.honey) == "250"
    assert await written(sessions) == before
    # Paid by invoice, the same checkout goes through: the limit is Stripe's.
    by_invoice = m.checkout((m.honey, "2"), (tractor, "90"), payment_method="invoice")
    placed = await card_client.post("/api/v1/checkouts", json=by_invoice, headers=m.buyer.headers)
    assert placed.status_code == 201, placed.text


async def test_card_checkout_in_a_three_decimal_currency_must_end_in_0(
    card_client: Client, market: Market, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m = market
    async with transaction(sessions) as session:
        day = clock.today() - dt.timedelta(days=1)
        await store_rates(session, [RateRow(base="EUR", quote="KWD", rate=Decimal("0.3301"), as_of=day, source="ECB")])
    before = await written(sessions)
    # 96.00 PLN is 7.456 KWD (through EUR); Stripe charges dinars in steps of 10 fils.
    problem = await refused(card_client, m, by_card(m, (m.honey, "2"), currency="KWD"), "fils")
    assert problem["errors"] == [
        {
            "field": "$.lines",
            "message": "A card payment in KWD must be a multiple of 0.010 KWD, and the total of 7.456 KWD is not; "
            "change a quantity or pay by invoice",
        }
    ]
    assert await stock_of(card_client, m.honey_maker, m.honey) == "250"
    assert await written(sessions) == before
