"""Demand pools: a coordinator asks for one item; the hub's buyers commit quantities per delivery point."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import (
    CHAR,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Entity
from kernel.negotiation import pick_language
from procurement.db import SCHEMA, enum_type

QUANTITY = Numeric(18, 3)


class PoolStatus(enum.StrEnum):
    """`open` until the window closes; then `closed` (threshold met: a tender may follow) or `failed`."""

    open = "open"
    closed = "closed"
    failed = "failed"


class DemandPool(Entity):
    __tablename__ = "demand_pool"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="window_not_empty"),
        # ±infinity (what year 1 and 9999 become) reads back without a time zone and breaks every read.
        CheckConstraint("isfinite(opens_at) AND isfinite(closes_at)", name="window_finite"),
        CheckConstraint("reserve_unit_price_minor IS NULL OR reserve_unit_price_minor > 0", name="reserve_positive"),
        CheckConstraint("minimum_total_quantity IS NULL OR minimum_total_quantity > 0", name="minimum_positive"),
        {"schema": SCHEMA},
    )

    hub_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    """References marketplace.hub by id (no cross-package foreign key)."""
    status: Mapped[PoolStatus] = mapped_column(enum_type(PoolStatus, "pool_status"))
    classification_scheme: Mapped[str] = mapped_column(String(8))
    classification_code: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(3))
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(JSONB)
    """{"de": {"title": ..., "description": ...}, "pl": {...}}."""
    default_language: Mapped[str] = mapped_column(String(35))
    quality_notes: Mapped[str] = mapped_column(String(4000), default="")
    required_credential_types: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    currency: Mapped[str] = mapped_column(CHAR(3))
    reserve_unit_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    """The highest unit price the hub expects to pay (in `currency`), if it set one."""
    minimum_total_quantity: Mapped[Decimal | None] = mapped_column(QUANTITY)
    """Below this pooled quantity at close the pool fails."""
    opens_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid)

    def language_for(self, preferred: Sequence[str]) -> str:
        """The language to show the item in to someone preferring `preferred` (BCP 47, best first):
        the best matching translation, else the pool's first language (as checkout picks a listing's)."""
        return pick_language(list(self.translations), list(preferred), self.default_language)

    def title(self, language: str | None = None) -> str:
        """The item's title in `language` (one of the translations; default: the pool's first language)."""
        return self.translations[language or self.default_language]["title"]

    def accepts_commitments(self, now: dt.datetime) -> bool:
        return self.status is PoolStatus.open and self.opens_at <= now < self.closes_at


class DeliveryPoint(Entity):
    """A named place inside the hub's jurisdictions where pooled goods are delivered (one tender lot each)."""

    __tablename__ = "delivery_point"
    __table_args__ = (UniqueConstraint("pool_id", "name"), {"schema": SCHEMA})

    pool_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{SCHEMA}.demand_pool.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    jurisdiction: Mapped[str] = mapped_column(String(6))
    address: Mapped[str] = mapped_column(String(500), default="")


class Commitment(Entity):
    """A buyer's quantity at one delivery point; binding once the window closes, unless withdrawn before."""

    __tablename__ = "commitment"
    __table_args__ = (
        UniqueConstraint("pool_id", "organization_id", "delivery_point_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("max_unit_price_minor IS NULL OR max_unit_price_minor > 0", name="max_price_positive"),
        CheckConstraint("isfinite(needed_by)", name="needed_by_finite"),
        {"schema": SCHEMA},
    )

    pool_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{SCHEMA}.demand_pool.id"), index=True)
    delivery_point_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{SCHEMA}.delivery_point.id"))
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    needed_by: Mapped[dt.date] = mapped_column(Date)
    max_unit_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    committed_by: Mapped[uuid.UUID] = mapped_column(Uuid)

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
