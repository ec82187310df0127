"""A dispute over one delivered order and the messages exchanged in it."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import CHAR, BigInteger, CheckConstraint, DateTime, ForeignKey, String, Text, Uuid
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Entity
from marketplace.db import MARKETPLACE_SCHEMA, enum_type


class DisputeReason(enum.StrEnum):
    damaged = "damaged"
    wrong_goods = "wrong_goods"
    short_quantity = "short_quantity"
    quality = "quality"
    late = "late"
    other = "other"


class DisputeStatus(enum.StrEnum):
    open = "open"
    """Waiting for the producer's answer."""
    answered = "answered"
    """The producer answered; waiting for a coordinator's decision."""
    resolved = "resolved"


class DisputeOutcome(enum.StrEnum):
    full_refund = "full_refund"
    partial_refund = "partial_refund"
    rejected = "rejected"


class Dispute(Entity):
    __tablename__ = "dispute"
    __table_args__ = (
        CheckConstraint("refund_minor >= 0", name="refund_not_negative"),
        {"schema": MARKETPLACE_SCHEMA},
    )

    order_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.purchase_order.id"), unique=True
    )
    """One dispute per order."""
    opened_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    reason: Mapped[DisputeReason] = mapped_column(enum_type(DisputeReason, "dispute_reason"))
    status: Mapped[DisputeStatus] = mapped_column(enum_type(DisputeStatus, "dispute_status"))
    outcome: Mapped[DisputeOutcome | None] = mapped_column(enum_type(DisputeOutcome, "dispute_outcome"))
    refund_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(CHAR(3))
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class DisputeMessage(Entity):
    """What one side said, with links to its evidence (photos, delivery notes). Never edited."""

    __tablename__ = "dispute_message"
    __table_args__ = {"schema": MARKETPLACE_SCHEMA}

    dispute_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.dispute.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    party: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    evidence_urls: Mapped[list[str]] = mapped_column(ARRAY(String(2000)))
