"""Working capital: a hub's microfinance consortium, its funders and rules, the advances it makes
against confirmed orders, and its double-entry journal.

Balances are never stored: every figure of money (capital, cash, what an advance still owes) is the
sum of journal lines, and every journal entry balances (a deferred constraint trigger of the
migration refuses a transaction that leaves an entry whose lines do not add up to zero; another
refuses any change to a line once written).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import (
    CHAR,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Entity
from marketplace.db import MARKETPLACE_SCHEMA, enum_type
from marketplace.order.models import OrderStatus
from marketplace.organization.models import InclusionAttribute

_S = MARKETPLACE_SCHEMA
BASIS_POINTS = 10_000
"""Shares and rates are whole basis points (70 % = 7000, 9.5 % a year = 950): exact, never floats."""


class Consortium(Entity):
    """Municipalities, a cooperative bank or a development agency lending together under shared rules."""

    __tablename__ = "consortium"
    __table_args__ = (
        CheckConstraint("advance_share_bp BETWEEN 1 AND 10000", name="advance_share_range"),
        CheckConstraint("flat_fee_bp BETWEEN 0 AND 10000 AND annual_rate_bp BETWEEN 0 AND 10000", name="fee_range"),
        CheckConstraint("max_tenor_days > 0 AND arrears_write_off_days > 0", name="days_positive"),
        CheckConstraint("repayment_instalments BETWEEN 1 AND 24", name="instalments_range"),
        CheckConstraint("min_completed_orders >= 0", name="record_not_negative"),
        {"schema": _S},
    )

    name: Mapped[str] = mapped_column(String(200), unique=True)
    advance_share_bp: Mapped[int] = mapped_column(Integer)
    """The most it advances, as a share of what the buyer still owes on the order."""
    flat_fee_bp: Mapped[int] = mapped_column(Integer)
    """Charged once on the amount advanced."""
    annual_rate_bp: Mapped[int] = mapped_column(Integer)
    """Charged on the amount advanced for the days from the request to the invoice's due date (actual/365)."""
    max_tenor_days: Mapped[int] = mapped_column(Integer)
    """The invoice must fall due at most this many days after the request."""
    min_completed_orders: Mapped[int] = mapped_column(Integer)
    """The producer's delivery record: orders delivered or completed (any buyer) before it may ask."""
    arrears_write_off_days: Mapped[int] = mapped_column(Integer)
    """Days in arrears after which what is still owed is written off against the guarantee fund."""
    repayment_instalments: Mapped[int] = mapped_column(Integer)
    """Monthly instalments the producer repays in when the buyer's payment will not cover the advance."""
    notice_of_assignment: Mapped[bool] = mapped_column(Boolean)
    """The advanced order's invoice tells the buyer to pay the consortium's account (open assignment)."""
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid)


class ConsortiumHub(Entity):
    """A hub whose producers the consortium lends to; a hub has at most one consortium."""

    __tablename__ = "consortium_hub"
    __table_args__ = {"schema": _S}

    consortium_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{_S}.consortium.id"), index=True)
    hub_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{_S}.hub.id"), unique=True)


class ConsortiumCurrency(Entity):
    """A currency the consortium lends in, with its limits and its collection account. Its row is
    also what a request locks, so two requests cannot both take the last of a limit."""

    __tablename__ = "consortium_currency"
    __table_args__ = (
        UniqueConstraint("consortium_id", "currency", name="uq_consortium_currency"),
        CheckConstraint(
            "max_per_producer_minor > 0 AND max_per_buyer_minor > 0 AND second_approval_above_minor >= 0",
            name="limits_positive",
        ),
        {"schema": _S},
    )

    consortium_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{_S}.consortium.id"))
    currency: Mapped[str] = mapped_column(CHAR(3))
    max_per_producer_minor: Mapped[int] = mapped_column(BigInteger)
    """The most one producer may owe the consortium (principal outstanding and asked for)."""
    max_per_buyer_minor: Mapped[int] = mapped_column(BigInteger)
    """The most advanced against one buyer's orders."""
    second_approval_above_minor: Mapped[int] = mapped_column(BigInteger)
    """An advance above this needs two officers' approvals (four eyes)."""
    collection_iban: Mapped[str] = mapped_column(String(34))
    """Where buyers pay an assigned invoice, and producers repay."""
    collection_bic: Mapped[str | None] = mapped_column(String(11))


class Funder(Entity):
    """A member of the consortium lending capital and backing the guarantee fund."""

    __tablename__ = "funder"
    __table_args__ = (
        UniqueConstraint("consortium_id", "name", name="uq_funder_name"),
        CheckConstraint("guarantee_share_bp BETWEEN 0 AND 10000", name="guarantee_share_range"),
        {"schema": _S},
    )

    consortium_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{_S}.consortium.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(CHAR(2))
    guarantee_share_bp: Mapped[int] = mapped_column(Integer)
    """Its share of every write-off (the funders' shares add up to 100 %)."""


class Officer(Entity):
    """A person who decides on the consortium's advances and records its money movements."""

    __tablename__ = "consortium_officer"
    __table_args__ = (UniqueConstraint("consortium_id", "user_id", name="uq_consortium_officer"), {"schema": _S})

    consortium_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{_S}.consortium.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{_S}.user_account.id"), index=True)


class InclusionTerm(Entity):
    """Better terms for producers a hub verified as women-led, youth-led, ... (the best of each applies)."""

    __tablename__ = "consortium_inclusion_term"
    __table_args__ = (
        UniqueConstraint("consortium_id", "attribute", name="uq_consortium_inclusion_term"),
        CheckConstraint(
            "share_bonus_bp BETWEEN 0 AND 10000 AND fee_discount_bp BETWEEN 0 AND 10000"
            " AND rate_discount_bp BETWEEN 0 AND 10000",
            name="terms_range",
        ),
        {"schema": _S},
    )

    consortium_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{_S}.consortium.id"))
    attribute: Mapped[InclusionAttribute] = mapped_column(enum_type(InclusionAttribute, "inclusion_attribute"))
    share_bonus_bp: Mapped[int] = mapped_column(Integer)
    fee_discount_bp: Mapped[int] = mapped_column(Integer)
    """Taken off the flat fee."""
    rate_discount_bp: Mapped[int] = mapped_column(Integer)
    """Taken off the annual rate."""


class AdvanceStatus(enum.StrEnum):
    requested = "requested"
    """Waiting for the officers (a second approval, above the consortium's threshold)."""
    approved = "approved"
    """To be paid out to the producer."""
    declined = "declined"
    withdrawn = "withdrawn"
    """By the producer before it was paid out, or because the order was cancelled meanwhile."""
    disbursed = "disbursed"
    """Paid out; repaid from the buyer's payment."""
    due_from_producer = "due_from_producer"
    """The buyer's payment will not cover it (a credit note, a cancellation, a dispute): the producer
    repays the rest by the schedule."""
    in_arrears = "in_arrears"
    """Past its due date (the invoice's, or an instalment's) with money still owed."""
    repaid = "repaid"
    written_off = "written_off"


#: Advances that count against the limits and the capital.
LIVE = frozenset(
    {
        AdvanceStatus.requested,
        AdvanceStatus.approved,
        AdvanceStatus.disbursed,
        AdvanceStatus.due_from_producer,
        AdvanceStatus.in_arrears,
    }
)
#: Orders that count in a producer's delivery record.
DELIVERED = frozenset({OrderStatus.delivered, OrderStatus.completed})
#: Advances paid out and not yet settled: they owe money.
OWING = frozenset({AdvanceStatus.disbursed, AdvanceStatus.due_from_producer, AdvanceStatus.in_arrears})


class Advance(Entity):
    """Working capital paid to a producer against one confirmed order, repaid from its buyer's payment."""

    __tablename__ = "advance"
    __table_args__ = (
        CheckConstraint("principal_minor > 0", name="principal_positive"),
        CheckConstraint("fee_minor >= 0", name="fee_not_negative"),
        # One live advance per order: a declined or withdrawn one may be asked again.
        Index(
            "uq_advance_live_order",
            "order_id",
            unique=True,
            postgresql_where=text("status NOT IN ('declined', 'withdrawn')"),
        ),
        Index("ix_advance_consortium_status", "consortium_id", "status"),
        {"schema": _S},
    )

    consortium_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{_S}.consortium.id"))
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{_S}.purchase_order.id"))
    producer_organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{_S}.organization.id"), index=True)
    buyer_organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{_S}.organization.id"), index=True)
    hub_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{_S}.hub.id"))
    currency: Mapped[str] = mapped_column(CHAR(3))
    """The order's currency."""
    receivable_minor: Mapped[int] = mapped_column(BigInteger)
    """What the buyer owed on the order when it was asked for."""
    principal_minor: Mapped[int] = mapped_column(BigInteger)
    """Asked for, then paid out."""
    fee_minor: Mapped[int] = mapped_column(BigInteger)
    """Fixed when asked for (the days to the invoice's due date counted from then): what the producer was quoted."""
    due_on: Mapped[dt.date] = mapped_column(Date)
    """When the buyer's payment is due (the invoice's due date); an instalment's when repaid by schedule."""
    status: Mapped[AdvanceStatus] = mapped_column(enum_type(AdvanceStatus, "advance_status"))
    requested_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    reason: Mapped[str | None] = mapped_column(String(1000))
    """Why it was declined or withdrawn, or why the producer owes it (in the service's words)."""
    disbursed_on: Mapped[dt.date | None] = mapped_column(Date)
    disbursement_reference: Mapped[str | None] = mapped_column(String(140))
    settled_on: Mapped[dt.date | None] = mapped_column(Date)
    """Repaid in full or written off."""
    in_arrears_since: Mapped[dt.date | None] = mapped_column(Date)


class AdvanceDecision(Entity):
    """One officer's approval or refusal, with the reason (four eyes: two approvals above the threshold)."""

    __tablename__ = "advance_decision"
    __table_args__ = (
        UniqueConstraint("advance_id", "officer_id", name="uq_advance_decision_officer"),
        {"schema": _S},
    )

    advance_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{_S}.advance.id"), index=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    approve: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(1000))


class Instalment(Entity):
    """What the producer repays when, once the buyer's payment will not cover the advance."""

    __tablename__ = "advance_instalment"
    __table_args__ = (
        UniqueConstraint("advance_id", "number", name="uq_advance_instalment_number"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        {"schema": _S},
    )

    advance_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{_S}.advance.id"))
    number: Mapped[int] = mapped_column(Integer)
    """1, 2, ... in the order they fall due."""
    due_on: Mapped[dt.date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)


class Account(enum.StrEnum):
    """The journal's accounts; a line's amount is a debit when positive, a credit when negative."""

    cash = "cash"
    """A funder's money available to lend (debit)."""
    capital = "capital"
    """A funder's committed lending capital (credit)."""
    guarantee_fund = "guarantee_fund"
    """A funder's guarantee contributions (credit)."""
    guarantee_cash = "guarantee_cash"
    """The guarantee money a funder put up and the fund still holds (debit): a write-off makes the
    lenders whole from it, each funder paying its guarantee share as far as its money reaches."""
    advances = "advances"
    """Principal a producer still owes, by the funders who lent it (debit)."""
    advances_in_arrears = "advances_in_arrears"
    """Principal past its due date (debit)."""
    fees_receivable = "fees_receivable"
    """Fees charged and not yet paid (debit)."""
    fee_income = "fee_income"
    """Fees earned (credit)."""
    write_offs = "write_offs"
    """What a funder lost to write-offs (debit): its guarantee share paid out of its guarantee money,
    and, as a lender, what the guarantee money did not cover."""
    collections = "collections"
    """The consortium's collection account: buyers' payments received and not yet passed on (debit)."""
    producer_payable = "producer_payable"
    """What the consortium collected beyond an advance and owes its producer (credit)."""


#: Accounts that hold the principal an advance still owes.
PRINCIPAL = (Account.advances, Account.advances_in_arrears)


class EntryKind(enum.StrEnum):
    commitment = "commitment"
    """A funder's lending capital or guarantee money put up."""
    disbursement = "disbursement"
    collection = "collection"
    """A buyer's payment on an advanced order: the advance and fee repaid first, the rest owed to the producer."""
    producer_repayment = "producer_repayment"
    remittance = "remittance"
    """The rest of a buyer's payment passed on to the producer."""
    arrears = "arrears"
    write_off = "write_off"


class JournalEntry(Entity):
    """One balanced event of the consortium's books, in one currency."""

    __tablename__ = "journal_entry"
    __table_args__ = (Index("ix_journal_entry_consortium", "consortium_id", "currency", "booked_on"), {"schema": _S})

    consortium_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{_S}.consortium.id"))
    currency: Mapped[str] = mapped_column(CHAR(3))
    kind: Mapped[EntryKind] = mapped_column(enum_type(EntryKind, "journal_entry_kind"))
    advance_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey(f"{_S}.advance.id"), index=True)
    booked_on: Mapped[dt.date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(140))
    """The bank transfer's reference, or what caused the entry."""
    booked_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """The officer; None when the service booked it (a payment, the arrears job)."""


class JournalLine(Entity):
    __tablename__ = "journal_line"
    __table_args__ = (
        CheckConstraint("amount_minor <> 0", name="amount_not_zero"),
        Index("ix_journal_line_account", "account", "funder_id"),
        {"schema": _S},
    )

    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{_S}.journal_entry.id"), index=True)
    account: Mapped[Account] = mapped_column(enum_type(Account, "journal_account"))
    funder_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey(f"{_S}.funder.id"))
    """None for the pass-through accounts (collections, producer_payable)."""
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    """Debit when positive, credit when negative."""
