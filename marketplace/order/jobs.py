"""Order subscribers and scheduled jobs (registered in `marketplace.wiring`)."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from marketplace.events import CardPaymentSucceeded
from marketplace.order.service import OrderService


async def mark_orders_paid(session: AsyncSession, event: CardPaymentSucceeded) -> None:
    await OrderService(session).settle_card_payment(event.order_ids)


async def cancel_unpaid_card_orders(session: AsyncSession) -> None:
    cancelled = await OrderService(session).cancel_unpaid_card_orders(clock.now())
    structlog.get_logger("borderhub.order").info("unpaid card orders cancelled", count=cancelled)
