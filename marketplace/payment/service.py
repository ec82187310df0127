"""Invoice payments: issued with each invoice order on the hub's net terms, marked paid by the producer."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from kernel import audit, clock
from kernel.auth import Principal
from kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from kernel.money import Amount
from kernel.outbox import emit, emit_many
from kernel.pagination import Page, PageParams
from marketplace.events import InvoiceIssued, InvoicePaid
from marketplace.organization.models import Side
from marketplace.organization.service import OrganizationService, require_verified_email
from marketplace.payment.models import Invoice, InvoiceRow, InvoiceStatus
from marketplace.payment.repository import PaymentRepository
from marketplace.payment.schemas import InvoicePayment, InvoiceRead, InvoiceSummary


class InvoiceNotFound(NotFound):
    slug = "invoice-not-found"


class InvoiceSettled(Conflict):
    """The invoice is already paid, or void because its order was cancelled or rejected."""

    slug = "invoice-settled"


class InvoiceAssigned(Conflict):
    """What the buyer owes was assigned to a consortium that advanced on it: its officers record the payment."""

    slug = "invoice-assigned"


class Invoiced(Protocol):
    """What an invoice is issued for: an order. Payments sit below orders (which issue,
    void and read invoices), so they know an order only by this shape."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def producer_organization_id(self) -> uuid.UUID: ...
    @property
    def buyer_organization_id(self) -> uuid.UUID: ...
    @property
    def currency(self) -> str: ...
    @property
    def total_minor(self) -> int: ...
    @property
    def created_at(self) -> dt.datetime: ...


def invoice_number(number: int) -> str:
    return f"INV-{number:06d}"


class InvoiceService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = PaymentRepository(session)
        self.organizations = OrganizationService(session)

    async def issue(self, orders: Sequence[Invoiced], net_days: int | dict[uuid.UUID, int]) -> list[Invoice]:
        """Invoice orders placed for payment by invoice: each producer's next numbers, due
        `net_days` (or `net_days[buyer]`) after the order. Returned unsaved, for the caller to
        write with the orders; each is announced (`InvoiceIssued`, for its buyer) in the caller's
        transaction, so only if they are written."""
        counts: dict[uuid.UUID, int] = {}
        for order in orders:
            counts[order.producer_organization_id] = counts.get(order.producer_organization_id, 0) + 1
        numbers = await self.repo.next_invoice_numbers(counts) if counts else {}
        invoices = []
        for order in orders:
            issued_on = order.created_at.date()
            days = net_days if isinstance(net_days, int) else net_days[order.buyer_organization_id]
            invoices.append(
                Invoice(
                    id=uuid7(),  # given here: the announcement names it before it is written
                    order_id=order.id,
                    producer_organization_id=order.producer_organization_id,
                    buyer_organization_id=order.buyer_organization_id,
                    number=numbers[order.producer_organization_id],
                    currency=order.currency,
                    amount_minor=order.total_minor,
                    issued_on=issued_on,
                    due_on=issued_on + dt.timedelta(days=days),
                    status=InvoiceStatus.issued,
                )
            )
            numbers[order.producer_organization_id] += 1
        await emit_many(
            self.session,
            [
                InvoiceIssued(
                    invoice_id=invoice.id,
                    order_id=invoice.order_id,
                    producer_organization_id=invoice.producer_organization_id,
                    buyer_organization_id=invoice.buyer_organization_id,
                )
                for invoice in invoices
            ],
        )
        return invoices

    async def void(self, order_id: uuid.UUID) -> None:
        """The order was cancelled or rejected: nothing is owed. An unpaid invoice is void; a paid one
        stays paid and is credited in full, so what was paid is owed back (`owed_back_minor`) and the
        invoice has its credit note."""
        invoice = await self.repo.invoice_of_order(order_id)
        if invoice is None:
            return
        if invoice.status is InvoiceStatus.issued:
            invoice.status = InvoiceStatus.void
        elif invoice.status is InvoiceStatus.paid:
            invoice.credited_minor = invoice.amount_minor
        await self.session.flush()

    async def credit(self, order_id: uuid.UUID, amount_minor: int) -> None:
        """Credit a dispute's refund against the order's invoice (the invoice itself is never
        changed): an unpaid invoice then asks only the rest (`due_minor`), and is void when
        credited in full; on a paid one the producer owes back what was paid beyond the rest
        (`owed_back_minor`)."""
        invoice = await self.repo.invoice_of_order(order_id)
        if invoice is None:
            return
        invoice.credited_minor = amount_minor
        if invoice.status is InvoiceStatus.issued and amount_minor >= invoice.amount_minor:
            invoice.status = InvoiceStatus.void
        await self.session.flush()

    async def is_paid(self, order_id: uuid.UUID) -> bool:
        invoice = await self.repo.invoice_of_order(order_id)
        return invoice is not None and invoice.status is InvoiceStatus.paid

    async def summaries(self, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, InvoiceSummary]:
        day = clock.today()
        return {
            order_id: invoice_summary(invoice, day)
            for order_id, invoice in (await self.repo.invoices_of_orders(order_ids)).items()
        }

    async def visible(self, principal: Principal, invoice_id: uuid.UUID, *, for_update: bool = False) -> Invoice:
        """The invoice, if the caller is a member of its producer or its buyer (else 404)."""
        invoice = await self.repo.invoice(invoice_id, for_update=for_update)
        if invoice is None:
            raise InvoiceNotFound("no such invoice")
        for organization_id in (invoice.producer_organization_id, invoice.buyer_organization_id):
            if (await self.organizations.standing(principal, organization_id)).is_member:
                return invoice
        raise InvoiceNotFound("no such invoice")

    async def read(self, principal: Principal, invoice_id: uuid.UUID) -> InvoiceRead:
        return _invoice_read(await self.visible(principal, invoice_id), clock.today())

    async def mark_paid(self, principal: Principal, invoice_id: uuid.UUID, data: InvoicePayment) -> InvoiceRead:
        """The producer records the buyer's payment.

        Raises `Forbidden` (403) for the buyer's members, `InvoiceSettled` (409) when the
        invoice is already paid or void (its order was cancelled), `InvalidInput` for a
        payment day in the future or before the invoice.
        """
        invoice = await self.visible(principal, invoice_id, for_update=True)
        if not (await self.organizations.standing(principal, invoice.producer_organization_id)).is_member:
            raise Forbidden("only the producer who issued the invoice marks it paid")
        require_verified_email(principal)
        if invoice.status is InvoiceStatus.void:
            raise InvoiceSettled("the invoice is void: its order was cancelled or rejected, so nothing is owed")
        if invoice.status is InvoiceStatus.paid:
            raise InvoiceSettled(f"the invoice was already marked paid on {invoice.paid_on}")
        if invoice.assignee_name is not None:
            raise InvoiceAssigned(
                f"the invoice is assigned to {invoice.assignee_name}, which advanced on it: its officers record"
                " the buyer's payment"
            )
        day = clock.today()
        paid_on = data.paid_on or day
        if paid_on > day:
            raise InvalidInput.field("paid_on", "cannot be in the future")
        if paid_on < invoice.issued_on:
            raise InvalidInput.field("paid_on", f"cannot be before the invoice was issued ({invoice.issued_on})")
        return await self._record_payment(principal, invoice, paid_on)

    async def settle_assigned(self, principal: Principal, order_id: uuid.UUID, paid_on: dt.date) -> None:
        """The assignee's officer recorded payments covering what the buyer owed: the invoice is paid,
        and announced as one the producer marked (`InvoicePaid`)."""
        invoice = await self.repo.invoice_of_order(order_id)
        if invoice is None or invoice.status is not InvoiceStatus.issued or invoice.assignee_name is None:
            raise InvoiceSettled("the invoice is not an unpaid assigned one")
        await self._record_payment(principal, invoice, paid_on)

    async def assign(self, order_id: uuid.UUID, *, assignee: str, iban: str, notice: bool) -> None:
        """What the buyer owes on the order's invoice now goes to `assignee` (`InvoiceAssigned` for the producer)."""
        invoice = await self.repo.invoice_of_order(order_id)
        if invoice is None:
            raise InvoiceNotFound("the order has no invoice")
        invoice.assignee_name, invoice.assignee_iban, invoice.assignment_notice = assignee, iban, notice
        await self.session.flush()

    async def _record_payment(self, principal: Principal, invoice: Invoice, paid_on: dt.date) -> InvoiceRead:
        day = clock.today()
        before = _invoice_read(invoice, day)
        paid_minor = invoice.record_payment(paid_on, principal.user_id)
        await self.session.flush()
        after = _invoice_read(invoice, day)
        await audit.record(
            self.session,
            principal,
            "invoice.paid",
            object_type="invoice",
            object_id=invoice.id,
            organization_id=invoice.producer_organization_id,
            before=before,
            after=after,
        )
        await emit(
            self.session,
            InvoicePaid(
                invoice_id=invoice.id,
                order_id=invoice.order_id,
                producer_organization_id=invoice.producer_organization_id,
                buyer_organization_id=invoice.buyer_organization_id,
                amount_minor=paid_minor,
                currency=invoice.currency,
            ),
        )
        return after

    async def list_of_organization(
        self,
        principal: Principal,
        organization_id: uuid.UUID,
        *,
        side: Side | None,
        status: InvoiceStatus | None,
        overdue: bool,
        page: PageParams,
    ) -> Page[InvoiceRead]:
        """Invoices the organisation issued or received (members only); `overdue` keeps unpaid ones past due."""
        if not (await self.organizations.standing(principal, organization_id)).is_member:
            raise NotFound("no such organization")
        day = clock.today()
        invoices, total = await self.repo.invoice_page(
            organization_id,
            side,
            status=status,
            overdue_on=day if overdue else None,
            offset=page.offset,
            limit=page.per_page,
        )
        return Page(
            items=[_invoice_read(invoice, day) for invoice in invoices],
            page=page.page,
            per_page=page.per_page,
            total=total,
        )


def invoice_summary(invoice: Invoice | InvoiceRow, day: dt.date) -> InvoiceSummary:
    return InvoiceSummary(
        id=invoice.id,
        number=invoice_number(invoice.number),
        status=invoice.status.value,
        amount_due=Amount(amount_minor=invoice.due_minor, currency=invoice.currency),
        due_on=invoice.due_on,
        overdue=invoice.is_overdue(day),
    )


def _invoice_read(invoice: Invoice, day: dt.date) -> InvoiceRead:
    return InvoiceRead(
        id=invoice.id,
        number=invoice_number(invoice.number),
        order_id=invoice.order_id,
        producer_organization_id=invoice.producer_organization_id,
        buyer_organization_id=invoice.buyer_organization_id,
        amount=Amount(amount_minor=invoice.amount_minor, currency=invoice.currency),
        credited=Amount(amount_minor=invoice.credited_minor, currency=invoice.currency),
        amount_due=Amount(amount_minor=invoice.due_minor, currency=invoice.currency),
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        status=invoice.status,
        overdue=invoice.is_overdue(day),
        paid_on=invoice.paid_on,
        paid=None if invoice.paid_minor is None else Amount(amount_minor=invoice.paid_minor, currency=invoice.currency),
        owed_back=Amount(amount_minor=invoice.owed_back_minor, currency=invoice.currency),
        has_credit_note=invoice.has_credit_note,
        assigned_to=invoice.assignee_name if invoice.assignment_notice else None,
        pay_to_iban=invoice.assignee_iban if invoice.assignment_notice else None,
    )
