"""The dashboards count trade net of VAT and show the VAT beside it: orders placed through the API by a
Polish producer registered for VAT to a German buyer (23 % Polish VAT without the buyer's VAT number, an
intra-Community supply at 0 % with it), converted into the hub's euros at 4.25 PLN."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel.db import transaction
from marketplace.dashboard.repository import NET_OF_VAT
from marketplace.order.models import Order
from tests.factories.dashboard import period_trade
from tests.factories.order import EUR_PLN, build_market, place, set_billing

Client = AsyncTestClient[Any]


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def in_euro(pln_minor: int) -> int:
    return half_up(Decimal(pln_minor) / EUR_PLN)


async def credit(sessions: async_sessionmaker[AsyncSession], order_id: str, amount_minor: int) -> None:
    """What a dispute's decision does to the order: part of its gross total credited."""
    async with transaction(sessions) as session:
        order = (await session.execute(select(Order).where(Order.id == uuid.UUID(order_id)))).scalar_one()
        order.credited_minor = amount_minor


async def test_an_order_with_vat_counts_its_net_across_the_border_and_shows_its_vat_apart(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    m = await build_market(client, sessions, settings)
    await set_billing(client, m.honey_maker, m.producer_a, vat_number="PL5260250274")
    [taxed] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    # 20 kg at 44.00 PLN, and 23 % Polish VAT: the German buyer gave no VAT number.
    assert (taxed["total"]["amount_minor"], taxed["vat"]["amount_minor"]) == (108240, 20240)
    await set_billing(client, m.buyer, m.buyer_org, vat_number="DE136695976")
    [intra] = (await place(client, m.buyer, m.checkout((m.jam, "5"))))["orders"]
    assert (intra["total"]["amount_minor"], intra["vat"]["amount_minor"]) == (6000, 0)  # intra-Community: 0 %

    trade = await period_trade(client, sessions, m.hub, m.coordinator)
    net = in_euro(88000) + in_euro(6000)
    assert (trade["orders"], trade["value_minor"], trade["cross_border_value_minor"]) == (2, net, net)
    assert (trade["vat_minor"], trade["gross_value_minor"]) == (in_euro(20240), net + in_euro(20240))
    assert trade["cross_border_percent"] == "100.00"
    # The flows and the producers' revenue are the same net value: VAT is not trade.
    dashboard = (await client.get(f"/api/v1/hubs/{m.hub['id']}/dashboard", headers=m.coordinator.headers)).json()
    assert [row["value_minor"] for row in dashboard["flows"] if row["month"] is None] == [net]
    assert [row["revenue_minor"] for row in dashboard["cohorts"] if row["month"] is None] == [net]


async def test_a_partly_credited_order_counts_what_is_left_of_it_net_of_vat(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    m = await build_market(client, sessions, settings)
    await set_billing(client, m.honey_maker, m.producer_a, vat_number="PL5260250274")
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    # 100.00 PLN of the 1,082.40 PLN owed is credited: the VAT's share of it goes with it.
    await credit(sessions, order["id"], 10000)
    trade = await period_trade(client, sessions, m.hub, m.coordinator)
    left_net = half_up(Decimal(108240 - 10000) * 88000 / 108240)  # 798.70 PLN
    left_vat = 108240 - 10000 - left_net  # 183.70 PLN
    assert (left_net, left_vat) == (79870, 18370)
    assert (trade["value_minor"], trade["cross_border_value_minor"]) == (in_euro(left_net), in_euro(left_net))
    assert (trade["vat_minor"], trade["gross_value_minor"]) == (
        in_euro(left_vat),
        in_euro(left_net) + in_euro(left_vat),
    )


async def test_net_of_vat_rounds_half_up_in_whole_minor_units_and_is_zero_for_a_zero_total(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cases = [
        # total, VAT, credited -> net after credits
        ((12300, 2300, 0), 10000),  # nothing credited: the lines' net
        ((12300, 0, 300), 12000),  # no VAT: what is left of the total
        ((4, 1, 2), 2),  # 2 x 3 / 4 = 1.5, half-up
        ((7, 1, 2), 4),  # 5 x 6 / 7 = 4.29
        ((0, 0, 0), 0),
        # Far beyond what a bigint product holds: computed exactly all the same.
        ((9_000_000_000_000_000, 1_000_000_000_000_000, 4_500_000_000_000_000), 4_000_000_000_000_000),
    ]
    rows = ", ".join(f"({total}, {vat}, {credited})" for (total, vat, credited), _ in cases)
    async with transaction(sessions) as session:
        result = await session.execute(
            text(f"SELECT {NET_OF_VAT} FROM (VALUES {rows}) AS o(total_minor, vat_minor, credited_minor)")  # noqa: S608
        )
        assert [int(value) for value in result.scalars()] == [net for _, net in cases]
