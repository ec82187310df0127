"""Card payments through Stripe Connect, against a local Stripe stub answering with Stripe's fixtures.

The service is configured as in production except that the SDK's API base is the stub; the
webhook is called with payloads signed by the test secret; the worker is drained to run the
money moves (transfers, refunds) that the outbox hands it.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel import clock
from kernel.db import transaction
from kernel.outbox import OutboxEvent
from marketplace.card.jobs import cancel_unpaid_card_orders
from marketplace.order.models import UNPAID_CARD_ORDER_HOURS
from marketplace.payment.stripe_gateway import StripeGateway
from tests.factories.order import Market, place, stock_of
from tests.integration.marketplace.card.support import (
    LINK_URLS,
    WEBHOOK,
    WEBHOOK_SECRET,
    Client,
    card_checkout,
    disputed,
    fee,
    onboard,
    order,
    paid_checkout,
    post_connect_event,
    post_event,
    start_payment,
    stripe_events,
    succeed,
    transfers,
)
from tests.stripe_stub import StripeStub, event, fixture

# --- producers' accounts ---------------------------------------------------------------------


async def test_onboarding_creates_one_connected_account_and_a_fresh_link_each_time(
    card_client: Client, stub: StripeStub, market: Market
) -> None:
    m = market
    url = f"/api/v1/organizations/{m.producer_a['id']}/payout-account"
    first = await card_client.post(f"{url}/onboarding-link", json=LINK_URLS, headers=m.honey_maker.headers)
    second = await card_client.post(f"{url}/onboarding-link", json=LINK_URLS, headers=m.honey_maker.headers)
    assert (first.status_code, second.status_code) == (201, 201), first.text
    account_id = first.json()["account"]["stripe_account_id"]
    assert second.json()["account"]["stripe_account_id"] == account_id
    assert first.json()["account"]["transfers_active"] is False
    assert dt.datetime.fromisoformat(first.json()["expires_at"]) > clock.now()

    [created] = stub.requests_to("POST", "/v1/accounts")
    assert created.params == {
        "type": "express",
        "country": "PL",
        "capabilities": {"transfers": {"requested": "true"}},
        "business_profile": {"name": m.producer_a["legal_name"]},
        "metadata": {"organization_id": m.producer_a["id"]},
    }
    assert created.idempotency_key is not None
    assert created.idempotency_key.startswith("account-")
    links = stub.requests_to("POST", "/v1/account_links")
    assert [link.params for link in links] == [{"account": account_id, "type": "account_onboarding", **LINK_URLS}] * 2

    # Until Stripe activates transfers, buyers cannot pay this producer by card.
    assert (await card_client.get(url, headers=m.honey_maker.headers)).json()["transfers_active"] is False


async def test_account_updated_is_applied_as_stripe_has_it_now_not_as_the_event_says(
    card_client: Client, stub: StripeStub, market: Market
) -> None:
    m = market
    account_id = await onboard(card_client, stub, m.honey_maker, m.producer_a)
    url = f"/api/v1/organizations/{m.producer_a['id']}/payout-account"
    assert (await card_client.get(url, headers=m.honey_maker.headers)).json()["transfers_active"] is True

    # An older event arrives late, still showing transfers inactive: the account is fetched again.
    stale = {**stub.objects[account_id], "capabilities": {"transfers": "inactive"}}
    late = await post_connect_event(card_client, event("account.updated", stale, account=account_id))
    assert late.status_code == 200
    assert (await card_client.get(url, headers=m.honey_maker.headers)).json()["transfers_active"] is True
    assert len(stub.requests_to("GET", f"/v1/accounts/{account_id}")) == 2


async def test_onboarding_is_for_admins_of_producers_only(card_client: Client, market: Market) -> None:
    m = market
    buyer_only = await card_client.post(
        f"/api/v1/organizations/{m.buyer_org['id']}/payout-account/onboarding-link",
        json=LINK_URLS,
        headers=m.buyer.headers,
    )
    assert buyer_only.status_code == 422
    assert buyer_only.json()["errors"][0]["field"] == "$.organization_id"
    outsider = await card_client.post(
        f"/api/v1/organizations/{m.producer_a['id']}/payout-account/onboarding-link",
        json=LINK_URLS,
        headers=m.cheese_maker.headers,
    )
    assert outsider.status_code == 404
    bad_url = await card_client.post(
        f"/api/v1/organizations/{m.producer_a['id']}/payout-account/onboarding-link",
        json={**LINK_URLS, "return_url": "javascript:alert(1)"},
        headers=m.honey_maker.headers,
    )
    assert bad_url.status_code in {400, 422}
    assert "return_url" in bad_url.text


async def test_card_checkout_is_refused_for_a_producer_not_yet_onboarded(
    card_client: Client, stub: StripeStub, market: Market
) -> None:
    m = market
    await onboard(card_client, stub, m.honey_maker, m.producer_a)
    refused = await card_client.post(
        "/api/v1/checkouts",
        json=m.checkout((m.honey, "20"), (m.cheese, "10"), payment_method="stripe"),
        headers=m.buyer.headers,
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["$.lines[1].listing_id"]
    assert "paid by card" in refused.json()["errors"][0]["message"]


# --- paying a checkout --------------------------------------------------------------------------


async def test_a_card_checkout_is_paid_once_and_each_producer_gets_its_share_less_the_hub_fee(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    run_jobs: Any,
) -> None:
    m = market
    checkout = await card_checkout(card_client, m, (m.honey, "20"), (m.cheese, "10"))
    orders = checkout["orders"]
    assert [o["status"] for o in orders] == ["pending_payment", "pending_payment"]
    payment = await start_payment(card_client, m, checkout)
    total = sum(o["display_total"]["amount_minor"] for o in orders)
    assert payment["amount"] == {"amount_minor": total, "currency": "EUR"}
    assert payment["status"] == "requires_payment_method"
    assert payment["client_secret"].startswith(payment["payment_intent_id"])

    [created] = stub.requests_to("POST", "/v1/payment_intents")
    assert created.params == {
        "amount": str(total),
        "currency": "eur",
        "automatic_payment_methods": {"enabled": "true"},
        "transfer_group": f"checkout_{checkout['id']}",
        "description": f"Borderhub checkout {checkout['id']}",
        "metadata": {"checkout_id": checkout["id"], "buyer_organization_id": m.buyer_org["id"]},
    }
    assert created.idempotency_key is not None
    assert created.idempotency_key.startswith("payment-")
    # Asking again returns the same PaymentIntent; nothing new is created.
    again = await card_client.post(f"/api/v1/checkouts/{checkout['id']}/card-payment", headers=m.buyer.headers)
    assert again.json()["payment_intent_id"] == payment["payment_intent_id"]
    assert len(stub.requests_to("POST", "/v1/payment_intents")) == 1

    received = await succeed(card_client, stub, payment)
    charge = stub.objects[payment["payment_intent_id"]]["latest_charge"]
    assert received.status_code == 200, received.text
    assert received.json() == {"event_id": received.json()["event_id"], "duplicate": False}
    await run_jobs()

    assert [(await order(card_client, m.buyer, o["id"]))["status"] for o in orders] == ["paid", "paid"]
    read = await card_client.get(f"/api/v1/checkouts/{checkout['id']}/card-payment", headers=m.buyer.headers)
    assert read.json()["status"] == "succeeded"
    sent = {r.params["destination"]: r for r in stub.requests_to("POST", "/v1/transfers")}
    assert len(sent) == 2
    for o in orders:
        share = o["display_total"]["amount_minor"]
        request = sent[onboarded[o["producer_organization_id"]]]
        assert request.params == {
            "amount": str(share - fee(share)),
            "currency": "eur",
            "destination": onboarded[o["producer_organization_id"]],
            "transfer_group": f"checkout_{checkout['id']}",
            "source_transaction": charge,
            "metadata": {"order_id": o["id"]},
        }
        assert request.idempotency_key is not None
        assert request.idempotency_key.startswith("transfer-")
    recorded = await transfers(sessions)
    assert {oid: (t.status, t.amount_minor + t.fee_minor) for oid, t in recorded.items()} == {
        o["id"]: ("made", o["display_total"]["amount_minor"]) for o in orders
    }
    assert read.json()["settled"] == {"amount_minor": total, "currency": "EUR"}


async def test_the_hub_fee_is_taken_on_the_goods_not_on_the_vat_when_the_producer_charges_vat(
    card_client: Client, stub: StripeStub, market: Market, onboarded: dict[str, str], run_jobs: Any
) -> None:
    m = market
    billing = {"vat_scheme": "registered", "vat_number": "PL5260250274"}
    saved = await card_client.put(
        f"/api/v1/organizations/{m.producer_a['id']}/billing", json=billing, headers=m.honey_maker.headers
    )
    assert saved.status_code == 200, saved.text
    checkout = await card_checkout(card_client, m, (m.honey, "20"))
    [placed] = checkout["orders"]
    assert placed["vat"]["amount_minor"] > 0  # Polish VAT: the German buyer has no VAT number
    payment = await start_payment(card_client, m, checkout)
    await succeed(card_client, stub, payment)
    await run_jobs()
    [sent] = stub.requests_to("POST", "/v1/transfers")
    share = placed["display_total"]["amount_minor"]
    total, vat = placed["total"]["amount_minor"], placed["vat"]["amount_minor"]
    net_share = int((Decimal(share) * (total - vat) / total).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert sent.params["amount"] == str(share - fee(net_share))
    assert fee(net_share) < fee(share)


async def test_a_replayed_webhook_has_no_second_effect(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    run_jobs: Any,
) -> None:
    m = market
    checkout = await card_checkout(card_client, m, (m.honey, "20"), (m.cheese, "10"))
    payment = await start_payment(card_client, m, checkout)
    delivered = event("payment_intent.succeeded", stub.succeed_payment(payment["payment_intent_id"]))

    first = await post_event(card_client, delivered)
    replayed = await post_event(card_client, delivered)
    assert (first.json()["duplicate"], replayed.json()["duplicate"]) == (False, True)
    await run_jobs()
    # A later redelivery after the money moved changes nothing either.
    assert (await post_event(card_client, delivered)).json()["duplicate"] is True
    await run_jobs()

    assert len(stub.requests_to("POST", "/v1/transfers")) == 2
    assert len(await transfers(sessions)) == 2
    async with transaction(sessions) as session:
        paid_events = (
            await session.execute(select(OutboxEvent).where(OutboxEvent.topic == "marketplace.OrderStatusChanged"))
        ).scalars()
        assert sorted(e.payload["to_status"] for e in paid_events) == ["paid", "paid"]


@pytest.mark.parametrize(
    "signed",
    [
        pytest.param({"secret": "whsec_forged"}, id="forged"),
        pytest.param({"age": 301}, id="stale"),
        pytest.param({"age": -302}, id="from-the-future"),
        pytest.param({"livemode": True}, id="live-event-to-a-test-key"),
    ],
)
async def test_a_forged_or_stale_signature_is_refused_and_changes_nothing(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    signed: dict[str, Any],
) -> None:
    m = market
    checkout = await card_checkout(card_client, m, (m.cheese, "10"))
    payment = await start_payment(card_client, m, checkout)
    stub.update(payment["payment_intent_id"], status="succeeded")
    events_before = await stripe_events(sessions)

    intent = stub.objects[payment["payment_intent_id"]]
    payload = event("payment_intent.succeeded", intent, livemode=signed.get("livemode", False))
    signature = {"timestamp": int(time.time()) - signed["age"]} if "age" in signed else {}
    refused = await post_event(card_client, payload, secret=signed.get("secret", WEBHOOK_SECRET), **signature)
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("/bad-webhook-signature")
    assert await stripe_events(sessions) == events_before
    read = await card_client.get(f"/api/v1/checkouts/{checkout['id']}/card-payment", headers=m.buyer.headers)
    assert read.json()["status"] == "requires_payment_method"
    unsigned = await card_client.post(WEBHOOK, content=b"{}", headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 400


async def test_events_are_checked_against_stripe_not_taken_at_their_word(
    card_client: Client, stub: StripeStub, market: Market, onboarded: dict[str, str], run_jobs: Any
) -> None:
    m = market
    checkout = await card_checkout(card_client, m, (m.cheese, "10"))
    payment = await start_payment(card_client, m, checkout)
    intent = payment["payment_intent_id"]
    url = f"/api/v1/checkouts/{checkout['id']}/card-payment"

    # A "succeeded" event for a payment Stripe has not taken (the card was declined since).
    declined = {"type": "card_error", "code": "card_declined", "message": "Your card was declined."}
    stub.update(intent, status="requires_payment_method", last_payment_error=declined)
    claimed = {**stub.objects[intent], "status": "succeeded"}
    assert (await post_event(card_client, event("payment_intent.succeeded", claimed))).status_code == 200
    read = (await card_client.get(url, headers=m.buyer.headers)).json()
    assert (read["status"], read["last_error"]) == ("requires_payment_method", "Your card was declined.")
    await run_jobs()
    assert (await order(card_client, m.buyer, checkout["orders"][0]["id"]))["status"] == "pending_payment"

    # The buyer pays with another card; the failure event of the first attempt arrives after the success.
    stub.succeed_payment(intent)
    stub.update(intent, last_payment_error=None)
    assert (await post_event(card_client, event("payment_intent.succeeded", stub.objects[intent]))).status_code == 200
    failed_late = {**stub.objects[intent], "status": "requires_payment_method", "last_payment_error": declined}
    assert (await post_event(card_client, event("payment_intent.payment_failed", failed_late))).status_code == 200
    read = (await card_client.get(url, headers=m.buyer.headers)).json()
    assert (read["status"], read["last_error"]) == ("succeeded", None)
    await run_jobs()
    assert (await order(card_client, m.buyer, checkout["orders"][0]["id"]))["status"] == "paid"


async def test_stripe_failing_leaves_nothing_half_written_and_the_retry_works(
    card_client: Client, stub: StripeStub, market: Market, onboarded: dict[str, str]
) -> None:
    m = market
    checkout = await card_checkout(card_client, m, (m.cheese, "10"))
    url = f"/api/v1/checkouts/{checkout['id']}/card-payment"
    stub.fail_next(status=500, times=3)  # the first try and the SDK's two retries
    failed = await card_client.post(url, headers=m.buyer.headers)
    assert failed.status_code == 502, failed.text
    assert failed.json()["type"].endswith("/payment-provider-error")
    assert (await card_client.get(url, headers=m.buyer.headers)).status_code == 404
    retried = await card_client.post(url, headers=m.buyer.headers)
    assert retried.status_code == 201, retried.text
    # Every attempt carried the same key, so Stripe could never create two PaymentIntents for it.
    attempts = stub.requests_to("POST", "/v1/payment_intents")
    assert len(attempts) == 4
    assert len({a.idempotency_key for a in attempts}) == 1


async def test_only_the_buyers_members_see_or_start_the_card_payment(
    card_client: Client, stub: StripeStub, market: Market, onboarded: dict[str, str]
) -> None:
    m = market
    checkout = await card_checkout(card_client, m, (m.cheese, "10"))
    await start_payment(card_client, m, checkout)
    url = f"/api/v1/checkouts/{checkout['id']}/card-payment"
    for outsider in (m.cheese_maker, m.honey_maker):
        assert (await card_client.get(url, headers=outsider.headers)).status_code == 404
        assert (await card_client.post(url, headers=outsider.headers)).status_code == 404
    invoice_checkout = await place(card_client, m.buyer, m.checkout((m.jam, "5"), payment_method="invoice"))
    refused = await card_client.post(
        f"/api/v1/checkouts/{invoice_checkout['id']}/card-payment", headers=m.buyer.headers
    )
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/not-paid-by-card")


# --- money going back -----------------------------------------------------------------------------


async def test_cancelling_a_paid_order_refunds_its_share_and_takes_back_the_producers_transfer(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    run_jobs: Any,
) -> None:
    m = market
    checkout = await card_checkout(card_client, m, (m.honey, "20"), (m.cheese, "10"))
    payment = await start_payment(card_client, m, checkout)
    await succeed(card_client, stub, payment)
    await run_jobs()
    cheese_order = next(o for o in checkout["orders"] if o["producer_organization_id"] == m.producer_b["id"])
    cancelled = await card_client.post(
        f"/api/v1/orders/{cheese_order['id']}/cancel", json={"note": "Plans changed"}, headers=m.buyer.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    await run_jobs()

    share = cheese_order["display_total"]["amount_minor"]
    [refund] = stub.requests_to("POST", "/v1/refunds")
    assert refund.params == {
        "payment_intent": payment["payment_intent_id"],
        "amount": str(share),
        "reason": "requested_by_customer",
        "metadata": {"order_id": cheese_order["id"], "reason": "cancelled"},
    }
    assert refund.idempotency_key is not None
    assert refund.idempotency_key.startswith("refund-")
    transfer = (await transfers(sessions))[cheese_order["id"]]
    [reversal] = stub.requests_to("POST", f"/v1/transfers/{transfer.stripe_transfer_id}/reversals")
    assert reversal.params["amount"] == str(share - fee(share))
    assert transfer.reversed_minor == share - fee(share)
    read = (await card_client.get(f"/api/v1/checkouts/{checkout['id']}/card-payment", headers=m.buyer.headers)).json()
    assert read["refunds"] == [
        {
            "order_id": cheese_order["id"],
            "amount": {"amount_minor": share, "currency": "EUR"},
            "reason": "cancelled",
            "status": "made",
        }
    ]


async def test_an_order_cancelled_while_the_payment_was_under_way_is_refunded_not_transferred(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    run_jobs: Any,
) -> None:
    m = market
    checkout = await card_checkout(card_client, m, (m.honey, "20"), (m.cheese, "10"))
    payment = await start_payment(card_client, m, checkout)
    honey_order, cheese_order = sorted(
        checkout["orders"], key=lambda o: o["producer_organization_id"] != m.producer_a["id"]
    )
    rejected = await card_client.post(
        f"/api/v1/orders/{cheese_order['id']}/reject",
        json={"note": "Sold out at the market"},
        headers=m.cheese_maker.headers,
    )
    assert rejected.status_code == 200, rejected.text
    await run_jobs()
    assert stub.requests_to("POST", "/v1/refunds") == []  # nothing was taken yet

    await succeed(card_client, stub, payment)
    await run_jobs()

    assert (await order(card_client, m.buyer, honey_order["id"]))["status"] == "paid"
    assert (await order(card_client, m.buyer, cheese_order["id"]))["status"] == "rejected"
    [refund] = stub.requests_to("POST", "/v1/refunds")
    assert (refund.params["amount"], refund.params["metadata"]["reason"]) == (
        str(cheese_order["display_total"]["amount_minor"]),
        "rejected",
    )
    assert {oid for oid, t in (await transfers(sessions)).items() if t.status == "made"} == {honey_order["id"]}


async def test_a_partial_refund_by_dispute_goes_back_to_the_card_in_proportion(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    run_jobs: Any,
) -> None:
    m = market
    checkout = await paid_checkout(card_client, stub, m, run_jobs, (m.cheese, "10"))
    [cheese_order] = checkout["orders"]
    total = cheese_order["total"]["amount_minor"]  # 550.00 PLN
    resolution = {"outcome": "partial_refund", "refund_minor": total // 2, "note": "Half the wheels."}
    await disputed(card_client, m, cheese_order["id"], resolution)
    await run_jobs()

    share = cheese_order["display_total"]["amount_minor"]
    half = int((Decimal(share) * (total // 2) / total).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    [refund] = stub.requests_to("POST", "/v1/refunds")
    assert (refund.params["amount"], refund.params["metadata"]["reason"]) == (str(half), "dispute")
    transfer = (await transfers(sessions))[cheese_order["id"]]
    expected_reversal = int(
        (Decimal(transfer.amount_minor) * half / share).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    )
    assert transfer.reversed_minor == expected_reversal


async def test_chargebacks_and_refunds_made_in_stripe_are_recorded(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    run_jobs: Any,
) -> None:
    m = market
    checkout = await card_checkout(card_client, m, (m.cheese, "10"))
    payment = await start_payment(card_client, m, checkout)
    await succeed(card_client, stub, payment)
    chargeback = {
        **fixture("dispute"),
        "payment_intent": payment["payment_intent_id"],
        "charge": "ch_3Borderhub",
        "reason": "product_not_received",
        "status": "needs_response",
    }
    assert (await post_event(card_client, event("charge.dispute.created", chargeback))).status_code == 200
    read = (await card_client.get(f"/api/v1/checkouts/{checkout['id']}/card-payment", headers=m.buyer.headers)).json()
    assert read["chargeback_status"] == "needs_response"
    async with transaction(sessions) as session:
        [disputed] = (
            await session.execute(select(OutboxEvent).where(OutboxEvent.topic == "marketplace.CardPaymentDisputed"))
        ).scalars()
    assert (disputed.payload["hub_id"], disputed.payload["reason"]) == (m.hub["id"], "product_not_received")

    # A refund made by hand in Stripe's dashboard; an older charge.refunded event arrives after it.
    charge = {**fixture("charge"), "id": "ch_3Borderhub", "payment_intent": payment["payment_intent_id"]}
    for refunded in (1500, 500):
        refunded_event = event("charge.refunded", {**charge, "amount_refunded": refunded, "refunded": False})
        assert (await post_event(card_client, refunded_event)).status_code == 200
    read = (await card_client.get(f"/api/v1/checkouts/{checkout['id']}/card-payment", headers=m.buyer.headers)).json()
    assert read["refunded"] == {"amount_minor": 1500, "currency": "EUR"}


async def test_starting_the_payment_is_idempotent_and_refused_when_nothing_awaits_payment(
    card_client: Client, stub: StripeStub, market: Market, onboarded: dict[str, str]
) -> None:
    m = market
    checkout = await card_checkout(card_client, m, (m.cheese, "10"))
    url = f"/api/v1/checkouts/{checkout['id']}/card-payment"
    headers = {**m.buyer.headers, "Idempotency-Key": "pay-cheese-week-49"}
    first = await card_client.post(url, headers=headers)
    again = await card_client.post(url, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert len(stub.requests_to("POST", "/v1/payment_intents")) == 1

    # A checkout whose only order was cancelled before paying has nothing to pay for.
    cancelled = await card_checkout(card_client, m, (m.honey, "20"))
    [honey_order] = cancelled["orders"]
    moved = await card_client.post(f"/api/v1/orders/{honey_order['id']}/cancel", headers=m.buyer.headers)
    assert moved.status_code == 200, moved.text
    refused = await card_client.post(f"/api/v1/checkouts/{cancelled['id']}/card-payment", headers=m.buyer.headers)
    assert refused.status_code == 409, refused.text
    assert "awaits payment" in refused.json()["detail"]
    assert len(stub.requests_to("POST", "/v1/payment_intents")) == 1


async def test_card_orders_left_unpaid_give_their_stock_back_unless_stripe_says_otherwise(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    gateway: StripeGateway,
    run_jobs: Any,
) -> None:
    m = market
    never_started = await card_client.post(
        "/api/v1/checkouts",
        json=m.checkout((m.cheese, "4"), payment_method="stripe", display_currency="EUR"),
        headers=m.buyer.headers,
    )
    never_started_checkout = never_started.json()
    abandoned = await card_checkout(card_client, m, (m.cheese, "6"))
    processing = await card_checkout(card_client, m, (m.honey, "20"))
    paid_unseen = await card_checkout(card_client, m, (m.honey, "10"))
    fresh = await card_checkout(card_client, m, (m.jam, "5"))
    abandoned_payment = await start_payment(card_client, m, abandoned)
    processing_payment = await start_payment(card_client, m, processing)
    stub.update(processing_payment["payment_intent_id"], status="processing")
    # Stripe took this one, but its webhook never arrived: the service still thinks it unpaid.
    paid_unseen_payment = await start_payment(card_client, m, paid_unseen)
    stub.succeed_payment(paid_unseen_payment["payment_intent_id"])
    old = [uuid.UUID(c["id"]) for c in (never_started_checkout, abandoned, processing, paid_unseen)]
    async with transaction(sessions) as session:  # placed a day and a minute ago
        await session.execute(
            text(
                "UPDATE marketplace.purchase_order SET created_at = created_at - make_interval(hours => :h, mins => 1) "
                "WHERE checkout_id = ANY(:ids)"
            ),
            {"h": UNPAID_CARD_ORDER_HOURS, "ids": old},
        )
    assert await stock_of(card_client, m.cheese_maker, m.cheese) == "30"

    async with transaction(sessions) as session:
        await cancel_unpaid_card_orders(gateway, session)
    await run_jobs()

    statuses = {
        name: (await order(card_client, m.buyer, checkout["orders"][0]["id"]))["status"]
        for name, checkout in (
            ("never started", never_started_checkout),
            ("abandoned", abandoned),
            ("processing", processing),
            ("paid unseen", paid_unseen),
            ("fresh", fresh),
        )
    }
    assert statuses == {
        "never started": "cancelled",
        "abandoned": "cancelled",
        "processing": "pending_payment",
        "paid unseen": "paid",
        "fresh": "pending_payment",
    }
    assert await stock_of(card_client, m.cheese_maker, m.cheese) == "40"
    # The abandoned PaymentIntent is cancelled at Stripe, so nobody can pay it any more.
    assert stub.objects[abandoned_payment["payment_intent_id"]]["status"] == "canceled"
    cancels = [r.path for r in stub.requests_to("POST", "/v1/payment_intents/") if r.path.endswith("/cancel")]
    assert cancels == [f"/v1/payment_intents/{abandoned_payment['payment_intent_id']}/cancel"]
    assert stub.requests_to("POST", "/v1/refunds") == []


async def test_unpaid_card_orders_are_kept_while_stripe_cannot_be_asked(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    gateway: StripeGateway,
) -> None:
    m = market
    checkout = await card_checkout(card_client, m, (m.cheese, "6"))
    await start_payment(card_client, m, checkout)
    async with transaction(sessions) as session:
        await session.execute(
            text(
                "UPDATE marketplace.purchase_order SET created_at = created_at - make_interval(hours => :h, mins => 1) "
                "WHERE checkout_id = :id"
            ),
            {"h": UNPAID_CARD_ORDER_HOURS, "id": uuid.UUID(checkout["id"])},
        )
    stub.fail_next(status=500, times=3, method="GET", path="/v1/payment_intents/")
    async with transaction(sessions) as session:
        await cancel_unpaid_card_orders(gateway, session)
    assert (await order(card_client, m.buyer, checkout["orders"][0]["id"]))["status"] == "pending_payment"
    async with transaction(sessions) as session:
        await cancel_unpaid_card_orders(gateway, session)
    assert (await order(card_client, m.buyer, checkout["orders"][0]["id"]))["status"] == "cancelled"
