"""Orders placed from a pooled tender's award, for a buyer without invoice terms, are paid by card
unless Stripe would refuse the amount: an award is binding, so those are invoiced, due at once."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.db import transaction
from marketplace.api import AwardedOrder, place_awarded_orders
from marketplace.order.models import Order, PaymentMethod
from marketplace.payment.models import Invoice
from tests.factories.order import ADDRESS, Market
from tests.integration.marketplace.card.support import Client


def awarded(m: Market, quantity: str) -> AwardedOrder:
    return AwardedOrder(
        buyer_organization_id=uuid.UUID(m.buyer_org["id"]),
        producer_organization_id=uuid.UUID(m.producer_b["id"]),
        hub_id=uuid.UUID(m.hub["id"]),
        reference="ocds-borderhub-1/lot-1",
        sku="SER-1",
        title="Ser koryciński",
        language="pl",
        unit_code="KGM",
        quantity=Decimal(quantity),
        currency="PLN",
        unit_price_minor=5500,
        delivery_jurisdiction="DE-SN",
        delivery_address=ADDRESS,
    )


async def test_an_awarded_order_stripe_would_refuse_is_invoiced_due_at_once_instead(
    card_client: Client, market: Market, onboarded: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    m = market
    no_terms = await card_client.put(
        f"/api/v1/hubs/{m.hub['id']}/memberships/{m.buyer_org['id']}/invoice-terms",
        json={"net_days": None},
        headers=m.coordinator.headers,
    )
    assert no_terms.status_code == 200, no_terms.text
    coordinator = m.coordinator.id
    async with transaction(sessions) as session:  # 2,200 PLN; then 11 million PLN, above Stripe's largest charge
        small = await place_awarded_orders(session, [awarded(m, "40")], coordinator, stripe_enabled=True)
        huge = await place_awarded_orders(session, [awarded(m, "200000")], coordinator, stripe_enabled=True)
    async with transaction(sessions) as session:
        methods = {
            o.id: o.payment_method
            for o in (await session.execute(select(Order).where(Order.id.in_([*small, *huge])))).scalars()
        }
        invoice = (await session.execute(select(Invoice).where(Invoice.order_id == huge[0]))).scalar_one()
    assert (methods[small[0]], methods[huge[0]]) == (PaymentMethod.stripe, PaymentMethod.invoice)
    assert invoice.due_on == invoice.issued_on
