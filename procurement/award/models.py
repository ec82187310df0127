"""Evaluation, award and allocation of a closed tender.

One `Award` per tender, written by the evaluation job: the score of every offer
(`OfferScore`), the optimiser's proposal (`AwardLine`, `final` false) and, once the
coordinator confirms or overrides it, the final award (`final` true) and what each buyer
receives from whom (`Allocation`, each with the order placed for it).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import CHAR, BigInteger, Boolean, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Entity
from procurement.db import SCHEMA, enum_type
from procurement.pool.models import QUANTITY

_TENDER = f"{SCHEMA}.tender.id"
_LOT = f"{SCHEMA}.lot.id"
_BID = f"{SCHEMA}.bid.id"


class AwardStatus(enum.StrEnum):
    """proposed (by the optimiser) → confirmed (as proposed, or overridden with a justification);
    unsuccessful when no bid was eligible for any lot."""

    proposed = "proposed"
    confirmed = "confirmed"
    unsuccessful = "unsuccessful"


class Award(Entity):
    __tablename__ = "award"
    __table_args__ = ({"schema": SCHEMA},)

    tender_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_TENDER), unique=True)
    status: Mapped[AwardStatus] = mapped_column(enum_type(AwardStatus, "award_status"))
    outcome: Mapped[str] = mapped_column(String(2000), default="")
    """Plain words: why a tender was unsuccessful, or what the solver could not prove."""
    optimal: Mapped[bool] = mapped_column(Boolean)
    """False: the solver's time limit stopped it; the proposal is its best and `gap` how far off at most."""
    gap: Mapped[float | None] = mapped_column(Float)
    integer_model: Mapped[bool] = mapped_column(Boolean)
    cost_minor: Mapped[int] = mapped_column(BigInteger)
    """Total evaluated cost of the proposal, in the tender currency."""
    stages: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    """[{"stage": "score", "seconds": 0.41, "detail": "..."}, ...]: what the evaluation did, how long each took."""
    overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    justification: Mapped[str | None] = mapped_column(String(4000))
    decided_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class OfferScore(Entity):
    """One bid's offer for one lot as evaluated: eligible or why not, its prices and its rank."""

    __tablename__ = "offer_score"
    __table_args__ = (UniqueConstraint("bid_id", "lot_id"), {"schema": SCHEMA})

    tender_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_TENDER), index=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_LOT))
    bid_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_BID))
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    eligible: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[str]] = mapped_column(ARRAY(String(500)))
    """Why the offer may not win (empty when eligible)."""
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(CHAR(3))
    tender_unit_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    evaluated_unit_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    """After the preference margin, in the tender currency: what the award minimises."""
    preferred_for: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    """The verified inclusion attributes that earned the margin."""
    max_quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    lead_time_days: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int | None] = mapped_column(Integer)
    """1 = best evaluated price in the lot among eligible offers (ties: earlier bid, shorter lead time)."""


class AwardLine(Entity):
    """Units of one lot awarded to one bid: proposed by the optimiser, or final."""

    __tablename__ = "award_line"
    __table_args__ = (UniqueConstraint("tender_id", "final", "lot_id", "bid_id"), {"schema": SCHEMA})

    tender_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_TENDER), index=True)
    final: Mapped[bool] = mapped_column(Boolean)
    lot_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_LOT))
    bid_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_BID))
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)


class Allocation(Entity):
    """Units of an awarded bid one buyer receives at one delivery point, and the order placed for them."""

    __tablename__ = "allocation"
    __table_args__ = ({"schema": SCHEMA},)

    tender_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_TENDER), index=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_LOT))
    commitment_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{SCHEMA}.commitment.id"))
    buyer_organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    bid_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_BID))
    supplier_organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(CHAR(3))
    """The supplier's bid currency: what the order is priced in."""
    tender_unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    pooled_total_minor: Mapped[int] = mapped_column(BigInteger)
    """What the buyer pays for these units, in the tender currency (at the deadline's rate)."""
    listed_total_minor: Mapped[int | None] = mapped_column(BigInteger)
    """What the same units cost at the supplier's listed volume price for this quantity at award
    time, in the tender currency (None: it lists no such item): the savings report's baseline."""
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid)
