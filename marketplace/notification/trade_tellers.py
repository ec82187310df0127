"""Who is told of trade: orders, invoices, payments and disputes (see `tellers` for the shape).

An order's news goes to the side that did not make the move (both, when that is not known); money
coming in goes to the producer, money owed to the buyer; a dispute concerns both sides and the
coordinators of the order's hub, who mediate it. All members of an organisation are told: each of
them may read its orders and invoices.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from marketplace.dispute.models import Dispute, DisputeMessage
from marketplace.events import (
    DisputeMessagePosted,
    DisputeOpened,
    DisputeResolved,
    InvoiceIssued,
    InvoiceOverdue,
    InvoicePaid,
    OrderPlaced,
    OrderStatusChanged,
    TransferSent,
)
from marketplace.notification.service import Audience, Notice
from marketplace.notification.tellers import (
    Teller,
    both_sides,
    hub_name,
    order_context,
    order_lines,
    organization_name,
    other_sides,
)
from marketplace.order.models import Order, OrderStatus, Party
from marketplace.payment.models import CardTransfer, Invoice, InvoiceStatus, MoveStatus
from marketplace.payment.service import invoice_number

#: What an order's move is called in messages, for the moves the other side is told of.
_MOVES = {
    OrderStatus.accepted: "order_accepted",
    OrderStatus.rejected: "order_rejected",
    OrderStatus.shipped: "order_shipped",
    OrderStatus.delivered: "order_delivered",
    OrderStatus.cancelled: "order_cancelled",
}
#: How much of a dispute message the others read in the notice (the dispute's page has it all).
_EXCERPT = 500


def _order_notice(
    kind: str, event_id: uuid.UUID, organizations: list[uuid.UUID], order: Order, **values: Any
) -> Notice:
    return Notice(
        kind=kind,
        event_id=event_id,
        audience=Audience(organizations=organizations),
        context=values,
        link=f"/orders/{order.id}",
    )


async def order_placed(session: AsyncSession, event: OrderPlaced, event_id: uuid.UUID) -> Notice | None:
    order = await session.get(Order, event.order_id)
    if order is None:
        return None
    context = {**await order_context(session, order), **await order_lines(session, order.id)}
    return _order_notice("order_placed", event_id, [order.producer_organization_id], order, **context)


async def order_status_changed(session: AsyncSession, event: OrderStatusChanged, event_id: uuid.UUID) -> Notice | None:
    """Accepted, rejected, shipped, delivered, cancelled: the other side; paid (by card): the producer.
    Disputed and completed orders are told of by their dispute's messages."""
    order = await session.get(Order, event.order_id)
    to = OrderStatus(event.to_status)
    if order is None or (to not in _MOVES and to is not OrderStatus.paid):
        return None
    if to is OrderStatus.paid:
        kind, told = "order_paid", [order.producer_organization_id]
    else:
        kind, told = _MOVES[to], other_sides(order, event.by_organization_id)
    by = {order.buyer_organization_id: Party.buyer.value, order.producer_organization_id: Party.producer.value}
    context = {
        **await order_context(session, order),
        "by": by.get(event.by_organization_id, "") if event.by_organization_id else "",
        "note": order.note or "",
    }
    return _order_notice(kind, event_id, told, order, **context)


async def transfer_sent(session: AsyncSession, event: TransferSent, event_id: uuid.UUID) -> Notice | None:
    order = await session.get(Order, event.order_id)
    transfer = (await session.scalars(select(CardTransfer).where(CardTransfer.order_id == event.order_id))).first()
    if order is None or transfer is None or transfer.status is not MoveStatus.made:
        return None
    if order.status in (OrderStatus.cancelled, OrderStatus.rejected):
        return None  # made late, for an order cancelled meanwhile: the refund takes it back
    context = {
        **await order_context(session, order),
        "amount_minor": transfer.amount_minor,
        "amount_currency": transfer.currency,
    }
    return _order_notice("transfer_sent", event_id, [order.producer_organization_id], order, **context)


# --- invoices ---------------------------------------------------------------------------------


async def _invoice_notice(
    session: AsyncSession, kind: str, event_id: uuid.UUID, invoice: Invoice, told: uuid.UUID, **values: Any
) -> Notice:
    return Notice(
        kind=kind,
        event_id=event_id,
        audience=Audience(organizations=[told]),
        context={
            "invoice_number": invoice_number(invoice.number),
            "buyer_name": await organization_name(session, invoice.buyer_organization_id),
            "producer_name": await organization_name(session, invoice.producer_organization_id),
            "amount_minor": invoice.amount_minor,
            "due_minor": invoice.due_minor,
            "currency": invoice.currency,
            "issued_on": invoice.issued_on.isoformat(),
            "due_on": invoice.due_on.isoformat(),
            **values,
        },
        link=f"/invoices/{invoice.id}",
    )


async def invoice_issued(session: AsyncSession, event: InvoiceIssued, event_id: uuid.UUID) -> Notice | None:
    invoice = await session.get(Invoice, event.invoice_id)
    if invoice is None:
        return None
    return await _invoice_notice(session, "invoice_issued", event_id, invoice, invoice.buyer_organization_id)


async def invoice_overdue(session: AsyncSession, event: InvoiceOverdue, event_id: uuid.UUID) -> Notice | None:
    invoice = await session.get(Invoice, event.invoice_id)
    if invoice is None or invoice.status is not InvoiceStatus.issued:
        return None  # paid or void since the job saw it overdue
    return await _invoice_notice(session, "invoice_overdue", event_id, invoice, invoice.buyer_organization_id)


async def invoice_paid(session: AsyncSession, event: InvoicePaid, event_id: uuid.UUID) -> Notice | None:
    invoice = await session.get(Invoice, event.invoice_id)
    if invoice is None or invoice.status is not InvoiceStatus.paid:
        return None
    paid = {"paid_minor": event.amount_minor, "paid_on": (invoice.paid_on or clock.today()).isoformat()}
    return await _invoice_notice(session, "invoice_paid", event_id, invoice, invoice.producer_organization_id, **paid)


# --- disputes ---------------------------------------------------------------------------------


async def _dispute_notice(
    session: AsyncSession,
    kind: str,
    event_id: uuid.UUID,
    dispute_id: uuid.UUID,
    audience: Callable[[Order], tuple[list[uuid.UUID], bool]],
    **values: Any,
) -> Notice | None:
    """`audience(order)`: the organisations told, and whether the coordinators of the order's hub are."""
    dispute = await session.get(Dispute, dispute_id)
    order = await session.get(Order, dispute.order_id) if dispute else None
    if dispute is None or order is None:
        return None
    organizations, coordinators = audience(order)
    return Notice(
        kind=kind,
        event_id=event_id,
        audience=Audience(organizations=organizations, coordinators_of=[order.hub_id] if coordinators else []),
        context={
            **await order_context(session, order),
            "hub_name": await hub_name(session, order.hub_id),
            "reason": dispute.reason.value,
            "outcome": dispute.outcome.value if dispute.outcome else "",
            "refund_minor": dispute.refund_minor,
            **values,
        },
        link=f"/disputes/{dispute.id}",
    )


async def dispute_opened(session: AsyncSession, event: DisputeOpened, event_id: uuid.UUID) -> Notice | None:
    """The buyer opened it: its producer answers, the hub's coordinators mediate."""
    return await _dispute_notice(
        session, "dispute_opened", event_id, event.dispute_id, lambda order: ([order.producer_organization_id], True)
    )


async def dispute_message(session: AsyncSession, event: DisputeMessagePosted, event_id: uuid.UUID) -> Notice | None:
    """Every party but the one that wrote: the other side and the coordinators, or both sides."""
    message = await session.get(DisputeMessage, event.message_id)
    if message is None:
        return None

    def others(order: Order) -> tuple[list[uuid.UUID], bool]:
        if event.author_organization_id is None:  # a coordinator wrote
            return both_sides(order), False
        return other_sides(order, event.author_organization_id), True

    excerpt = message.body if len(message.body) <= _EXCERPT else message.body[: _EXCERPT - 1] + "…"
    return await _dispute_notice(
        session, "dispute_message", event_id, event.dispute_id, others, party=event.party, message=excerpt
    )


async def dispute_resolved(session: AsyncSession, event: DisputeResolved, event_id: uuid.UUID) -> Notice | None:
    return await _dispute_notice(
        session, "dispute_resolved", event_id, event.dispute_id, lambda order: (both_sides(order), False)
    )


TRADE_TELLERS: dict[type[Any], Teller] = {
    OrderPlaced: order_placed,
    OrderStatusChanged: order_status_changed,
    TransferSent: transfer_sent,
    InvoiceIssued: invoice_issued,
    InvoiceOverdue: invoice_overdue,
    InvoicePaid: invoice_paid,
    DisputeOpened: dispute_opened,
    DisputeMessagePosted: dispute_message,
    DisputeResolved: dispute_resolved,
}
