"""Wire formats of evaluation, award, allocation and savings. Money: minor units + currency."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from procurement.award.models import AwardStatus
from procurement.pool.schemas import Quantity

Justification = Annotated[str, msgspec.Meta(min_length=20, max_length=4000)]

EvaluationState = Literal["open", "queued", "running", "proposed", "confirmed", "unsuccessful", "cancelled"]


class Stage(msgspec.Struct, kw_only=True, frozen=True):
    stage: str
    seconds: float
    detail: str
    solver_seconds: float = 0.0
    """Of `seconds`, how long HiGHS took."""


class ScoreRead(msgspec.Struct, kw_only=True, frozen=True):
    """One row of a lot's score table."""

    bid_id: uuid.UUID
    organization_id: uuid.UUID
    supplier: str
    eligible: bool
    reasons: list[str]
    rank: int | None
    unit_price_minor: int
    currency: str
    tender_unit_price_minor: int | None
    evaluated_unit_price_minor: int | None
    preferred_for: list[str]
    max_quantity: Decimal
    lead_time_days: int


class WinnerRead(msgspec.Struct, kw_only=True, frozen=True):
    bid_id: uuid.UUID
    organization_id: uuid.UUID
    supplier: str
    quantity: Decimal
    unit_price_minor: int
    currency: str
    tender_unit_price_minor: int
    evaluated_unit_price_minor: int


class LotAwardRead(msgspec.Struct, kw_only=True, frozen=True):
    number: int
    name: str
    quantity: Decimal
    awarded: Decimal
    shortfall: Decimal
    winners: list[WinnerRead]
    """The final award once confirmed, the proposal before."""
    proposed: list[WinnerRead]
    scores: list[ScoreRead] | None
    """The score table (the hub's coordinators only)."""


class AwardRead(msgspec.Struct, kw_only=True, frozen=True):
    tender_id: uuid.UUID
    state: EvaluationState
    """open (bids not yet opened), queued or running (evaluation), proposed, confirmed, unsuccessful, cancelled."""
    currency: str
    status: AwardStatus | None = None
    outcome: str = ""
    optimal: bool | None = None
    """False: the solver's time limit stopped it and `gap` bounds how far the proposal may be from optimal."""
    gap: float | None = None
    integer_model: bool | None = None
    evaluated_cost_minor: int | None = None
    stages: list[Stage] = []
    lots: list[LotAwardRead] = []
    overridden: bool = False
    justification: str | None = None
    decided_at: dt.datetime | None = None


class OverrideLine(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    lot: Annotated[int, msgspec.Meta(ge=1, description="The lot's number")]
    organization_id: uuid.UUID
    """The bidder awarded."""
    quantity: Quantity


class AwardOverride(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """The coordinator's own award in place of the proposal: every line of it, and why (published)."""

    justification: Justification
    lines: Annotated[list[OverrideLine], msgspec.Meta(min_length=1, max_length=100_000)]


class AllocationRead(msgspec.Struct, kw_only=True, frozen=True):
    lot: int
    commitment_id: uuid.UUID
    buyer_organization_id: uuid.UUID
    supplier_organization_id: uuid.UUID
    quantity: Decimal
    unit_price_minor: int
    currency: str
    tender_unit_price_minor: int
    order_id: uuid.UUID


class CommitmentOutcome(msgspec.Struct, kw_only=True, frozen=True):
    commitment_id: uuid.UUID
    lot: int
    buyer_organization_id: uuid.UUID
    committed: Decimal
    allocated: Decimal
    shortfall: Decimal
    allocations: list[AllocationRead]


class BuyerSavings(msgspec.Struct, kw_only=True, frozen=True):
    buyer_organization_id: uuid.UUID | None
    """The buyer; null in a tender's total over all its buyers."""
    quantity: Decimal
    pooled_minor: int
    """What the buyer pays for the allocated units, in the tender currency."""
    compared_quantity: Decimal
    """The units whose supplier lists the same item (only these are compared)."""
    individual_minor: int
    """What those units would cost at the supplier's listed volume price for the buyer's own quantity."""
    pooled_compared_minor: int
    savings_minor: int
    savings_percent: Decimal | None


class SavingsRead(msgspec.Struct, kw_only=True, frozen=True):
    tender_id: uuid.UUID
    currency: str
    total: BuyerSavings
    """The whole tender (`buyer_organization_id` null), or the one buyer asked for (its id)."""
    buyers: list[BuyerSavings]
