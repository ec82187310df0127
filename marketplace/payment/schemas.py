"""Wire formats of payments: invoices."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from kernel.money import Amount
from kernel.validation import Day
from marketplace.payment.models import InvoiceStatus


class InvoiceRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    number: str
    """Per producer, without gaps: INV-000001, INV-000002, ..."""
    order_id: uuid.UUID
    producer_organization_id: uuid.UUID
    buyer_organization_id: uuid.UUID
    amount: Amount
    """As issued; an issued invoice is never changed (a dispute's refund is credited against it)."""
    credited: Amount
    """Refunded by a dispute's decision: no longer owed if credited before the invoice was paid;
    if credited after, what was paid beyond `amount - credited` is `owed_back`."""
    amount_due: Amount
    """What the buyer still owes: `amount - credited` while `issued`, 0 once paid or void."""
    issued_on: dt.date
    due_on: dt.date
    status: InvoiceStatus
    overdue: bool
    paid_on: dt.date | None
    paid: Amount | None
    """What the buyer paid: the amount due when the producer marked it paid (null until then)."""
    owed_back: Amount
    """What the producer owes the buyer back: on a paid invoice `paid - (amount - credited)` when
    that is more than 0 (a credit made after the payment), else 0."""
    has_credit_note: bool
    """Money was taken back on it (`credited` > 0, or `void`): its credit note is at `/credit-note/pdf`."""
    assigned_to: str | None = None
    """Under a notice of assignment: whom what the buyer owes was assigned to (a consortium that
    advanced on it), and `pay_to_iban` the account the buyer pays to discharge the invoice."""
    pay_to_iban: str | None = None


class InvoiceSummary(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    number: str
    status: str
    amount_due: Amount
    """What the buyer still owes on it (see `InvoiceRead`)."""
    due_on: dt.date
    overdue: bool


class InvoicePayment(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    paid_on: Day | None = None
    """The day the money arrived; default today. Not in the future."""
