"""Demand pools: a coordinator asks for one item; the hub's buyers commit quantities per delivery point."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

import msgspec
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


class _Window(Protocol):
    @property
    def status(self) -> PoolStatus: ...
    @property
    def opens_at(self) -> dt.datetime: ...
    @property
    def closes_at(self) -> dt.datetime: ...


class CommitmentWindow:
    """When a pool takes commitments, for the stored pool and for its row as a read fetches it
    (`PoolRow`): one rule for both."""

    __slots__ = ()

    def accepts_commitments(self: _Window, now: dt.datetime) -> bool:
        return self.status is PoolStatus.open and self.opens_at <= now < self.closes_at


class PooledItem(Protocol):
    """What a pool says of its item, as the stored pool and the rows of reads have it."""

    @property
    def classification_scheme(self) -> str: ...
    @property
    def classification_code(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def translations(self) -> dict[str, dict[str, str]]: ...
    @property
    def default_language(self) -> str: ...
    @property
    def quality_notes(self) -> str: ...


class ItemWording:
    """The pool's item in a reader's language, for the stored pool and for the rows of reads
    (`PoolRow`, a tender's `TenderPool`): one rule for all."""

    __slots__ = ()

    def language_for(self: PooledItem, preferred: Sequence[str]) -> str:
        """The language to show the item in to someone preferring `preferred` (BCP 47, best first):
        the best matching translation, else the pool's first language (as checkout picks a listing's)."""
        return pick_language(list(self.translations), list(preferred), self.default_language)

    def title(self: PooledItem, language: str | None = None) -> str:
        """The item's title in `language` (one of the translations; default: the pool's first language)."""
        return self.translations[language or self.default_language]["title"]


class DemandPool(Entity, CommitmentWindow, ItemWording):
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


class DeliveryPointRow(msgspec.Struct, frozen=True, kw_only=True):
    """A delivery point as one pool's read gets it (`PoolRow`), under `DeliveryPoint`'s own names."""

    id: uuid.UUID
    name: str
    jurisdiction: str
    address: str


class PoolRow(msgspec.Struct, CommitmentWindow, ItemWording, frozen=True, kw_only=True):
    """One pool as it is read (`PoolRepository.shown`): its columns under `DemandPool`'s own names,
    its delivery points, the active commitments' total per point, and whether the reader sees it."""

    id: uuid.UUID
    hub_id: uuid.UUID
    status: PoolStatus
    classification_scheme: str
    classification_code: str
    unit: str
    translations: dict[str, dict[str, str]]
    default_language: str
    quality_notes: str
    required_credential_types: list[str]
    currency: str
    reserve_unit_price_minor: int | None
    minimum_total_quantity: Decimal | None
    opens_at: dt.datetime
    closes_at: dt.datetime
    closed_at: dt.datetime | None
    created_at: dt.datetime
    delivery_points: list[DeliveryPointRow]
    """In their order (`position`)."""
    committed: dict[uuid.UUID, Decimal]
    """As `PoolRepository.committed_quantities` (points without any are absent)."""
    visible: bool
    """Whether the reader coordinates the pool's hub or belongs to an organisation admitted to it."""
