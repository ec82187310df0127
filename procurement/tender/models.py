"""Tenders: a closed pool's demand put out for sealed bids, one lot per delivery point, and the
bids they receive: sealed until the deadline, opened into lines after it.

Bids are stored here, with their tender, because a tender's own reads and notices need them
(how many bids it has, who bid); the `bid` domain, above this one, submits, seals and opens them."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any, Protocol

import msgspec
from sqlalchemy import (
    CHAR,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Entity
from procurement.db import SCHEMA, enum_type
from procurement.pool.models import QUANTITY, ItemWording


class TenderStatus(enum.StrEnum):
    """draft → published → closed (deadline) → evaluated (award proposed) → awarded; or cancelled
    (with a reason); or unsuccessful (no eligible bid)."""

    draft = "draft"
    published = "published"
    closed = "closed"
    evaluated = "evaluated"
    awarded = "awarded"
    cancelled = "cancelled"
    unsuccessful = "unsuccessful"


class AwardMethod(enum.StrEnum):
    """`lowest_evaluated_price`: suppliers with a preferred, hub-verified inclusion attribute are
    evaluated as if `preference_margin_percent` cheaper."""

    lowest_price = "lowest_price"
    lowest_evaluated_price = "lowest_evaluated_price"


class _Stage(Protocol):
    # Read-only, as a row's are.
    @property
    def status(self) -> TenderStatus: ...
    @property
    def bid_deadline(self) -> dt.datetime: ...
    @property
    def published_at(self) -> dt.datetime | None: ...
    @property
    def closed_at(self) -> dt.datetime | None: ...


class TenderStage:
    """Where a tender stands (taking bids, public, its bids opened), for the stored tender and for
    its row as one tender's read fetches it (`TenderRow`): one rule for both."""

    __slots__ = ()

    def accepts_bids(self: _Stage, now: dt.datetime) -> bool:
        return self.status is TenderStatus.published and now < self.bid_deadline

    def is_public(self: _Stage) -> bool:
        return self.status is not TenderStatus.draft and self.published_at is not None

    def bids_opened(self: _Stage) -> bool:
        return self.closed_at is not None


class Tender(Entity, TenderStage):
    __tablename__ = "tender"
    __table_args__ = (
        # A pool has at most one tender that is not cancelled.
        Index("uq_tender_live_pool", "pool_id", unique=True, postgresql_where=text("status <> 'cancelled'")),
        CheckConstraint(
            "max_share_percent IS NULL OR (max_share_percent > 0 AND max_share_percent <= 100)", name="share_range"
        ),
        CheckConstraint("min_award_quantity IS NULL OR min_award_quantity > 0", name="min_award_positive"),
        CheckConstraint("max_lots_per_supplier IS NULL OR max_lots_per_supplier > 0", name="max_lots_positive"),
        CheckConstraint("isfinite(bid_deadline)", name="bid_deadline_finite"),
        {"schema": SCHEMA},
    )

    pool_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{SCHEMA}.demand_pool.id"), index=True)
    hub_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    ocid: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[TenderStatus] = mapped_column(enum_type(TenderStatus, "tender_status"))
    description: Mapped[str] = mapped_column(String(10_000), default="")
    bid_deadline: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    award_method: Mapped[AwardMethod] = mapped_column(enum_type(AwardMethod, "award_method"))
    preference_margin_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    preferred_attributes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    required_credential_types: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    max_share_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    """The largest share of one lot's quantity a single supplier may win."""
    min_award_quantity: Mapped[Decimal | None] = mapped_column(QUANTITY)
    max_lots_per_supplier: Mapped[int | None] = mapped_column(Integer)
    amendment_count: Mapped[int] = mapped_column(Integer, default=0)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    cancellation_reason: Mapped[str | None] = mapped_column(String(2000))
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid)


class Lot(Entity):
    """One delivery point's pooled quantity of the pool's item."""

    __tablename__ = "lot"
    __table_args__ = ({"schema": SCHEMA},)

    tender_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{SCHEMA}.tender.id"), index=True)
    delivery_point_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{SCHEMA}.delivery_point.id"))
    number: Mapped[int] = mapped_column(Integer)
    """1, 2, ... in the pool's delivery-point order: the lot's public id within its tender."""
    name: Mapped[str] = mapped_column(String(200))
    jurisdiction: Mapped[str] = mapped_column(String(6))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)


class TenderAmendment(Entity):
    """A change to a published tender: what changed, why, and whether it moved the deadline."""

    __tablename__ = "tender_amendment"
    __table_args__ = ({"schema": SCHEMA},)

    tender_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{SCHEMA}.tender.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    rationale: Mapped[str] = mapped_column(String(2000))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    """[{"field": "bid_deadline", "from": ..., "to": ...}, ...]."""
    material: Mapped[bool]
    amended_by: Mapped[uuid.UUID] = mapped_column(Uuid)


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


class LotRow(msgspec.Struct, frozen=True, kw_only=True):
    """A lot as one tender's read gets it (`TenderRow`), under `Lot`'s own names."""

    id: uuid.UUID
    number: int
    name: str
    jurisdiction: str
    delivery_point_id: uuid.UUID
    quantity: Decimal


class AmendmentRow(msgspec.Struct, frozen=True, kw_only=True):
    """An amendment as one tender's read gets it (`TenderRow`), under `TenderAmendment`'s own names."""

    number: int
    created_at: dt.datetime
    rationale: str
    material: bool
    changes: list[dict[str, Any]]
    amended_by: uuid.UUID


class TenderPool(msgspec.Struct, ItemWording, frozen=True, kw_only=True):
    """What one tender's read shows of its pool (`TenderRow`), under `DemandPool`'s own names."""

    id: uuid.UUID
    classification_scheme: str
    classification_code: str
    unit: str
    translations: dict[str, dict[str, str]]
    default_language: str
    quality_notes: str
    currency: str
    reserve_unit_price_minor: int | None


class TenderRow(msgspec.Struct, TenderStage, frozen=True, kw_only=True):
    """One tender as it is read (`TenderRepository.shown`): its columns under `Tender`'s own names,
    its pool's part of the read, its lots and amendments, how many bids stand, and the reader's
    standing in its hub."""

    id: uuid.UUID
    ocid: str
    pool_id: uuid.UUID
    hub_id: uuid.UUID
    status: TenderStatus
    description: str
    bid_deadline: dt.datetime
    award_method: AwardMethod
    preference_margin_percent: Decimal | None
    preferred_attributes: list[str]
    required_credential_types: list[str]
    max_share_percent: Decimal | None
    min_award_quantity: Decimal | None
    max_lots_per_supplier: int | None
    published_at: dt.datetime | None
    closed_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancellation_reason: str | None
    pool: TenderPool
    lots: list[LotRow]
    """By number."""
    amendments: list[AmendmentRow]
    """By number."""
    submitted_bids: int
    """Counted whether or not the bids are opened: the read tells it only once they are."""
    hub_exists: bool
    coordinates: bool
    """Whether the reader coordinates the tender's hub (False for a reader signed in as nobody)."""
