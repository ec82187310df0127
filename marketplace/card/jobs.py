"""Money moves of card payments, run by the worker after the change that made them due has committed
(registered by `marketplace.wiring`). Each is idempotent: a repeated delivery finds the transfer
or refund already recorded, and Stripe's idempotency key covers a crash in between."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.card.service import CardPaymentService
from marketplace.events import CardRefundDue, CardTransferDue
from marketplace.payment.stripe_gateway import StripeGateway


async def transfer_to_producer(
    stripe_gateway: StripeGateway | None, fee_percent: Decimal, session: AsyncSession, event: CardTransferDue
) -> None:
    await CardPaymentService(session, stripe_gateway).transfer(event.order_id, fee_percent)


async def refund_to_card(stripe_gateway: StripeGateway | None, session: AsyncSession, event: CardRefundDue) -> None:
    await CardPaymentService(session, stripe_gateway).refund(event.order_id, event.amount_minor, event.reason)
