"""Read models of evaluation, award, allocation and savings, built from stored rows (pure)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar

from marketplace.api import TradingParty
from procurement.award.models import Allocation, AwardLine, OfferScore
from procurement.award.schemas import (
    AllocationRead,
    BuyerSavings,
    CommitmentOutcome,
    ScoreRead,
    WinnerRead,
)
from procurement.award.tendered import NO_UNITS
from procurement.pool.models import Commitment

R = TypeVar("R", AwardLine, OfferScore)


def by_lot(rows: Sequence[R]) -> dict[uuid.UUID, list[R]]:
    grouped: dict[uuid.UUID, list[R]] = defaultdict(list)
    for row in rows:
        grouped[row.lot_id].append(row)
    return grouped


def winner_read(
    line: AwardLine, by_offer: dict[tuple[uuid.UUID, uuid.UUID], OfferScore], parties: dict[uuid.UUID, TradingParty]
) -> WinnerRead:
    score = by_offer[(line.bid_id, line.lot_id)]
    party = parties.get(line.organization_id)
    return WinnerRead(
        bid_id=line.bid_id,
        organization_id=line.organization_id,
        supplier=party.name if party else "",
        quantity=line.quantity,
        unit_price_minor=score.unit_price_minor,
        currency=score.currency,
        tender_unit_price_minor=score.tender_unit_price_minor or 0,
        evaluated_unit_price_minor=score.evaluated_unit_price_minor or 0,
    )


def score_table(scores: list[OfferScore], parties: dict[uuid.UUID, TradingParty]) -> list[ScoreRead]:
    ordered = sorted(scores, key=lambda s: (s.rank is None, s.rank or 0, str(s.bid_id)))
    return [
        ScoreRead(
            bid_id=s.bid_id,
            organization_id=s.organization_id,
            supplier=parties[s.organization_id].name if s.organization_id in parties else "",
            eligible=s.eligible,
            reasons=list(s.reasons),
            rank=s.rank,
            unit_price_minor=s.unit_price_minor,
            currency=s.currency,
            tender_unit_price_minor=s.tender_unit_price_minor,
            evaluated_unit_price_minor=s.evaluated_unit_price_minor,
            preferred_for=list(s.preferred_for),
            max_quantity=s.max_quantity,
            lead_time_days=s.lead_time_days,
        )
        for s in ordered
    ]


def allocation_read(allocation: Allocation, numbers: dict[uuid.UUID, int]) -> AllocationRead:
    return AllocationRead(
        lot=numbers[allocation.lot_id],
        commitment_id=allocation.commitment_id,
        buyer_organization_id=allocation.buyer_organization_id,
        supplier_organization_id=allocation.supplier_organization_id,
        quantity=allocation.quantity,
        unit_price_minor=allocation.unit_price_minor,
        currency=allocation.currency,
        tender_unit_price_minor=allocation.tender_unit_price_minor,
        order_id=allocation.order_id,
    )


def outcome_read(
    commitment: Commitment, lot: int, allocations: list[Allocation], numbers: dict[uuid.UUID, int]
) -> CommitmentOutcome:
    allocated = sum((a.quantity for a in allocations), NO_UNITS)
    return CommitmentOutcome(
        commitment_id=commitment.id,
        lot=lot,
        buyer_organization_id=commitment.organization_id,
        committed=commitment.quantity,
        allocated=allocated,
        shortfall=commitment.quantity - allocated,
        allocations=[allocation_read(a, numbers) for a in allocations],
    )


def savings_read(organization_id: uuid.UUID | None, allocations: list[Allocation]) -> BuyerSavings:
    compared = [a for a in allocations if a.listed_total_minor is not None]
    individual = sum(a.listed_total_minor or 0 for a in compared)
    pooled_compared = sum(a.pooled_total_minor for a in compared)
    saved = individual - pooled_compared
    return BuyerSavings(
        buyer_organization_id=organization_id,
        quantity=sum((a.quantity for a in allocations), NO_UNITS),
        pooled_minor=sum(a.pooled_total_minor for a in allocations),
        compared_quantity=sum((a.quantity for a in compared), NO_UNITS),
        individual_minor=individual,
        pooled_compared_minor=pooled_compared,
        savings_minor=saved,
        savings_percent=(Decimal(saved * 100) / individual).quantize(Decimal("0.01")) if individual else None,
    )
