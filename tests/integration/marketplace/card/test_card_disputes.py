"""A dispute's refund on card orders: the order and the dashboards count what is left, the card gets the rest."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories.dashboard import period_trade
from tests.factories.order import EUR_PLN, Market
from tests.integration.marketplace.card.support import Client, disputed, order, paid_checkout, refunds
from tests.stripe_stub import StripeStub


def in_euro(amount_minor: int) -> int:
    return int((Decimal(amount_minor) / EUR_PLN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def test_a_card_orders_refund_by_dispute_is_credited_on_the_order_and_left_out_of_the_dashboards(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    run_jobs: Any,
) -> None:
    m = market
    [partly] = (await paid_checkout(card_client, stub, m, run_jobs, (m.cheese, "10")))["orders"]
    [wholly] = (await paid_checkout(card_client, stub, m, run_jobs, (m.cheese, "10")))["orders"]
    before = await period_trade(card_client, sessions, m.hub, m.coordinator)
    assert (before["orders"], before["value_minor"]) == (2, 2 * in_euro(55000))

    await disputed(card_client, m, partly["id"], {"outcome": "partial_refund", "refund_minor": 20000, "note": "x"})
    await disputed(card_client, m, wholly["id"], {"outcome": "full_refund", "note": "All spoiled."})
    await run_jobs()

    partial = await order(card_client, m.buyer, partly["id"])
    assert (partial["status"], partial["invoice"], partial["credited"], partial["net_total"]) == (
        "completed",
        None,
        {"amount_minor": 20000, "currency": "PLN"},
        {"amount_minor": 35000, "currency": "PLN"},
    )
    full = await order(card_client, m.buyer, wholly["id"])
    assert (full["credited"]["amount_minor"], full["net_total"]["amount_minor"]) == (55000, 0)
    made = await refunds(sessions)
    assert made[wholly["id"]].amount_minor == wholly["display_total"]["amount_minor"]  # the card got it all back
    after = await period_trade(card_client, sessions, m.hub, m.coordinator)
    assert (after["orders"], after["value_minor"]) == (1, in_euro(35000))
