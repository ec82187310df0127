"""The money path under chaos: a few hundred paid checkouts while Stripe randomly fails or loses its
answers to transfers and refunds, webhooks go missing and the worker is killed again and again. At
the end the reconciliation must leave the ledger exact, to the minor unit, as Stripe has it."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel import clock
from kernel.db import transaction
from kernel.money import apportion
from kernel.outbox import Registry
from kernel.worker import run_worker
from marketplace.card.reconciliation import ReconciliationReport, reconcile
from marketplace.card.service import hub_fee, in_proportion
from marketplace.payment.stripe_gateway import StripeGateway
from tests.factories.order import Market
from tests.integration.marketplace.card.support import (
    FEE_PERCENT,
    Client,
    card_checkout,
    post_event,
    refunds,
    start_payment,
    transfers,
)
from tests.stripe_stub import StripeStub, event
from tests.worker import drain

CHECKOUTS = 200
SEED = 20261206


async def _killed_worker(database_url: str, sessions: Any, registry: Registry, rng: random.Random) -> None:
    """A worker that runs for a moment and is killed, mid-job or not."""
    task = asyncio.create_task(run_worker(database_url, sessions, registry))
    await asyncio.sleep(rng.uniform(0.1, 1.5))
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


async def test_the_ledger_balances_to_the_minor_unit_after_random_failures_and_worker_restarts(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    card_registry: Registry,
    database_url: str,
    gateway: StripeGateway,
) -> None:
    m = market
    rng = random.Random(SEED)  # noqa: S311 - seeded, so that a failing run can be replayed
    stub.rates = {"pln": Decimal("0.2345")}
    async with transaction(sessions) as session:
        await session.execute(text("UPDATE marketplace.listing SET stock_on_hand = 100000"))
    checkouts = [await _card_checkout(card_client, m, rng) for _ in range(CHECKOUTS)]

    # Stripe misbehaves on every money move (transfers, reversals, refunds) from now on.
    stub.fail_randomly(
        0.25,
        paths=("/v1/transfers", "/v1/refunds"),
        rng=random.Random(SEED + 1),  # noqa: S311
        lose_answer_rate=0.1,
    )
    for number, checkout in enumerate(checkouts, 1):
        await _pay(card_client, stub, m, checkout, rng)
        if number % 10 == 0:
            await _killed_worker(database_url, sessions, card_registry, rng)
    await drain(database_url, sessions, card_registry)
    waiting = [t for t in (await transfers(sessions)).values() if t.status == "pending"]
    assert waiting, "the chaos should have left some transfers waiting"
    findings: Counter[str] = Counter()
    findings.update(f.kind for f in (await _reconcile(sessions, gateway)).findings)
    # Buyers cancel orders whose producers were paid already: refunds, and reversals of the transfers.
    made = [order_id for order_id, t in (await transfers(sessions)).items() if t.status == "made"]
    for order_id in rng.sample(made, k=len(made) // 10):
        cancelled = await card_client.post(f"/api/v1/orders/{order_id}/cancel", headers=m.buyer.headers)
        assert cancelled.status_code == 200, cancelled.text
    await _killed_worker(database_url, sessions, card_registry, rng)
    await drain(database_url, sessions, card_registry)

    # Stripe calms down. The reconciliation repairs the rest; the killed workers' jobs are picked up
    # again once their heartbeat is stale, and find nothing left to do.
    stub.stop_failing()
    for _ in range(2):
        findings.update(f.kind for f in (await _reconcile(sessions, gateway)).findings)
        await drain(database_url, sessions, card_registry)
    await asyncio.sleep(31)  # pgqueuer re-picks jobs of a killed worker after 30 s without a heartbeat
    await drain(database_url, sessions, card_registry)
    final = await _reconcile(sessions, gateway)
    assert final.unresolved == [], final.unresolved
    assert findings["transfer_made"] + findings["unrecorded_transfer"] > 0, findings
    assert findings["missed_payment_status"] > 0, findings
    reversed_at_stripe = [o for o in stub.objects.values() if o.get("object") == "transfer_reversal"]
    assert len(reversed_at_stripe) >= len(made) // 10, "every cancelled paid order's transfer is reversed"

    async with transaction(sessions) as session:
        jobs: dict[str, int] = dict(
            (await session.execute(text("SELECT status::text, count(*) FROM pgqueuer GROUP BY 1"))).all()
        )
        statuses: dict[str, str] = dict(
            (await session.execute(text("SELECT id::text, status::text FROM marketplace.purchase_order"))).all()
        )
    assert jobs == {}, f"jobs left in the queue: {jobs}"
    assert [t for t in (await transfers(sessions)).values() if t.status == "pending"] == []
    assert [r for r in (await refunds(sessions)).values() if "pending" in (r.status, r.reversal_status)] == []
    assert {"cancelled", "rejected", "paid"} <= set(statuses.values())
    await _assert_ledger(stub, sessions, checkouts, statuses)


async def _card_checkout(client: Client, m: Market, rng: random.Random) -> dict[str, Any]:
    lines = [(m.jam, str(rng.randint(1, 4)))]
    if rng.random() < 0.6:
        lines.append((m.cheese, str(rng.randint(1, 3))))
    currency = "PLN" if rng.random() < 0.25 else "EUR"
    checkout = await card_checkout(client, m, *lines, currency=currency)
    checkout["payment"] = await start_payment(client, m, checkout)
    return checkout


async def _pay(client: Client, stub: StripeStub, m: Market, checkout: dict[str, Any], rng: random.Random) -> None:
    """The buyer pays; now and then a producer rejects an order meanwhile, the webhook is lost, or the
    buyer cancels an order afterwards (its money then goes back)."""
    last = checkout["orders"][-1]
    if rng.random() < 0.05:
        producer = m.cheese_maker if last["producer_organization_id"] == m.producer_b["id"] else m.honey_maker
        rejected = await client.post(
            f"/api/v1/orders/{last['id']}/reject", json={"note": "sold out"}, headers=producer.headers
        )
        assert rejected.status_code == 200, rejected.text
    paid = stub.succeed_payment(checkout["payment"]["payment_intent_id"])
    if rng.random() < 0.95:  # one webhook in twenty never arrives
        assert (await post_event(client, event("payment_intent.succeeded", paid))).status_code == 200
    if rng.random() < 0.1:
        await client.post(f"/api/v1/orders/{last['id']}/cancel", headers=m.buyer.headers)


async def _reconcile(sessions: async_sessionmaker[AsyncSession], gateway: StripeGateway) -> ReconciliationReport:
    with clock.travel(dt.timedelta(hours=1)):  # past the grace for PaymentIntents no checkout records
        return await reconcile(sessions, gateway, FEE_PERCENT, since=clock.now() - dt.timedelta(days=1))


async def _assert_ledger(
    stub: StripeStub,
    sessions: async_sessionmaker[AsyncSession],
    checkouts: list[dict[str, Any]],
    statuses: dict[str, str],
) -> None:
    """For every checkout, as Stripe has it: charged = transferred to producers + hub fee + refunded
    - reversed, to the minor unit, in the settlement currency; and no money moved twice."""
    at_stripe: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for obj in stub.objects.values():
        if obj.get("object") in ("transfer", "refund", "transfer_reversal") and obj.get("metadata", {}).get("order_id"):
            at_stripe[obj["metadata"]["order_id"]][obj["object"]].append(obj)
    for order_id, moves in at_stripe.items():
        assert all(len(made) == 1 for made in moves.values()), (order_id, moves)
    recorded_transfers = await transfers(sessions)
    for checkout in checkouts:
        intent = stub.objects[checkout["payment"]["payment_intent_id"]]
        charge = stub.objects[intent["latest_charge"]]
        settled = stub.objects[charge["balance_transaction"]]["amount"]
        in_pay_order = checkout["payment"]["order_ids"]
        totals = {o["id"]: o["display_total"]["amount_minor"] for o in checkout["orders"]}
        # Each order's share of what the charge settled at, by display totals (the service's rule).
        shares = dict(zip(in_pay_order, apportion(settled, [totals[i] for i in in_pay_order]), strict=True))
        accounted = 0
        for order_id in in_pay_order:
            moves = at_stripe.get(order_id, {})
            transferred = sum(t["amount"] for t in moves.get("transfer", []))
            reversed_ = sum(r["amount"] for r in moves.get("transfer_reversal", []))
            refunded = sum(r["amount"] for r in moves.get("refund", []))
            given_back = statuses[order_id] in ("cancelled", "rejected")
            assert refunded == (totals[order_id] if given_back else 0), order_id
            if given_back:
                # Everything went back: the producer keeps nothing, the hub no fee.
                assert transferred == reversed_, order_id
                fee_kept = 0
            else:
                transfer = recorded_transfers[order_id]
                fee_kept = hub_fee(shares[order_id], FEE_PERCENT)
                assert (transfer.status, transfer.share_minor, transfer.fee_minor) == (
                    "made",
                    shares[order_id],
                    fee_kept,
                ), order_id
                assert (transfer.stripe_transfer_id, reversed_) == (moves["transfer"][0]["id"], 0), order_id
            # A refund counts for its share of what the charge settled at.
            refunded_settled = in_proportion(shares[order_id], refunded, totals[order_id])
            accounted += transferred + fee_kept + refunded_settled - reversed_
        # charged = transferred to producers + hub fee + refunded - reversed, to the minor unit.
        assert accounted == settled, checkout["id"]
