"""Money moves of card payments, run by the worker after the change that made them due has committed,
and the scheduled jobs that keep card payments true to Stripe (registered by `marketplace.wiring`).
Each is idempotent: a repeated delivery finds the move already made, a retry looks for what an
earlier attempt made at Stripe, and a move that cannot be made now is left pending, not failed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from kernel.db import sibling_sessions
from marketplace.card.reconciliation import reconcile
from marketplace.card.service import CardPaymentService
from marketplace.events import CardRefundDue, CardReversalDue, CardTransferDue
from marketplace.payment.stripe_gateway import StripeGateway

_log = structlog.get_logger("borderhub.payment")


async def transfer_to_producer(
    stripe_gateway: StripeGateway | None, fee_percent: Decimal, session: AsyncSession, event: CardTransferDue
) -> None:
    await CardPaymentService(session, stripe_gateway).transfer(event.order_id, fee_percent)


async def refund_to_card(stripe_gateway: StripeGateway | None, session: AsyncSession, event: CardRefundDue) -> None:
    await CardPaymentService(session, stripe_gateway).refund(event.order_id, event.amount_minor, event.reason)


async def reverse_producers_transfer(
    stripe_gateway: StripeGateway | None, session: AsyncSession, event: CardReversalDue
) -> None:
    await CardPaymentService(session, stripe_gateway).reverse(event.order_id)


async def cancel_unpaid_card_orders(stripe_gateway: StripeGateway | None, session: AsyncSession) -> None:
    cancelled = await CardPaymentService(session, stripe_gateway).cancel_unpaid(clock.now())
    _log.info("unpaid card orders cancelled", count=cancelled)


async def reconcile_card_payments(
    stripe_gateway: StripeGateway, fee_percent: Decimal, look_back: dt.timedelta, session: AsyncSession
) -> None:
    # Item by item, each in a transaction of its own: the scheduler's session only lends its engine.
    report = await reconcile(sibling_sessions(session), stripe_gateway, fee_percent, since=clock.now() - look_back)
    _log.info("card payments reconciled", look_back=str(look_back), **report.summary())
