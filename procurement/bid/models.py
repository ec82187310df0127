"""Sealed bids: contents encrypted until the tender's deadline, opened into lines after it."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CHAR,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Entity
from procurement.db import SCHEMA, enum_type
from procurement.pool.models import QUANTITY


class BidStatus(enum.StrEnum):
    submitted = "submitted"
    withdrawn = "withdrawn"


class Bid(Entity):
    """One producer's bid on one tender. Before opening only `sealed` holds its contents."""

    __tablename__ = "bid"
    __table_args__ = (UniqueConstraint("tender_id", "organization_id"), {"schema": SCHEMA})

    tender_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{SCHEMA}.tender.id"), index=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    status: Mapped[BidStatus] = mapped_column(enum_type(BidStatus, "bid_status"))
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Nonce and AES-GCM ciphertext of the contents; None once withdrawn."""
    revision: Mapped[int] = mapped_column(Integer, default=1)
    submitted_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    currency: Mapped[str | None] = mapped_column(CHAR(3))
    """Known from opening on, like everything below."""
    total_capacity: Mapped[Decimal | None] = mapped_column(QUANTITY)
    eligible: Mapped[bool | None]
    ineligibility: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    """What the supplier lacked at the deadline: [{"lot": 1, "credential_type": ..., "message": ...}]."""


class BidLine(Entity):
    """A bid's offer for one lot, as opened at the deadline, with the price in the tender's currency."""

    __tablename__ = "bid_line"
    __table_args__ = (
        UniqueConstraint("bid_id", "lot_id"),
        CheckConstraint("unit_price_minor > 0", name="price_positive"),
        CheckConstraint("max_quantity > 0", name="quantity_positive"),
        {"schema": SCHEMA},
    )

    bid_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{SCHEMA}.bid.id"), index=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{SCHEMA}.lot.id"), index=True)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(CHAR(3))
    max_quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    lead_time_days: Mapped[int] = mapped_column(Integer)
    tender_unit_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    """The price converted into the tender's currency at the rate fixed at the deadline (None: no rate)."""
    fx_rate: Mapped[Decimal | None] = mapped_column(Numeric(24, 10))
    fx_as_of: Mapped[dt.date | None]
    fx_source: Mapped[str | None] = mapped_column(String(80))
