"""Checking out by card in HTML, on Stripe's hosted payment page (a Checkout Session), against the
local Stripe stub: the buyer chooses card, is sent to the stub's payment page, comes back, and sees
the orders paid once Stripe's signed webhook has arrived; without Stripe, card is not offered.

The service is configured as the card payment tests configure it (this folder's conftest.py, as
`tests/integration/marketplace/card/conftest.py`): the SDK's API base is the stub, webhooks are
posted signed with the test secret and verified for real, and the worker is drained to mark the
orders paid and move the money."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from kernel.db import transaction
from marketplace.card.jobs import cancel_unpaid_card_orders
from marketplace.card.reconciliation import reconcile
from marketplace.order.models import UNPAID_CARD_ORDER_HOURS
from marketplace.payment.stripe_gateway import StripeGateway
from tests.factories.order import Market, build_market, stock_of
from tests.integration.marketplace.card.support import FEE_PERCENT, order
from tests.integration.web.card_support import (
    by_card_on_stripes_page,
    cart_of_two_producers,
    check_out,
    open_stripes_page,
    path_of,
    placed_by_card,
    signed_in,
    stripe_sends,
)
from tests.integration.web.pages import submit
from tests.stripe_stub import HOSTED_PAGE_PREFIX, StripeStub, event, fixtures_path

if not fixtures_path().exists():
    pytest.skip(f"Stripe's fixture objects are not at {fixtures_path()}", allow_module_level=True)

Client = AsyncTestClient[Any]
SESSIONS = "/v1/checkout/sessions"
CONFIRMING = "Thank you — your payment is being confirmed."
PAID = "Paid: waiting for the producer to accept it"


async def orders_placed_a_day_ago(sessions: async_sessionmaker[AsyncSession], checkout_id: str) -> None:
    async with transaction(sessions) as session:
        await session.execute(
            text(
                "UPDATE marketplace.purchase_order SET created_at = created_at - make_interval(hours => :h, mins => 1) "
                "WHERE checkout_id = CAST(:id AS uuid)"
            ),
            {"h": UNPAID_CARD_ORDER_HOURS, "id": checkout_id},
        )


# --- the tests --------------------------------------------------------------------------------


async def test_a_buyer_pays_by_card_on_stripes_page_and_sees_the_orders_paid_after_its_webhook(
    card_client: Client,
    stub: StripeStub,
    card_market: Market,
    card_settings: Settings,
    run_jobs: Callable[[], Awaitable[None]],
) -> None:
    m = card_market
    await signed_in(card_client, m.buyer)
    await cart_of_two_producers(card_client, m)
    form = (await card_client.get("/checkout")).text
    assert "By card, on Stripe's secure payment page" in form
    assert 'value="stripe"' in form

    checkout_id, session_id = await placed_by_card(card_client, stub, m)

    # One Checkout Session for the whole checkout, carrying what our own PaymentIntents carry, and
    # no PaymentIntent of ours besides it: Stripe makes the session's when the buyer pays.
    [created] = stub.requests_to("POST", SESSIONS)
    confirmation = f"{card_settings.marketplace.public_url}/checkouts/{checkout_id}"
    params = created.params
    assert params["mode"] == "payment"
    assert params["success_url"] == f"{confirmation}?paid=1"
    assert params["cancel_url"] == confirmation
    assert params["locale"] == "en"
    assert params["payment_intent_data"]["transfer_group"] == f"checkout_{checkout_id}"
    assert params["payment_intent_data"]["metadata"]["checkout_id"] == checkout_id
    [line] = params["line_items"]
    # 20 kg of honey at 44.00 PLN and 2 kg of cheese at 60.00 PLN, each in EUR at 4.25: 207.06 + 28.24.
    assert (line["price_data"]["currency"], line["price_data"]["unit_amount"]) == ("eur", "23530")
    assert line["price_data"]["product_data"]["name"] == f"{m.producer_a['legal_name']}, {m.producer_b['legal_name']}"
    assert created.idempotency_key is not None
    assert created.idempotency_key.startswith(f"checkout-session-{checkout_id}-1-")
    assert stub.requests_to("POST", "/v1/payment_intents") == []

    # Back on our site before paying (Stripe's "back" link): the orders wait, and can be paid.
    waiting = (await card_client.get(f"/checkouts/{checkout_id}")).text
    assert waiting.count("Waiting for the card payment") == 2
    assert "These orders wait for your card payment of €235.30." in waiting
    assert f'action="/checkouts/{checkout_id}/pay-by-card"' in waiting
    assert CONFIRMING not in waiting

    # The buyer pays on Stripe's page; Stripe's signed events arrive (its PaymentIntent's first).
    paid = stub.pay_checkout_session(session_id)
    intent = stub.objects[paid["payment_intent"]]
    assert intent["metadata"]["checkout_id"] == checkout_id
    assert intent["transfer_group"] == f"checkout_{checkout_id}"
    for payload in (event("payment_intent.succeeded", intent), event("checkout.session.completed", paid)):
        delivered = await stripe_sends(card_client, payload)
        assert delivered.status_code == 200, delivered.text

    # Stripe sends the browser back to the success address: thanked, and told it is being confirmed.
    back = await open_stripes_page(f"{stub.url}{HOSTED_PAGE_PREFIX}{session_id}")
    assert back.status_code == 303
    assert back.headers["location"] == f"{confirmation}?paid=1"
    thanked = (await card_client.get(path_of(back.headers["location"]))).text
    assert CONFIRMING in thanked
    assert "pay-by-card" not in thanked

    await run_jobs()  # the orders marked paid, each producer's share transferred

    shown = (await card_client.get(path_of(back.headers["location"]))).text
    assert shown.count(PAID) == 2
    assert CONFIRMING not in shown
    assert "pay-by-card" not in shown
    transfers = [r.params for r in stub.requests_to("POST", "/v1/transfers")]
    assert len(transfers) == 2
    assert {t["transfer_group"] for t in transfers} == {f"checkout_{checkout_id}"}
    payment = await card_client.get(f"/api/v1/checkouts/{checkout_id}/card-payment", headers=m.buyer.headers)
    assert payment.json()["payment_intent_id"] == intent["id"]
    assert payment.json()["status"] == "succeeded"


async def test_the_sessions_completed_event_alone_marks_the_orders_paid(
    card_client: Client, stub: StripeStub, card_market: Market, run_jobs: Callable[[], Awaitable[None]]
) -> None:
    m = card_market
    checkout_id, session_id = await by_card_on_stripes_page(card_client, stub, m)

    # The buyer pays with the stub's own page (its "Pay" button), whose only event to us is the session's.
    paid_there = await open_stripes_page(f"{stub.url}{HOSTED_PAGE_PREFIX}{session_id}", "POST")
    assert paid_there.status_code == 303
    assert path_of(paid_there.headers["location"]) == f"/checkouts/{checkout_id}?paid=1"
    completed = await stripe_sends(card_client, event("checkout.session.completed", stub.objects[session_id]))
    assert completed.status_code == 200, completed.text
    await run_jobs()

    shown = (await card_client.get(path_of(paid_there.headers["location"]))).text
    assert shown.count(PAID) == 2
    assert CONFIRMING not in shown


async def test_pay_by_card_opens_the_same_page_while_it_is_open_and_a_new_one_once_it_expired(
    card_client: Client, stub: StripeStub, card_market: Market
) -> None:
    m = card_market
    checkout_id, session_id = await by_card_on_stripes_page(card_client, stub, m)

    again = await submit(card_client, f"/checkouts/{checkout_id}", f"/checkouts/{checkout_id}/pay-by-card", {})
    assert again.status_code == 303
    assert again.headers["location"] == f"{stub.url}{HOSTED_PAGE_PREFIX}{session_id}"
    assert len(stub.requests_to("POST", SESSIONS)) == 1
    # One payment per checkout: the API's PaymentIntent is refused for a checkout paid on Stripe's page.
    started = await card_client.post(f"/api/v1/checkouts/{checkout_id}/card-payment", headers=m.buyer.headers)
    assert started.status_code == 409
    assert started.json()["type"].endswith("paid-on-hosted-page")

    stub.update(session_id, expires_at=int(time.time()) - 1)  # left unpaid until Stripe expired it
    expired = await open_stripes_page(f"{stub.url}{HOSTED_PAGE_PREFIX}{session_id}")
    assert "This payment page has expired" in expired.text

    renewed = await submit(card_client, f"/checkouts/{checkout_id}", f"/checkouts/{checkout_id}/pay-by-card", {})
    assert renewed.status_code == 303
    assert renewed.headers["location"].startswith(f"{stub.url}{HOSTED_PAGE_PREFIX}cs_test_")
    assert renewed.headers["location"] != f"{stub.url}{HOSTED_PAGE_PREFIX}{session_id}"
    _first, second = stub.requests_to("POST", SESSIONS)
    assert second.idempotency_key is not None
    assert second.idempotency_key.startswith(f"checkout-session-{checkout_id}-2-")


async def test_the_orders_are_placed_and_payable_later_when_stripes_page_cannot_be_opened(
    card_client: Client, stub: StripeStub, card_market: Market
) -> None:
    m = card_market
    await signed_in(card_client, m.buyer)
    await cart_of_two_producers(card_client, m)
    stub.fail_next(400, "Refused by the Stripe stub", "invalid_request_error", method="POST", path=SESSIONS)

    placed = await check_out(card_client, m, "stripe")

    assert placed.status_code == 303, placed.text
    location = placed.headers["location"]
    assert re.fullmatch(r"/checkouts/[0-9a-f-]+\?notice=checkout-placed-pay-later", location)
    shown = (await card_client.get(location)).text
    assert "payment page could not be opened just now. Pay by card below." in shown
    assert shown.count("Waiting for the card payment") == 2
    checkout_id = location.split("/")[2].split("?")[0]

    paying = await submit(card_client, location, f"/checkouts/{checkout_id}/pay-by-card", {})
    assert paying.status_code == 303
    assert paying.headers["location"].startswith(f"{stub.url}{HOSTED_PAGE_PREFIX}cs_test_")


async def test_unpaid_card_orders_are_cancelled_and_stripes_page_closed_after_a_day(
    card_client: Client,
    stub: StripeStub,
    card_market: Market,
    card_sessions: async_sessionmaker[AsyncSession],
    gateway: StripeGateway,
    run_jobs: Callable[[], Awaitable[None]],
) -> None:
    m = card_market
    checkout_id, session_id = await by_card_on_stripes_page(card_client, stub, m)
    await orders_placed_a_day_ago(card_sessions, checkout_id)

    async with transaction(card_sessions) as session:
        await cancel_unpaid_card_orders(gateway, session)
    await run_jobs()

    assert stub.objects[session_id]["status"] == "expired"  # nobody can pay for cancelled orders now
    shown = (await card_client.get(f"/checkouts/{checkout_id}")).text
    assert shown.count("Cancelled") == 2
    assert "pay-by-card" not in shown
    assert await stock_of(card_client, m.honey_maker, m.honey) == "250"


async def test_a_payment_made_on_stripes_page_whose_events_were_lost_keeps_its_orders(
    card_client: Client,
    stub: StripeStub,
    card_market: Market,
    card_sessions: async_sessionmaker[AsyncSession],
    gateway: StripeGateway,
    run_jobs: Callable[[], Awaitable[None]],
) -> None:
    m = card_market
    checkout_id, session_id = await by_card_on_stripes_page(card_client, stub, m)
    stub.pay_checkout_session(session_id)  # paid; no event reaches the service
    await orders_placed_a_day_ago(card_sessions, checkout_id)

    async with transaction(card_sessions) as session:
        await cancel_unpaid_card_orders(gateway, session)
    await run_jobs()

    placed = (await card_client.get(f"/api/v1/checkouts/{checkout_id}", headers=m.buyer.headers)).json()
    assert [(await order(card_client, m.buyer, o["id"]))["status"] for o in placed["orders"]] == ["paid", "paid"]
    assert stub.objects[session_id]["status"] == "complete"
    assert (await card_client.get(f"/checkouts/{checkout_id}")).text.count(PAID) == 2


async def test_the_reconciliation_records_a_payment_made_on_stripes_page_instead_of_refunding_it(
    card_client: Client,
    stub: StripeStub,
    card_market: Market,
    card_sessions: async_sessionmaker[AsyncSession],
    gateway: StripeGateway,
    run_jobs: Callable[[], Awaitable[None]],
) -> None:
    m = card_market
    checkout_id, session_id = await by_card_on_stripes_page(card_client, stub, m)
    paid = stub.pay_checkout_session(session_id)  # paid; every event lost

    with clock.travel(dt.timedelta(hours=1)):  # past the grace for PaymentIntents no checkout records
        report = await reconcile(card_sessions, gateway, FEE_PERCENT, since=clock.now() - dt.timedelta(days=1))
    await run_jobs()

    assert [f.kind for f in report.findings] == ["hosted_payment_recorded"]
    assert [f.subject for f in report.findings] == [paid["payment_intent"]]
    assert stub.requests_to("POST", "/v1/refunds") == []  # not taken for an orphan
    assert stub.objects[paid["payment_intent"]]["status"] == "succeeded"
    assert (await card_client.get(f"/checkouts/{checkout_id}")).text.count(PAID) == 2


async def test_without_stripe_the_checkout_offers_no_card_payment(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    m = await build_market(client, sessions, settings)
    await signed_in(client, m.buyer)
    await cart_of_two_producers(client, m)

    form = (await client.get("/checkout")).text
    assert "By invoice, on the hub's payment terms" in form
    assert 'value="stripe"' not in form
    assert "By card" not in form

    refused = await check_out(client, m, "stripe")  # a hand-made form asking for card all the same
    assert refused.status_code == 422
    assert 'id="f-payment_method-error"' in refused.text
    assert 'value="stripe"' not in refused.text

    placed = await check_out(client, m, "invoice")
    assert placed.status_code == 303, placed.text
    confirmation = placed.headers["location"].split("?")[0]
    assert "Pay by card" not in (await client.get(confirmation)).text
    paying = await submit(client, confirmation, f"{confirmation}/pay-by-card", {})
    assert paying.status_code == 409
    assert "These orders are paid by invoice." in paying.text
