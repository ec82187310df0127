"""Money that always arrives: each way a producer went unpaid, a buyer was charged wrongly or the hub
lost its fee, played by the Stripe stub, and what the service does about it."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel import clock, worker
from kernel.db import transaction
from kernel.fx import RateRow, store_rates
from kernel.money import apportion
from marketplace.card.reconciliation import reconcile
from marketplace.card.service import CardPaymentService
from marketplace.order.service import OrderService
from marketplace.payment.models import CardPayment
from marketplace.payment.stripe_gateway import IdempotencyConflict, StripeGateway
from tests.factories.order import Market
from tests.integration.marketplace.card.support import (
    CONNECT_WEBHOOK,
    CONNECT_WEBHOOK_SECRET,
    FEE_PERCENT,
    Client,
    activate_account,
    card_checkout,
    fee,
    onboard,
    order,
    paid_checkout,
    post_connect_event,
    post_event,
    refunds,
    start_payment,
    stripe_events,
    succeed,
    transfers,
)
from tests.stripe_stub import StripeStub, event, fixture


def attention_url(m: Market) -> str:
    return f"/api/v1/hubs/{m.hub['id']}/payments/attention"


async def reconciled(sessions: async_sessionmaker[AsyncSession], gateway: StripeGateway) -> Any:
    return await reconcile(sessions, gateway, FEE_PERCENT, since=clock.now() - dt.timedelta(days=1))


async def held_jobs(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Deliveries the worker gave up on, as `borderhub jobs held` lists them."""
    async with transaction(sessions) as session:
        return len(await worker.held_jobs(session))


async def test_a_transfer_refused_while_the_producers_account_is_inactive_waits_and_goes_out_once_it_is_active(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    sessions: async_sessionmaker[AsyncSession],
    run_jobs: Any,
) -> None:
    m = market
    honey_account = await onboard(card_client, stub, m.honey_maker, m.producer_a)
    checkout = await card_checkout(card_client, m, (m.honey, "20"))
    [honey_order] = checkout["orders"]
    payment = await start_payment(card_client, m, checkout)
    # Stripe restricts the producer's account after the buyer started paying (a document expired).
    stub.update(honey_account, capabilities={"transfers": "inactive"})
    restricted = event("account.updated", stub.objects[honey_account], account=honey_account)
    assert (await post_connect_event(card_client, restricted)).status_code == 200
    await succeed(card_client, stub, payment)
    await run_jobs()

    assert (await order(card_client, m.buyer, honey_order["id"]))["status"] == "paid"
    transfer = (await transfers(sessions))[honey_order["id"]]
    assert transfer.status == "pending"
    assert "cannot receive transfers" in (transfer.pending_reason or "")
    assert stub.requests_to("POST", "/v1/transfers") == []
    assert await held_jobs(sessions) == 0
    waiting = await card_client.get(attention_url(m), headers=m.coordinator.headers)
    assert waiting.status_code == 200, waiting.text
    [item] = waiting.json()
    assert (item["kind"], item["order_id"], item["producer_organization_id"]) == (
        "transfer_pending",
        honey_order["id"],
        m.producer_a["id"],
    )
    assert "cannot receive transfers" in item["reason"]
    assert item["organization_name"] == m.producer_a["legal_name"]
    # Only the hub's coordinators see it.
    for outsider in (m.honey_maker, m.buyer):
        assert (await card_client.get(attention_url(m), headers=outsider.headers)).status_code == 403

    # Stripe activates the account again: its account.updated sends the transfer on its way.
    await activate_account(card_client, stub, honey_account)
    await run_jobs()
    transfer = (await transfers(sessions))[honey_order["id"]]
    assert (transfer.status, transfer.pending_reason) == ("made", None)
    [sent] = stub.requests_to("POST", "/v1/transfers")
    share = honey_order["display_total"]["amount_minor"]
    assert (sent.params["destination"], sent.params["amount"]) == (honey_account, str(share - fee(share)))
    assert (await card_client.get(attention_url(m), headers=m.coordinator.headers)).json() == []


async def test_a_transfer_stripe_refuses_is_retried_by_the_reconciliation_until_stripe_takes_it(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    gateway: StripeGateway,
    run_jobs: Any,
) -> None:
    m = market
    checkout = await card_checkout(card_client, m, (m.cheese, "10"))
    [cheese_order] = checkout["orders"]
    cheese_account = onboarded[m.producer_b["id"]]
    # Stripe restricted the account, but its account.updated never reached us: we still think it active.
    stub.update(cheese_account, capabilities={"transfers": "inactive"})
    await succeed(card_client, stub, await start_payment(card_client, m, checkout))
    await run_jobs()
    transfer = (await transfers(sessions))[cheese_order["id"]]
    assert transfer.status == "pending"
    assert "capabilities" in (transfer.pending_reason or "")  # Stripe's own words
    assert await held_jobs(sessions) == 0

    report = await reconciled(sessions, gateway)
    assert [f.kind for f in report.unresolved] == ["still_pending"]
    assert (await transfers(sessions))[cheese_order["id"]].status == "pending"

    stub.update(cheese_account, capabilities={"transfers": "active"})  # again without telling us
    report = await reconciled(sessions, gateway)
    assert "transfer_made" in [f.kind for f in report.repaired]
    assert report.unresolved == []
    assert (await transfers(sessions))[cheese_order["id"]].status == "made"
    assert len([t for t in stub.objects.values() if t.get("object") == "transfer"]) == 1


async def test_a_checkout_in_another_currency_is_transferred_in_the_platforms_settlement_currency(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    run_jobs: Any,
) -> None:
    m = market
    stub.rates = {"pln": Decimal("0.2345")}  # the platform settles in EUR
    checkout = await card_checkout(card_client, m, (m.honey, "20"), (m.cheese, "10"), currency="PLN")
    orders = sorted(checkout["orders"], key=lambda o: o["id"])
    payment = await start_payment(card_client, m, checkout)
    assert payment["amount"]["currency"] == "PLN"
    intent = payment["payment_intent_id"]
    await succeed(card_client, stub, payment)
    await run_jobs()

    charge = stub.objects[stub.objects[intent]["latest_charge"]]
    balance = stub.objects[charge["balance_transaction"]]
    assert (charge["currency"], balance["currency"]) == ("pln", "eur")
    read = await card_client.get(f"/api/v1/checkouts/{checkout['id']}/card-payment", headers=m.buyer.headers)
    assert read.json()["settled"] == {"amount_minor": balance["amount"], "currency": "EUR"}
    # Each order's share of what the platform received, by display totals, adds up to it exactly.
    in_pay_order = [uuid.UUID(o) for o in payment["order_ids"]]
    by_id = {uuid.UUID(o["id"]): o for o in orders}
    shares = dict(
        zip(
            in_pay_order,
            apportion(balance["amount"], [by_id[i]["display_total"]["amount_minor"] for i in in_pay_order]),
            strict=True,
        )
    )
    sent = {r.params["metadata"]["order_id"]: r.params for r in stub.requests_to("POST", "/v1/transfers")}
    recorded = await transfers(sessions)
    for order_id, share in shares.items():
        o = by_id[order_id]
        assert sent[str(order_id)]["currency"] == "eur"
        assert sent[str(order_id)]["amount"] == str(share - fee(share))
        t = recorded[str(order_id)]
        assert (t.status, t.charge_currency, t.charge_amount_minor) == (
            "made",
            "PLN",
            o["display_total"]["amount_minor"],
        )
        assert (t.currency, t.share_minor, t.fee_minor, t.amount_minor) == (
            "EUR",
            share,
            fee(share),
            share - fee(share),
        )
    assert sum(shares.values()) == balance["amount"]


async def test_connected_accounts_events_are_verified_with_the_connect_endpoints_own_secret(
    card_client: Client, stub: StripeStub, market: Market, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m = market
    account_id = await onboard(card_client, stub, m.honey_maker, m.producer_a, activate=False)
    stub.update(account_id, capabilities={"transfers": "active"}, details_submitted=True, payouts_enabled=True)
    payload = event("account.updated", stub.objects[account_id], account=account_id)
    before = await stripe_events(sessions)

    platform_secret_at_connect = await post_event(card_client, payload, url=CONNECT_WEBHOOK)
    connect_secret_at_platform = await post_event(card_client, payload, secret=CONNECT_WEBHOOK_SECRET)
    assert (platform_secret_at_connect.status_code, connect_secret_at_platform.status_code) == (400, 400)
    assert await stripe_events(sessions) == before

    assert (await post_connect_event(card_client, payload)).status_code == 200
    url = f"/api/v1/organizations/{m.producer_a['id']}/payout-account"
    assert (await card_client.get(url, headers=m.honey_maker.headers)).json()["transfers_active"] is True


async def test_a_payment_retried_after_its_orders_changed_is_a_new_request_and_the_lost_one_is_cancelled(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    gateway: StripeGateway,
) -> None:
    m = market
    checkout = await card_checkout(card_client, m, (m.honey, "20"), (m.cheese, "10"))
    honey_order = next(o for o in checkout["orders"] if o["producer_organization_id"] == m.producer_a["id"])
    cheese_order = next(o for o in checkout["orders"] if o["producer_organization_id"] == m.producer_b["id"])
    url = f"/api/v1/checkouts/{checkout['id']}/card-payment"
    # Stripe makes the PaymentIntent, but its answer is lost; then the buyer drops the cheese.
    stub.lose_next_answer("POST", "/v1/payment_intents")
    assert (await card_client.post(url, headers=m.buyer.headers)).status_code == 502
    dropped = await card_client.post(f"/api/v1/orders/{cheese_order['id']}/cancel", headers=m.buyer.headers)
    assert dropped.status_code == 200, dropped.text

    retried = await card_client.post(url, headers=m.buyer.headers)
    assert retried.status_code == 201, retried.text
    assert retried.json()["amount"]["amount_minor"] == honey_order["display_total"]["amount_minor"]
    first, second = stub.requests_to("POST", "/v1/payment_intents")
    assert first.idempotency_key != second.idempotency_key
    [lost] = [
        o["id"]
        for o in stub.objects.values()
        if o.get("object") == "payment_intent" and o["id"] != retried.json()["payment_intent_id"]
    ]

    # The reconciliation cancels the PaymentIntent nobody can pay (its client secret never left Stripe).
    with clock.travel(dt.timedelta(minutes=30)):
        report = await reconciled(sessions, gateway)
    assert stub.objects[lost]["status"] == "canceled"
    assert [f.subject for f in report.repaired if f.kind == "orphan_payment_cancelled"] == [lost]
    assert stub.objects[retried.json()["payment_intent_id"]]["status"] == "requires_payment_method"


async def test_stripes_idempotency_error_is_told_apart_from_other_failures(
    stub: StripeStub, gateway: StripeGateway
) -> None:
    stub.fail_next(
        status=400,
        message="Keys for idempotent requests can only be used with the same parameters",
        type_="idempotency_error",
    )
    with pytest.raises(IdempotencyConflict, match="parameters differ"):
        await gateway.create_refund({"payment_intent": "pi_x", "amount": 100})


async def test_a_refused_reversal_leaves_the_refund_recorded_and_is_retried_on_its_own(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    gateway: StripeGateway,
    run_jobs: Any,
) -> None:
    m = market
    checkout = await paid_checkout(card_client, stub, m, run_jobs, (m.cheese, "10"))
    [cheese_order] = checkout["orders"]
    transfer = (await transfers(sessions))[cheese_order["id"]]
    reversals = f"/v1/transfers/{transfer.stripe_transfer_id}/reversals"
    stub.fail_next(
        status=400,
        message="Insufficient funds in the connected account to reverse the transfer.",
        type_="invalid_request_error",
        method="POST",
        path=reversals,
    )
    cancelled = await card_client.post(f"/api/v1/orders/{cheese_order['id']}/cancel", headers=m.buyer.headers)
    assert cancelled.status_code == 200, cancelled.text
    await run_jobs()

    refund = (await refunds(sessions))[cheese_order["id"]]
    [made] = [o for o in stub.objects.values() if o.get("object") == "refund"]
    assert (refund.status, refund.stripe_refund_id) == ("made", made["id"])
    assert (refund.reversal_status, "Insufficient funds" in (refund.reversal_pending_reason or "")) == (
        "pending",
        True,
    )
    [item] = (await card_client.get(attention_url(m), headers=m.coordinator.headers)).json()
    assert (item["kind"], item["order_id"]) == ("reversal_pending", cheese_order["id"])
    assert await held_jobs(sessions) == 0

    report = await reconciled(sessions, gateway)
    assert "reversal_made" in [f.kind for f in report.repaired]
    refund = (await refunds(sessions))[cheese_order["id"]]
    share = cheese_order["display_total"]["amount_minor"]
    assert (refund.reversal_status, refund.reversed_minor) == ("made", share - fee(share))
    assert len(stub.requests_to("POST", "/v1/refunds")) == 1
    assert stub.objects[str(transfer.stripe_transfer_id)]["amount_reversed"] == share - fee(share)
    assert (await card_client.get(attention_url(m), headers=m.coordinator.headers)).json() == []


async def test_an_event_about_a_payment_still_being_recorded_is_refused_with_503_and_applied_when_sent_again(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    run_jobs: Any,
) -> None:
    m = market
    checkout = await card_checkout(card_client, m, (m.cheese, "10"))
    [cheese_order] = checkout["orders"]
    amount = cheese_order["display_total"]["amount_minor"]
    # Stripe made the PaymentIntent and the buyer paid it, while the request that made it has not
    # committed its record yet.
    intent_id = f"pi_{uuid.uuid4().hex[:24]}"
    stub.put(
        {
            **fixture("payment_intent"),
            "id": intent_id,
            "created": int(time.time()),
            "amount": amount,
            "currency": "eur",
            "status": "requires_payment_method",
            "latest_charge": None,
            "metadata": {"checkout_id": checkout["id"]},
        }
    )
    paid = event("payment_intent.succeeded", stub.succeed_payment(intent_id))
    before = await stripe_events(sessions)

    early = await post_event(card_client, paid)
    assert early.status_code == 503, early.text
    assert await stripe_events(sessions) == before  # not taken as handled: Stripe sends it again

    async with transaction(sessions) as session:  # the request commits
        session.add(
            CardPayment(
                checkout_id=uuid.UUID(checkout["id"]),
                payment_intent_id=intent_id,
                order_ids=[uuid.UUID(cheese_order["id"])],
                client_secret=f"{intent_id}_secret_x",
                currency="EUR",
                amount_minor=amount,
                status="requires_payment_method",
                refunded_minor=0,
            )
        )
    again = await post_event(card_client, paid)
    assert again.status_code == 200, again.text
    await run_jobs()
    assert (await order(card_client, m.buyer, cheese_order["id"]))["status"] == "paid"


async def test_amounts_go_to_stripe_in_its_own_units_an_isk_checkout_in_hundredths(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    run_jobs: Any,
) -> None:
    m = market
    async with transaction(sessions) as session:
        day = clock.today() - dt.timedelta(days=1)
        await store_rates(session, [RateRow(base="EUR", quote="ISK", rate=Decimal("146.30"), as_of=day, source="ECB")])
    stub.rates = {"isk": Decimal("0.006835")}
    checkout = await card_checkout(card_client, m, (m.cheese, "3"), currency="ISK")
    [cheese_order] = checkout["orders"]
    krona = cheese_order["display_total"]["amount_minor"]  # whole krónur: ISK has no minor unit for us
    payment = await start_payment(card_client, m, checkout)
    [created] = stub.requests_to("POST", "/v1/payment_intents")
    assert (created.params["amount"], created.params["currency"]) == (str(krona * 100), "isk")
    assert payment["amount"] == {"amount_minor": krona, "currency": "ISK"}

    await succeed(card_client, stub, payment)
    await run_jobs()
    assert (await order(card_client, m.buyer, cheese_order["id"]))["status"] == "paid"
    cancelled = await card_client.post(f"/api/v1/orders/{cheese_order['id']}/cancel", headers=m.buyer.headers)
    assert cancelled.status_code == 200, cancelled.text
    await run_jobs()
    [refund] = stub.requests_to("POST", "/v1/refunds")
    assert refund.params["amount"] == str(krona * 100)  # the whole charge, not a hundredth of it
    assert (await refunds(sessions))[cheese_order["id"]].amount_minor == krona


async def test_a_transfer_whose_answer_was_lost_is_taken_back_when_its_order_is_cancelled(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    run_jobs: Any,
) -> None:
    m = market
    checkout = await card_checkout(card_client, m, (m.cheese, "10"))
    [cheese_order] = checkout["orders"]
    stub.lose_next_answer("POST", "/v1/transfers")  # Stripe makes the transfer; we never hear of it
    await succeed(card_client, stub, await start_payment(card_client, m, checkout))
    await run_jobs()
    assert (await transfers(sessions))[cheese_order["id"]].status == "pending"
    cancelled = await card_client.post(f"/api/v1/orders/{cheese_order['id']}/cancel", headers=m.buyer.headers)
    assert cancelled.status_code == 200, cancelled.text
    await run_jobs()

    [made] = [o for o in stub.objects.values() if o.get("object") == "transfer"]
    transfer = (await transfers(sessions))[cheese_order["id"]]
    assert (transfer.status, transfer.stripe_transfer_id) == ("made", made["id"])
    assert made["amount_reversed"] == made["amount"]  # the producer keeps nothing of a refunded order
    assert (await refunds(sessions))[cheese_order["id"]].reversal_status == "made"


async def test_a_transfer_made_just_before_a_crash_is_not_made_again_after_stripe_forgot_its_key(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    gateway: StripeGateway,
    run_jobs: Any,
) -> None:
    m = market
    checkout = await card_checkout(card_client, m, (m.cheese, "10"))
    [cheese_order] = checkout["orders"]
    await succeed(card_client, stub, await start_payment(card_client, m, checkout))

    async def transfer_then_die() -> None:
        async with transaction(sessions) as session:
            payment = (await session.execute(select(CardPayment))).scalar_one()
            await OrderService(session).settle_card_payment(list(payment.order_ids))
            await CardPaymentService(session, gateway).transfer(uuid.UUID(cheese_order["id"]), FEE_PERCENT)
            raise RuntimeError("worker killed before the commit")

    # The worker sends the transfer, then dies before its transaction commits: nothing is recorded.
    with pytest.raises(RuntimeError, match="killed"):
        await transfer_then_die()
    assert len(stub.requests_to("POST", "/v1/transfers")) == 1
    stub.forget_idempotency_keys()  # and the job is delivered again a day later

    await run_jobs()
    assert len([o for o in stub.objects.values() if o.get("object") == "transfer"]) == 1
    assert (await transfers(sessions))[cheese_order["id"]].status == "made"


async def test_the_reconciliation_leaves_alone_payment_intents_of_checkouts_it_does_not_have(
    stub: StripeStub, market: Market, sessions: async_sessionmaker[AsyncSession], gateway: StripeGateway
) -> None:
    # Another system on the same Stripe account (or a database restored from an older backup).
    foreign = {
        **fixture("payment_intent"),
        "id": f"pi_{uuid.uuid4().hex[:24]}",
        "created": int(time.time()) - 3600,
        "status": "requires_payment_method",
        "latest_charge": None,
        "metadata": {"checkout_id": str(uuid.uuid4())},
    }
    stub.put(foreign)
    report = await reconciled(sessions, gateway)
    assert stub.objects[foreign["id"]]["status"] == "requires_payment_method"
    assert [f for f in report.findings if f.subject == foreign["id"]] == []


async def test_a_refund_stripe_could_not_complete_is_shown_to_the_coordinators_as_failed(
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
    await card_client.post(f"/api/v1/orders/{cheese_order['id']}/cancel", headers=m.buyer.headers)
    await run_jobs()
    refund_id = (await refunds(sessions))[cheese_order["id"]].stripe_refund_id
    assert refund_id is not None
    # Days later the buyer's bank sends the money back: the card was closed.
    failed = stub.update(refund_id, status="failed", failure_reason="expired_or_canceled_card")
    assert (await post_event(card_client, event("refund.failed", failed))).status_code == 200

    refund = (await refunds(sessions))[cheese_order["id"]]
    assert (refund.status, "expired_or_canceled_card" in (refund.pending_reason or "")) == ("failed", True)
    [item] = (await card_client.get(attention_url(m), headers=m.coordinator.headers)).json()
    assert (item["kind"], item["order_id"]) == ("refund_failed", cheese_order["id"])
    await run_jobs()
    assert len(stub.requests_to("POST", "/v1/refunds")) == 1  # not retried by itself: a person settles it
