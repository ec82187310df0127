"""The cart service: lines add up (also when added at the same moment), a quantity checkout would
refuse never enters the cart, lines show their listing as it is now, a refused checkout leaves cart
and stock as they were, an earlier order goes into the cart again as far as its goods are offered,
and, read for a buyer, the cart carries the VAT checkout then charges."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel.auth import Principal
from kernel.db import transaction
from kernel.errors import InvalidInput
from marketplace.cart.schemas import CartCheckout, CartLineAdd, LeftOut, LineState
from marketplace.cart.service import CartEmpty, CartService
from marketplace.order.models import PaymentMethod
from marketplace.order.schemas import Address, Delivery
from marketplace.order.service import OutOfStock
from marketplace.organization.service import OrganizationNotFound
from tests.factories.identity import Account
from tests.factories.order import ADDRESS, Market, build_market, place, set_billing, stock_of

Client = AsyncTestClient[Any]
Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def market(client: Client, sessions: Sessions, settings: Settings) -> Market:
    return await build_market(client, sessions, settings)


def principal(account: Account) -> Principal:
    return Principal(user_id=account.id, email=account.email, email_verified=True)


async def add(sessions: Sessions, account: Account, listing: dict[str, Any], quantity: str) -> Decimal:
    async with transaction(sessions) as session:
        return await CartService(session).add_line(
            principal(account), CartLineAdd(listing_id=listing["id"], quantity=Decimal(quantity))
        )


async def quantities(sessions: Sessions, account: Account) -> dict[str, Decimal]:
    async with transaction(sessions) as session:
        cart = await CartService(session).lines(principal(account))
    return {str(line.listing_id): line.quantity for group in cart.groups for line in group.lines}


def checkout_of(market: Market) -> CartCheckout:
    return CartCheckout(
        buyer_organization_id=market.buyer_org["id"],
        delivery=Delivery(jurisdiction="DE-SN", address=Address(**ADDRESS)),
        payment_method=PaymentMethod.invoice,
    )


async def test_lines_add_up_even_when_added_at_the_same_moment(sessions: Sessions, market: Market) -> None:
    m = market
    await asyncio.gather(*(add(sessions, m.buyer, m.honey, "2") for _ in range(5)))
    assert await quantities(sessions, m.buyer) == {m.honey["id"]: Decimal(10)}


async def test_a_quantity_checkout_would_refuse_leaves_the_line_as_it_was(sessions: Sessions, market: Market) -> None:
    m = market
    await add(sessions, m.buyer, m.honey, "2")
    for quantity, said in (("0.25", "must be a whole number of packs"), ("0", "must be a positive number")):
        with pytest.raises(InvalidInput) as refused:
            await add(sessions, m.buyer, m.honey, quantity)
        assert [(e.field, e.message.startswith(said)) for e in refused.value.errors] == [("$.quantity", True)]
    with pytest.raises(InvalidInput):
        await add(sessions, m.buyer, m.jam, "1.5")  # pieces are whole
    assert await quantities(sessions, m.buyer) == {m.honey["id"]: Decimal(2)}


async def test_lines_show_their_listing_as_it_is_now(client: Client, sessions: Sessions, market: Market) -> None:
    m = market
    await add(sessions, m.buyer, m.honey, "20")
    await add(sessions, m.buyer, m.jam, "3")
    await add(sessions, m.buyer, m.cheese, "41")  # 40 kg in stock
    paused = await client.post(f"/api/v1/listings/{m.jam['id']}/pause", headers=m.honey_maker.headers)
    assert paused.status_code == 200, paused.text

    async with transaction(sessions) as session:
        cart = await CartService(session).lines(principal(m.buyer), ["de"])

    [honey_maker, cheese_maker] = cart.groups
    assert honey_maker.producer_name == m.producer_a["legal_name"]
    [honey, jam] = honey_maker.lines
    assert (honey.title, honey.unit_price, honey.total.amount_minor) == ("Lindenhonig", Decimal("44.00"), 88000)
    assert (jam.state, honey.state) == (LineState.unavailable, LineState.orderable)
    assert honey_maker.subtotal.amount_minor == 88000 + 3600
    [cheese] = cheese_maker.lines
    assert (cheese.state, cheese.unit_price) == (LineState.short_of_stock, Decimal("55.00"))
    assert not cart.orderable


async def test_a_refused_checkout_leaves_the_cart_and_the_stock_as_they_were(
    client: Client, sessions: Sessions, market: Market
) -> None:
    m = market
    await add(sessions, m.buyer, m.honey, "20")
    await add(sessions, m.buyer, m.cheese, "41")

    async with transaction(sessions) as session:  # committed, as a page answering the refusal does
        with pytest.raises(OutOfStock) as refused:
            await CartService(session).checkout(principal(m.buyer), checkout_of(m))
        numbered = await CartService(session).listing_ids(principal(m.buyer))

    assert [e.field for e in refused.value.errors] == ["$.lines[1].quantity"]
    assert str(numbered[1]) == m.cheese["id"]
    assert await stock_of(client, m.honey_maker, m.honey) == "250"
    assert await quantities(sessions, m.buyer) == {m.honey["id"]: Decimal(20), m.cheese["id"]: Decimal(41)}


async def test_a_checkout_orders_the_whole_cart_once(client: Client, sessions: Sessions, market: Market) -> None:
    m = market
    await add(sessions, m.buyer, m.honey, "20")
    await add(sessions, m.buyer, m.cheese, "2")

    async with transaction(sessions) as session:
        placed = await CartService(session).checkout(principal(m.buyer), checkout_of(m))
    assert len(placed.orders) == 2
    assert await quantities(sessions, m.buyer) == {}
    async with transaction(sessions) as session:
        with pytest.raises(CartEmpty):
            await CartService(session).checkout(principal(m.buyer), checkout_of(m))
    assert await stock_of(client, m.honey_maker, m.honey) == "230"


async def test_an_earlier_order_goes_into_the_cart_again_as_far_as_its_goods_are_offered(
    client: Client, sessions: Sessions, market: Market
) -> None:
    m = market
    [order_a, _] = (await place(client, m.buyer, m.checkout((m.honey, "20"), (m.jam, "3"), (m.cheese, "2"))))["orders"]
    paused = await client.post(f"/api/v1/listings/{m.jam['id']}/pause", headers=m.honey_maker.headers)
    assert paused.status_code == 200, paused.text

    async with transaction(sessions) as session:
        repeated = await CartService(session).repeat(principal(m.buyer), order_a["id"], ["en"])

    assert [str(listing_id) for listing_id in repeated.added] == [m.honey["id"]]
    assert [(line.title, line.reason) for line in repeated.left_out] == [("Linden honey", LeftOut.unavailable)]
    assert await quantities(sessions, m.buyer) == {m.honey["id"]: Decimal(20)}


async def test_the_cart_carries_the_vat_checkout_charges_when_read_for_the_buyer(
    client: Client, sessions: Sessions, market: Market
) -> None:
    m = market
    await set_billing(client, m.honey_maker, m.producer_a, vat_number="PL5260250274")
    await add(sessions, m.buyer, m.honey, "20")
    await add(sessions, m.buyer, m.jam, "5")
    await add(sessions, m.buyer, m.cheese, "2")

    async with transaction(sessions) as session:
        cart = await CartService(session).lines(principal(m.buyer), ["en"], uuid.UUID(m.buyer_org["id"]))
        placed = await CartService(session).checkout(principal(m.buyer), checkout_of(m))

    # A registered Polish producer charges a German buyer without a VAT number its own 23 %; the
    # other producer is not registered for VAT and charges none.
    honey_maker, cheese_maker = cart.groups
    assert {(line.vat.category, line.vat.rate) for line in honey_maker.lines if line.vat} == {("S", Decimal(23))}
    assert [(line.vat.category, line.vat.note) for line in cheese_maker.lines if line.vat] == [("O", "not_registered")]
    orders = {order.producer_organization_id: order for order in placed.orders}
    for group in cart.groups:
        order = orders[group.producer_organization_id]
        assert (group.vat, group.total, group.vat_breakdown) == (order.vat, order.total, order.vat_breakdown)
    assert honey_maker.vat is not None
    assert honey_maker.vat.amount_minor == 21620  # 23 % of 940.00 PLN


async def test_the_vat_is_worked_out_only_for_an_organisation_of_the_caller(sessions: Sessions, market: Market) -> None:
    m = market
    await add(sessions, m.honey_maker, m.cheese, "2")
    async with transaction(sessions) as session:
        with pytest.raises(OrganizationNotFound):
            await CartService(session).lines(principal(m.honey_maker), [], uuid.UUID(m.buyer_org["id"]))
        cart = await CartService(session).lines(principal(m.honey_maker))
    assert cart.buyer_organization_id is None
    assert [(group.vat, group.total) for group in cart.groups] == [(None, None)]
