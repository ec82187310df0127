"""A producer's card payments page, against the local Stripe stub: whether buyers can pay it by card
(and the way to Stripe's onboarding), and the card money of its paid orders — what the buyer paid,
the hub's fee, what was transferred, what a refund took back. Only its members see it; without
Stripe it says card payments are not offered.

The service with card payments on is this folder's conftest.py's (`card_client`, `card_market`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel.db import transaction
from marketplace.identity.models import User
from tests.factories.identity import register
from tests.factories.order import Market, build_market
from tests.integration.marketplace.card.support import fee
from tests.integration.web.card_support import by_card_on_stripes_page, signed_in, stripe_sends
from tests.integration.web.pages import csrf_of, submit
from tests.stripe_stub import StripeStub, event, fixtures_path
from web.words import UNVERIFIED

if not fixtures_path().exists():
    pytest.skip(f"Stripe's fixture objects are not at {fixtures_path()}", allow_module_level=True)

Client = AsyncTestClient[Any]
NOT_FOUND = "This page does not exist, or it is not yours to see."
CAN_BE_PAID = "Buyers can pay this organisation by card."
# 20 kg of honey at 44.00 PLN and 2 kg of cheese at 60.00 PLN, each in EUR at 4.25: 207.06 + 28.24.
HONEY_EUR, CHEESE_EUR = 20706, 2824


def euros(minor: int) -> str:
    return f"€{minor // 100:,}.{minor % 100:02d}"


def payouts(organization: dict[str, Any]) -> str:
    return f"/organizations/{organization['id']}/payouts"


async def paid_by_card(client: Client, stub: StripeStub, m: Market, run_jobs: Callable[[], Awaitable[None]]) -> None:
    """The buyer pays the two producers' goods on Stripe's page; Stripe's events arrive; the worker
    marks the orders paid and transfers each producer's share."""
    _checkout_id, session_id = await by_card_on_stripes_page(client, stub, m)
    paid = stub.pay_checkout_session(session_id)
    delivered = await stripe_sends(client, event("payment_intent.succeeded", stub.objects[paid["payment_intent"]]))
    assert delivered.status_code == 200, delivered.text
    await run_jobs()


async def test_a_producer_sees_what_each_card_paid_order_brought_in_less_the_hubs_fee(
    card_client: Client, stub: StripeStub, card_market: Market, run_jobs: Callable[[], Awaitable[None]]
) -> None:
    m = card_market
    await paid_by_card(card_client, stub, m, run_jobs)

    await signed_in(card_client, m.honey_maker)
    profile = (await card_client.get(f"/organizations/{m.producer_a['id']}")).text
    assert f'href="{payouts(m.producer_a)}"' in profile  # the way to it, from the organisation's page
    shown = await card_client.get(payouts(m.producer_a))

    assert shown.status_code == 200
    assert CAN_BE_PAID in shown.text
    assert "Set up card payments with Stripe" not in shown.text
    assert shown.text.count("Order from Stadt Görlitz") == 1  # the honey order; the cheese is not hers
    assert euros(HONEY_EUR) in shown.text  # what the buyer paid
    assert euros(fee(HONEY_EUR)) in shown.text  # the hub's 2.5 %
    assert euros(HONEY_EUR - fee(HONEY_EUR)) in shown.text
    assert "Transferred to your Stripe account" in shown.text
    assert "Refunded to the buyer" not in shown.text


async def test_a_refund_of_a_rejected_order_shows_what_was_taken_back_from_the_transfer(
    card_client: Client, stub: StripeStub, card_market: Market, run_jobs: Callable[[], Awaitable[None]]
) -> None:
    m = card_market
    await paid_by_card(card_client, stub, m, run_jobs)
    listed = await card_client.get(f"/api/v1/organizations/{m.producer_b['id']}/orders", headers=m.cheese_maker.headers)
    assert listed.status_code == 200, listed.text
    [cheese_order] = listed.json()["items"]
    rejected = await card_client.post(
        f"/api/v1/orders/{cheese_order['id']}/reject", json={"note": "sold out"}, headers=m.cheese_maker.headers
    )
    assert rejected.status_code == 200, rejected.text
    await run_jobs()  # the refund to the card, then the reversal of the transfer

    await signed_in(card_client, m.cheese_maker)
    shown = (await card_client.get(payouts(m.producer_b))).text

    transferred = CHEESE_EUR - fee(CHEESE_EUR)
    assert euros(transferred) in shown
    assert f"Refunded to the buyer's card: {euros(CHEESE_EUR)}" in shown
    assert f"Taken back from your transfer for the refund: {euros(transferred)}" in shown


async def test_an_administrator_starts_stripes_onboarding_from_the_page_and_can_continue_it(
    card_client: Client, stub: StripeStub, card_sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    m = await build_market(card_client, card_sessions, settings)  # nobody onboarded
    await signed_in(card_client, m.honey_maker)
    before = (await card_client.get(payouts(m.producer_a))).text
    assert "Card payments are not set up yet" in before
    assert "No card money received yet." in before

    started = await submit(card_client, payouts(m.producer_a), f"{payouts(m.producer_a)}/onboarding", {})

    assert started.status_code == 303
    [created] = stub.requests_to("POST", "/v1/accounts")
    assert started.headers["location"].startswith("https://connect.stripe.com/setup/s/")  # Stripe's own page
    [link] = stub.requests_to("POST", "/v1/account_links")
    back = f"{settings.marketplace.public_url}{payouts(m.producer_a)}"
    assert (link.params["return_url"], link.params["refresh_url"]) == (back, back)
    assert created.params["metadata"]["organization_id"] == m.producer_a["id"]
    after = (await card_client.get(payouts(m.producer_a))).text
    assert "Stripe&#39;s onboarding is not finished" in after
    assert "Continue the onboarding with Stripe" in after


async def test_only_the_organisations_members_see_its_card_payments(card_client: Client, card_market: Market) -> None:
    m = card_market
    for account in (m.cheese_maker, m.buyer, await register(card_client)):
        await signed_in(card_client, account)
        shown = await card_client.get(payouts(m.producer_a))
        assert shown.status_code == 404, account.email
        assert NOT_FOUND in shown.text
        refused = await card_client.post(
            f"{payouts(m.producer_a)}/onboarding",
            data={"_csrf_token": csrf_of((await card_client.get("/orders")).text)},
        )
        assert refused.status_code == 404

    card_client.cookies.clear()
    anonymous = await card_client.get(payouts(m.producer_a), follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/sign-in?next=")


async def test_a_member_who_has_not_proven_the_address_is_told_to_and_sees_no_card_money(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    m = await build_market(client, sessions, settings)
    async with transaction(sessions) as session:
        await session.execute(update(User).where(User.id == m.honey_maker.id).values(email_verified_at=None))
    await signed_in(client, m.honey_maker)

    shown = await client.get(payouts(m.producer_a))

    assert shown.status_code == 403
    assert UNVERIFIED in shown.text
    assert "No card money received yet." in shown.text


async def test_without_stripe_the_page_says_card_payments_are_not_offered(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    m = await build_market(client, sessions, settings)
    await signed_in(client, m.honey_maker)

    shown = await client.get(payouts(m.producer_a))

    assert shown.status_code == 200
    assert "Card payments are not offered on Borderhub at the moment." in shown.text
    assert "/onboarding" not in shown.text
    started = await submit(client, payouts(m.producer_a), f"{payouts(m.producer_a)}/onboarding", {})
    assert started.status_code == 409
    assert "Card payments are not offered on Borderhub at the moment." in started.text
