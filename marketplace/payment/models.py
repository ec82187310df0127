"""Payments of orders: invoices on the hub's net terms, and card payments through Stripe Connect."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Protocol

import msgspec
from sqlalchemy import (
    CHAR,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Entity
from marketplace.db import MARKETPLACE_SCHEMA, enum_type

_ORG = f"{MARKETPLACE_SCHEMA}.organization.id"


class InvoiceStatus(enum.StrEnum):
    issued = "issued"
    paid = "paid"
    void = "void"
    """Nothing is owed: the order was cancelled or rejected, or a dispute's decision credited the whole
    unpaid amount. The number stays used (numbering has no gaps)."""


class _Dues(Protocol):
    @property
    def status(self) -> InvoiceStatus: ...
    @property
    def amount_minor(self) -> int: ...
    @property
    def credited_minor(self) -> int: ...
    @property
    def due_on(self) -> dt.date: ...


class WhatIsDue:
    """What the buyer still owes on an invoice, for the stored invoice and for its row as an order
    read fetches it (`InvoiceRow`): one rule for both."""

    __slots__ = ()

    @property
    def due_minor(self: _Dues) -> int:
        """What the buyer still owes: the amount less what was credited, until it is paid (or void)."""
        return self.amount_minor - self.credited_minor if self.status is InvoiceStatus.issued else 0

    def is_overdue(self: _Dues, today: dt.date) -> bool:
        return self.status is InvoiceStatus.issued and self.due_on < today


class Invoice(Entity, WhatIsDue):
    __tablename__ = "invoice"
    __table_args__ = (
        UniqueConstraint("producer_organization_id", "number", name="uq_invoice_number_per_producer"),
        CheckConstraint("isfinite(paid_on)", name="paid_on_finite"),
        CheckConstraint(
            "(status = 'paid') = (paid_minor IS NOT NULL) AND paid_minor BETWEEN 0 AND amount_minor",
            name="paid_minor_when_paid",
        ),
        {"schema": MARKETPLACE_SCHEMA},
    )

    order_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.purchase_order.id"), unique=True
    )
    producer_organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_ORG))
    buyer_organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_ORG), index=True)
    number: Mapped[int] = mapped_column(Integer)
    """1, 2, 3, ... per producer, in the order invoices were issued."""
    currency: Mapped[str] = mapped_column(CHAR(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    issued_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[InvoiceStatus] = mapped_column(enum_type(InvoiceStatus, "invoice_status"))
    credited_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """Taken off the amount by a dispute's refund (a credit note): no longer owed by the buyer if
    credited before the payment; owed back to the buyer (`owed_back_minor`) if credited after it."""
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    paid_minor: Mapped[int | None] = mapped_column(BigInteger)
    """What the buyer paid, set when the producer marks the invoice paid: what was due then (the
    amount less any credit made before). None until paid. Kept because the credit alone cannot tell
    a credit the buyer never paid from one the producer must give back."""
    marked_paid_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    assignee_name: Mapped[str | None] = mapped_column(String(200))
    """Who the producer assigned what the buyer owes to (a microfinance consortium that advanced
    on it): its officers, not the producer, record the buyer's payment. None when not assigned."""
    assignee_iban: Mapped[str | None] = mapped_column(String(34))
    assignment_notice: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    """Whether the buyer is told to pay the assignee's account (an open assignment) or pays the
    producer, who passes the payment on (a silent one)."""

    @property
    def owed_back_minor(self) -> int:
        """What the producer owes the buyer back: what was paid beyond the amount less what was
        credited (a credit made after the payment); 0 unless paid."""
        if self.status is not InvoiceStatus.paid or self.paid_minor is None:
            return 0
        return max(0, self.paid_minor - (self.amount_minor - self.credited_minor))

    @property
    def has_credit_note(self) -> bool:
        """Money was taken back on it, so a credit note corrects it (an issued invoice is never
        deleted): a dispute's credit, or the whole invoice when it was voided (its order cancelled
        or rejected)."""
        return self.credited_minor > 0 or self.status is InvoiceStatus.void

    def record_payment(self, paid_on: dt.date, by: uuid.UUID) -> int:
        """The buyer paid what was due: kept as `paid_minor` (read before the invoice stops being
        due) and returned."""
        paid_minor = self.due_minor
        self.paid_minor = paid_minor
        self.status = InvoiceStatus.paid
        self.paid_on = paid_on
        self.marked_paid_by = by
        return paid_minor


class InvoiceRow(msgspec.Struct, WhatIsDue, frozen=True, kw_only=True):
    """An order's invoice as the order read fetches it (`OrderRepository.shown`): what its summary
    shows, under `Invoice`'s own names."""

    id: uuid.UUID
    number: int
    currency: str
    amount_minor: int
    credited_minor: int
    due_on: dt.date
    status: InvoiceStatus


class InvoiceCounter(Entity):
    """The last invoice number a producer used; incremented under its row lock so numbers never repeat or skip."""

    __tablename__ = "invoice_counter"
    __table_args__ = {"schema": MARKETPLACE_SCHEMA}

    producer_organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_ORG), unique=True)
    last_number: Mapped[int] = mapped_column(Integer)


class PayoutAccount(Entity):
    """A producer's Stripe Connect account: where its share of card payments is transferred."""

    __tablename__ = "payout_account"
    __table_args__ = {"schema": MARKETPLACE_SCHEMA}

    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_ORG), unique=True)
    stripe_account_id: Mapped[str] = mapped_column(String(255), unique=True)
    transfers_active: Mapped[bool] = mapped_column(Boolean, default=False)
    """Stripe lets us transfer to it: only then may buyers pay the producer's orders by card."""
    details_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    payouts_enabled: Mapped[bool] = mapped_column(Boolean, default=False)


class CardPayment(Entity):
    """The one Stripe PaymentIntent of a checkout: the buyer pays all its orders at once. Made by us
    (`CardPaymentService.start`) or by Stripe's hosted page (`CardCheckoutSession`), never both."""

    __tablename__ = "card_payment"
    __table_args__ = {"schema": MARKETPLACE_SCHEMA}

    checkout_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.checkout.id"), unique=True)
    payment_intent_id: Mapped[str] = mapped_column(String(255), unique=True)
    order_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    """The orders it pays for (those awaiting payment when it was started), each for its display total."""
    client_secret: Mapped[str] = mapped_column(String(500))
    """What the buyer's browser confirms the payment with (Stripe.js); shown to the buyer's members only.
    Empty for a payment made on Stripe's hosted page (`CardCheckoutSession`): Stripe confirms that one."""
    currency: Mapped[str] = mapped_column(CHAR(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(40))
    """The PaymentIntent's status as last fetched from Stripe (`requires_payment_method`, `succeeded`, ...)."""
    last_error: Mapped[str | None] = mapped_column(String(500))
    charge_id: Mapped[str | None] = mapped_column(String(255))
    settlement_currency: Mapped[str | None] = mapped_column(CHAR(3))
    """The currency of the charge's balance transaction: what the platform received, and what
    transfers to producers are made in (Stripe requires it of a transfer from a charge)."""
    settlement_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    """The charge's gross amount in `settlement_currency`, as Stripe converted it."""
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    """Refunded on the charge, as Stripe reports it (ours and any made in Stripe's dashboard)."""
    chargeback_id: Mapped[str | None] = mapped_column(String(255))
    chargeback_reason: Mapped[str | None] = mapped_column(String(80))
    chargeback_status: Mapped[str | None] = mapped_column(String(80))

    @property
    def settled(self) -> bool:
        return self.settlement_currency is not None and self.settlement_amount_minor is not None


class CardCheckoutSession(Entity):
    """The Stripe Checkout Session a checkout is paid through on Stripe's hosted payment page.

    One per checkout, standing for its one payment: while it is open the buyer is sent to its `url`
    again (never to a second session); once it has expired unpaid a new one takes its place (the
    next `attempt`). Stripe makes the session's PaymentIntent only when the buyer pays, so the
    checkout's `CardPayment` is recorded then, from this row, for the PaymentIntent the session
    names (see `card.service`); a checkout with a session gets no PaymentIntent of ours besides."""

    __tablename__ = "card_checkout_session"
    __table_args__ = (
        CheckConstraint("attempt > 0", name="attempt_positive"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        {"schema": MARKETPLACE_SCHEMA},
    )

    checkout_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.checkout.id"), unique=True)
    stripe_session_id: Mapped[str] = mapped_column(String(255), unique=True)
    """The current session (`cs_...`); an expired one's id is replaced by its successor's."""
    attempt: Mapped[int] = mapped_column(Integer)
    """1 for the checkout's first session, 2 for the one made after it expired, ...: part of the
    idempotency key, so that a successor is a new session and a retry the same one."""
    url: Mapped[str] = mapped_column(String(2048))
    """Stripe's hosted payment page of the session: where the buyer pays."""
    status: Mapped[str] = mapped_column(String(40))
    """The session's status as last fetched from Stripe: `open`, `complete` or `expired`."""
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    order_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    """The orders it pays for (those awaiting payment when it was made), each for its display total."""
    currency: Mapped[str] = mapped_column(CHAR(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)


class MoveStatus(enum.StrEnum):
    """Where a money movement (transfer, refund, reversal) stands."""

    pending = "pending"
    """Due but not made yet: `pending_reason` says why; retried when its cause clears and by the reconciliation."""
    made = "made"
    """Stripe confirmed it."""
    dropped = "dropped"
    """No longer due (a transfer for an order cancelled before it went out)."""
    failed = "failed"
    """Stripe confirmed it, then could not complete it (a refund to a closed card): for a person to settle."""


class CardTransfer(Entity):
    """An order's share of a card payment sent to its producer, less the hub's fee.

    Recorded as `pending` when it falls due and `made` once Stripe confirms it. Figures are kept in
    the charge's currency (what the buyer paid for the order) and in the settlement currency (what
    the platform received for it, and what the transfer and the fee are in)."""

    __tablename__ = "card_transfer"
    __table_args__ = {"schema": MARKETPLACE_SCHEMA}

    order_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.purchase_order.id"), unique=True
    )
    status: Mapped[MoveStatus] = mapped_column(enum_type(MoveStatus, "money_move_status"))
    pending_reason: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Calls to Stripe so far; after the first, a retry looks for a transfer Stripe made but whose answer was lost."""
    stripe_transfer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    destination: Mapped[str | None] = mapped_column(String(255))
    charge_currency: Mapped[str] = mapped_column(CHAR(3))
    charge_amount_minor: Mapped[int] = mapped_column(BigInteger)
    """The order's share of the charge: its display total."""
    currency: Mapped[str] = mapped_column(CHAR(3))
    """The settlement currency."""
    share_minor: Mapped[int] = mapped_column(BigInteger)
    """The order's share of what the platform received (the charge's shares add up to it exactly)."""
    fee_minor: Mapped[int] = mapped_column(BigInteger)
    """The hub's fee, kept from the share."""
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    """Sent to the producer: `share_minor - fee_minor`."""
    reversed_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class CardRefund(Entity):
    """Money given back to the buyer's card for one order (cancelled, rejected, or a dispute's refund),
    and the same proportion taken back from the producer's transfer: two steps, each recorded as soon
    as Stripe confirms it and retried on its own."""

    __tablename__ = "card_refund"
    __table_args__ = {"schema": MARKETPLACE_SCHEMA}

    order_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.purchase_order.id"), unique=True
    )
    status: Mapped[MoveStatus] = mapped_column(enum_type(MoveStatus, "money_move_status"))
    pending_reason: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    currency: Mapped[str] = mapped_column(CHAR(3))
    """The charge's currency."""
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(40))
    reversal_status: Mapped[MoveStatus | None] = mapped_column(enum_type(MoveStatus, "money_move_status"))
    """None until the refund is made; then pending until the producer's transfer is reversed in
    proportion, or dropped when no transfer went out."""
    reversal_pending_reason: Mapped[str | None] = mapped_column(String(500))
    reversal_attempts: Mapped[int] = mapped_column(Integer, default=0)
    stripe_reversal_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    reversed_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    """Taken back from the producer's transfer, in the settlement currency."""


class StripeEvent(Entity):
    """A webhook event already handled: stored in the transaction of its effects, so a repeat is a no-op."""

    __tablename__ = "stripe_event"
    __table_args__ = {"schema": MARKETPLACE_SCHEMA}

    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(120))
    object_id: Mapped[str | None] = mapped_column(String(255))
