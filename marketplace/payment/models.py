"""Invoices: what a buyer owes a producer for one order on the hub's net terms."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import CHAR, BigInteger, Date, ForeignKey, Integer, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.kernel.db import MARKETPLACE_SCHEMA, Entity, db_enum

_ORG = f"{MARKETPLACE_SCHEMA}.organization.id"


class InvoiceStatus(enum.StrEnum):
    issued = "issued"
    paid = "paid"
    void = "void"
    """The order was cancelled or rejected; the number stays used (numbering has no gaps)."""


class Invoice(Entity):
    __tablename__ = "invoice"
    __table_args__ = (
        UniqueConstraint("producer_organization_id", "number", name="uq_invoice_number_per_producer"),
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
    status: Mapped[InvoiceStatus] = mapped_column(db_enum(InvoiceStatus, "invoice_status"))
    credited_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """Taken off the amount by a dispute's refund: owed by the buyer if unpaid, owed back if paid."""
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    marked_paid_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    def is_overdue(self, today: dt.date) -> bool:
        return self.status is InvoiceStatus.issued and self.due_on < today


class InvoiceCounter(Entity):
    """The last invoice number a producer used; incremented under its row lock so numbers never repeat or skip."""

    __tablename__ = "invoice_counter"
    __table_args__ = {"schema": MARKETPLACE_SCHEMA}

    producer_organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_ORG), unique=True)
    last_number: Mapped[int] = mapped_column(Integer)
