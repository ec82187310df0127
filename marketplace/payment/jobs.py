"""Scheduled invoice jobs (registered in `marketplace.wiring`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kernel import audit, clock
from kernel.outbox import emit_many
from marketplace.events import InvoiceOverdue
from marketplace.payment.repository import PaymentRepository
from marketplace.payment.service import invoice_number

#: The audit action that records an invoice's overdue announcement (and so that it was made).
OVERDUE_ANNOUNCED = "invoice.overdue"


async def announce_overdue_invoices(session: AsyncSession) -> None:
    """Scheduled daily: announce (`InvoiceOverdue`, for its buyer) each invoice still unpaid after its
    due day — once per invoice. The announcement is audited in the same transaction, and an invoice
    with that audit entry is not announced again, however often the job runs."""
    today = clock.today()
    overdue = await PaymentRepository(session).overdue_unannounced(today, OVERDUE_ANNOUNCED)
    for invoice in overdue:
        await audit.record(
            session,
            None,
            OVERDUE_ANNOUNCED,
            object_type="invoice",
            object_id=invoice.id,
            organization_id=invoice.producer_organization_id,
            after={"number": invoice_number(invoice.number), "due_on": invoice.due_on.isoformat()},
        )
    await emit_many(
        session,
        [
            InvoiceOverdue(
                invoice_id=invoice.id,
                order_id=invoice.order_id,
                producer_organization_id=invoice.producer_organization_id,
                buyer_organization_id=invoice.buyer_organization_id,
            )
            for invoice in overdue
        ],
    )
    await session.flush()
