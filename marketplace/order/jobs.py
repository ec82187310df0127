"""Order subscribers and scheduled jobs (registered in `marketplace.wiring`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.events import CardPaymentSucceeded
from marketplace.order.service import OrderService


async def mark_orders_paid(session: AsyncSession, event: CardPaymentSucceeded) -> None:
    await OrderService(session).settle_card_payment(event.order_ids)
