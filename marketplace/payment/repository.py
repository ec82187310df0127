"""All SQL of payments."""

from __future__ import annotations

import datetime as dt
import uuid

import uuid_utils.compat
from sqlalchemy import ColumnElement, Uuid, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from kernel.audit import AuditEntry
from kernel.db import equals_any
from marketplace.organization.models import Side
from marketplace.payment.models import (
    CardCheckoutSession,
    CardPayment,
    CardRefund,
    CardTransfer,
    Invoice,
    InvoiceCounter,
    InvoiceStatus,
    PayoutAccount,
    StripeEvent,
)


class PaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *objects: object) -> None:
        self.session.add_all(objects)
        await self.session.flush()

    async def next_invoice_numbers(self, counts: dict[uuid.UUID, int]) -> dict[uuid.UUID, int]:
        """The first of `counts[producer]` consecutive invoice numbers of each producer, in one
        statement. The counter rows stay locked until the transaction ends, so concurrent
        checkouts take numbers one after another (rows are locked in id order, so they cannot deadlock)."""
        now = clock.now()
        rows = [
            {
                "id": uuid_utils.compat.uuid7(),
                "producer_organization_id": producer,
                "last_number": counts[producer],
                "created_at": now,
                "updated_at": now,
            }
            for producer in sorted(counts)
        ]
        # The rows as a list of parameters, not `.values(rows)`, so that the statement is compiled
        # once (`marketplace.mail.service.post`); SQLAlchemy still sends them as one statement.
        values = insert(InvoiceCounter)
        statement = values.on_conflict_do_update(
            index_elements=[InvoiceCounter.producer_organization_id],
            set_={"last_number": InvoiceCounter.last_number + values.excluded.last_number, "updated_at": now},
        ).returning(InvoiceCounter.producer_organization_id, InvoiceCounter.last_number)
        returned = await self.session.execute(statement, rows)
        return {producer: last - counts[producer] + 1 for producer, last in returned}

    async def invoice(self, invoice_id: uuid.UUID, *, for_update: bool = False) -> Invoice | None:
        statement = select(Invoice).where(Invoice.id == invoice_id)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def invoice_of_order(self, order_id: uuid.UUID) -> Invoice | None:
        return (
            await self.session.execute(select(Invoice).where(Invoice.order_id == order_id).with_for_update())
        ).scalar_one_or_none()

    async def invoices_of_orders(self, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, Invoice]:
        rows = await self.session.execute(select(Invoice).where(equals_any(Invoice.order_id, order_ids, Uuid)))
        return {invoice.order_id: invoice for invoice in rows.scalars()}

    async def overdue_unannounced(self, today: dt.date, action: str) -> list[Invoice]:
        """Unpaid invoices past their due day with no `action` audit entry yet (the mark that they
        were announced), oldest due first, locked; rows another transaction holds are skipped (a
        concurrent run announces them, or the next one does)."""
        announced = exists().where(AuditEntry.object_id == Invoice.id, AuditEntry.action == action)
        statement = (
            select(Invoice)
            .where(Invoice.status == InvoiceStatus.issued, Invoice.due_on < today, ~announced)
            .order_by(Invoice.due_on, Invoice.id)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.scalars(statement)).all())

    async def invoice_page(
        self,
        organization_id: uuid.UUID,
        side: Side | None,
        *,
        status: InvoiceStatus | None,
        overdue_on: dt.date | None,
        offset: int,
        limit: int,
    ) -> tuple[list[Invoice], int]:
        """Invoices an organisation issued (`producer`), received (`buyer`) or either; `overdue_on`
        keeps the unpaid ones due before that day. Oldest due date first."""
        conditions: list[ColumnElement[bool]] = [_of_organization(organization_id, side)]
        if status is not None:
            conditions.append(Invoice.status == status)
        if overdue_on is not None:
            conditions += [Invoice.status == InvoiceStatus.issued, Invoice.due_on < overdue_on]
        total = (await self.session.execute(select(func.count()).select_from(Invoice).where(*conditions))).scalar_one()
        rows = await self.session.execute(
            select(Invoice).where(*conditions).order_by(Invoice.due_on, Invoice.number).offset(offset).limit(limit)
        )
        return list(rows.scalars()), int(total)

    # --- card payments ------------------------------------------------------------------

    async def record_stripe_event(self, event_id: str, type_: str, object_id: str | None) -> bool:
        """Remember a webhook event; False when it was already handled (or is being handled right
        now: the insert then waits for that transaction and finds the row)."""
        now = clock.now()
        inserted = await self.session.execute(
            insert(StripeEvent)
            .values(
                id=uuid_utils.compat.uuid7(),
                event_id=event_id,
                type=type_,
                object_id=object_id,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=[StripeEvent.event_id])
            .returning(StripeEvent.id)
        )
        return inserted.first() is not None

    async def payout_account(self, organization_id: uuid.UUID) -> PayoutAccount | None:
        return (
            await self.session.execute(
                select(PayoutAccount).where(PayoutAccount.organization_id == organization_id).with_for_update()
            )
        ).scalar_one_or_none()

    async def payout_account_by_stripe_id(self, stripe_account_id: str) -> PayoutAccount | None:
        return (
            await self.session.execute(
                select(PayoutAccount).where(PayoutAccount.stripe_account_id == stripe_account_id).with_for_update()
            )
        ).scalar_one_or_none()

    async def payable_by_card(self, organization_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        """The organisations Stripe lets us transfer to."""
        rows = await self.session.execute(
            select(PayoutAccount.organization_id).where(
                equals_any(PayoutAccount.organization_id, organization_ids, Uuid), PayoutAccount.transfers_active
            )
        )
        return set(rows.scalars())

    async def card_payment(self, checkout_id: uuid.UUID, *, for_update: bool = False) -> CardPayment | None:
        statement = select(CardPayment).where(CardPayment.checkout_id == checkout_id)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def card_payment_where(self, condition: ColumnElement[bool]) -> CardPayment | None:
        """The card payment matching `condition` (by PaymentIntent or charge id), locked."""
        return (await self.session.execute(select(CardPayment).where(condition).with_for_update())).scalar_one_or_none()

    async def card_checkout_session(
        self, checkout_id: uuid.UUID, *, for_update: bool = False
    ) -> CardCheckoutSession | None:
        statement = select(CardCheckoutSession).where(CardCheckoutSession.checkout_id == checkout_id)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def card_checkout_session_by_stripe_id(self, stripe_session_id: str) -> CardCheckoutSession | None:
        """The checkout's session of that Stripe id (a session it replaced is not found), locked."""
        statement = (
            select(CardCheckoutSession)
            .where(CardCheckoutSession.stripe_session_id == stripe_session_id)
            .with_for_update()
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def card_transfer(self, order_id: uuid.UUID, *, for_update: bool = False) -> CardTransfer | None:
        statement = select(CardTransfer).where(CardTransfer.order_id == order_id)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def card_refund(self, order_id: uuid.UUID, *, for_update: bool = False) -> CardRefund | None:
        statement = select(CardRefund).where(CardRefund.order_id == order_id)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def card_refund_by_stripe_id(self, stripe_refund_id: str, *, for_update: bool = False) -> CardRefund | None:
        statement = select(CardRefund).where(CardRefund.stripe_refund_id == stripe_refund_id)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def card_refunds(self, order_ids: list[uuid.UUID]) -> list[CardRefund]:
        rows = await self.session.execute(
            select(CardRefund).where(equals_any(CardRefund.order_id, order_ids, Uuid)).order_by(CardRefund.created_at)
        )
        return list(rows.scalars())


def _of_organization(organization_id: uuid.UUID, side: Side | None) -> ColumnElement[bool]:
    if side is Side.buyer:
        return Invoice.buyer_organization_id == organization_id
    if side is Side.producer:
        return Invoice.producer_organization_id == organization_id
    return or_(Invoice.buyer_organization_id == organization_id, Invoice.producer_organization_id == organization_id)
