"""Reactions of advances to their orders' money, run in the transaction of the change (`kernel.outbox.reaction`).

A request not yet paid out is withdrawn when its order stops being one to advance on (cancelled,
rejected, disputed, credited or paid meanwhile); an advance paid out is reassessed when what the
buyer owes shrinks, so the producer owes the difference by a schedule.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from kernel.outbox import Reaction, reaction
from marketplace.events import DisputeResolved, InvoicePaid, OrderStatusChanged
from marketplace.financing import waterfall
from marketplace.financing.models import OWING, AdvanceStatus
from marketplace.financing.repository import FinancingRepository
from marketplace.order.models import OrderStatus

_PENDING = (AdvanceStatus.requested, AdvanceStatus.approved)
_ENDS_REQUEST = {
    OrderStatus.cancelled: "the order was cancelled",
    OrderStatus.rejected: "the order was rejected",
    OrderStatus.disputed: "the buyer disputes the order",
}


async def _follow(session: AsyncSession, order_id: uuid.UUID, withdraw_because: str | None) -> None:
    repo = FinancingRepository(session)
    advance = await repo.live_advance_of_order(order_id, lock=True)
    if advance is None:
        return
    if advance.status in _PENDING:
        if withdraw_because is not None:
            advance.status = AdvanceStatus.withdrawn
            advance.reason = withdraw_because
            await session.flush()
        return
    if advance.status in OWING:
        consortium = await repo.consortium(advance.consortium_id)
        found = await repo.order_and_invoice(advance.order_id)
        if consortium is not None and found is not None:
            await waterfall.reassess(session, consortium, advance, found[1], clock.today())


async def order_changed(session: AsyncSession, event: OrderStatusChanged) -> None:
    to = OrderStatus(event.to_status)
    if to in _ENDS_REQUEST:
        await _follow(session, event.order_id, _ENDS_REQUEST[to])


async def dispute_resolved(session: AsyncSession, event: DisputeResolved) -> None:
    if event.refund_minor:
        await _follow(session, event.order_id, "the order's invoice was credited; ask again for what it now allows")


async def invoice_paid(session: AsyncSession, event: InvoicePaid) -> None:
    await _follow(session, event.order_id, "the buyer paid the invoice before the advance was paid out")


def reactions() -> list[Reaction]:
    return [
        reaction(OrderStatusChanged, order_changed),
        reaction(DisputeResolved, dispute_resolved),
        reaction(InvoicePaid, invoice_paid),
    ]
