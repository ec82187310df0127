"""A closed tender as its evaluation and award see it, and the pure steps over it: scoring the
offers, the award model, checking an override against the tender's terms, allocating an award
to the buyers. No I/O: the service loads a `Tendered` and writes what these return."""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kernel.errors import FieldError, InvalidInput
from kernel.money import from_minor, money, to_minor
from marketplace.api import TradingParty, unit_of
from procurement.award.allocation import Claim, Supply, allocate
from procurement.award.models import OfferScore
from procurement.award.optimise import Offer, Problem, Solution, binding_terms, optimise, unfillable
from procurement.award.schemas import AwardOverride
from procurement.pool.models import Commitment, DeliveryPoint, DemandPool
from procurement.quantities import quantity as checked_quantity
from procurement.tender.models import AwardMethod, Bid, BidLine, Lot, Tender

#: Zero as quantities are stored and shown (three decimals).
NO_UNITS = Decimal("0.000")
#: Units an award line may lose to the rounding of a fractional solution without being refused.
_DUST = Decimal("0.01")


@dataclass
class Tendered:
    """A closed tender with everything its evaluation and award read."""

    tender: Tender
    pool: DemandPool
    lots: list[Lot]
    points: dict[uuid.UUID, DeliveryPoint]
    bids: dict[uuid.UUID, Bid]
    lines: list[BidLine]
    parties: dict[uuid.UUID, TradingParty]
    commitments: list[Commitment]
    """Active ones, in commitment order."""

    @functools.cached_property
    def _lots_by_id(self) -> dict[uuid.UUID, Lot]:
        return {lot.id: lot for lot in self.lots}

    def lot(self, lot_id: uuid.UUID) -> Lot:
        return self._lots_by_id[lot_id]


# --- evaluation, pure ----------------------------------------------------------------------


def score_offers(tendered: Tendered) -> list[dict[str, Any]]:
    """Every offer's OfferScore row: eligibility at the deadline, evaluated price, rank in its lot."""
    tender = tendered.tender
    numbers = {lot.id: lot.number for lot in tendered.lots}
    margin = Decimal(0)
    if tender.award_method is AwardMethod.lowest_evaluated_price and tender.preference_margin_percent:
        margin = tender.preference_margin_percent / 100
    rows: list[dict[str, Any]] = []
    for line in tendered.lines:
        bid = tendered.bids[line.bid_id]
        reasons = [
            problem["message"]
            for problem in bid.ineligibility or []
            if problem["lot"] is None or problem["lot"] == numbers[line.lot_id]
        ]
        if line.tender_unit_price_minor is None and not reasons:
            reasons.append(f"no exchange rate from {line.currency} at the deadline")
        party = tendered.parties.get(bid.organization_id)
        preferred = sorted(set(party.verified_inclusion if party else []) & set(tender.preferred_attributes))
        evaluated = None
        if line.tender_unit_price_minor is not None:
            factor = 1 - margin if preferred else Decimal(1)
            # Money's one rounding rule (half-up), not Decimal's default half-even.
            price = from_minor(line.tender_unit_price_minor, tendered.pool.currency)
            evaluated = to_minor(price * factor, tendered.pool.currency)
        rows.append(
            {
                "tender_id": tender.id,
                "lot_id": line.lot_id,
                "bid_id": bid.id,
                "organization_id": bid.organization_id,
                "eligible": not reasons,
                "reasons": reasons,
                "unit_price_minor": line.unit_price_minor,
                "currency": line.currency,
                "tender_unit_price_minor": line.tender_unit_price_minor,
                "evaluated_unit_price_minor": evaluated,
                "preferred_for": preferred if margin else [],
                "max_quantity": line.max_quantity,
                "lead_time_days": line.lead_time_days,
                "rank": None,
                "_order": (bid.submitted_at, line.lead_time_days, bid.id),
            }
        )
    by_lot: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["eligible"]:
            by_lot[row["lot_id"]].append(row)
    for lot_rows in by_lot.values():
        for rank, row in enumerate(sorted(lot_rows, key=lambda r: (r["evaluated_unit_price_minor"], r["_order"])), 1):
            row["rank"] = rank
    return rows


Segment = tuple[uuid.UUID, float | None]
"""A lot and a maximum unit price (None: any): the buyers of the lot who stated that maximum."""


def _segments(tendered: Tendered) -> tuple[dict[Hashable, dict[float, float]], dict[Segment, list[Commitment]]]:
    """The price limits of each lot as the optimiser takes them (cap -> units), and each
    segment's commitments (in commitment order)."""
    lot_of_point = {lot.delivery_point_id: lot.id for lot in tendered.lots}
    limits: dict[Hashable, dict[float, float]] = defaultdict(lambda: defaultdict(float))
    claims: dict[Segment, list[Commitment]] = defaultdict(list)
    for commitment in tendered.commitments:
        lot_id = lot_of_point.get(commitment.delivery_point_id)
        if lot_id is None:
            continue
        cap = None if commitment.max_unit_price_minor is None else float(commitment.max_unit_price_minor)
        claims[(lot_id, cap)].append(commitment)
        if cap is not None:
            limits[lot_id][cap] += float(commitment.quantity)
    return {lot: dict(caps) for lot, caps in limits.items()}, claims


def award_problem(tendered: Tendered, eligible: list[dict[str, Any]], time_limit: float) -> Problem:
    tender = tendered.tender
    limits, _ = _segments(tendered)
    # Ties: the earlier bid, then the shorter lead time (the same order across all lots).
    order = sorted(eligible, key=lambda row: row["_order"])
    unit = unit_of(tendered.pool.unit)
    return Problem(
        demand={lot.id: float(lot.quantity) for lot in tendered.lots},
        offers=[
            Offer(
                bid=row["bid_id"],
                lot=row["lot_id"],
                price=float(row["evaluated_unit_price_minor"]),
                unit_price=float(row["tender_unit_price_minor"]),
                capacity=float(row["max_quantity"]),
                rank=rank,
            )
            for rank, row in enumerate(order)
        ],
        price_limits=limits,
        bid_capacity={
            bid.id: float(bid.total_capacity) for bid in tendered.bids.values() if bid.total_capacity is not None
        },
        max_share=None if tender.max_share_percent is None else float(tender.max_share_percent) / 100,
        min_award=None if tender.min_award_quantity is None else float(tender.min_award_quantity),
        max_lots_per_bid=tender.max_lots_per_supplier,
        integral=unit is not None and unit.discrete,
        time_limit=time_limit,
    )


def award_outcome(tendered: Tendered, problem: Problem, solution: Solution) -> str:
    """What the coordinator is told about a proposal: whether it is proven optimal and, for units
    left short, why — no eligible offer could take them, or the tender's terms (and the bids' own
    total capacities) allow no fuller award, naming the terms that do it."""
    parts = []
    if not solution.optimal:
        parts.append(f"Not proven optimal — {solution.describe()}. Review it, or override.")
    if not solution.shortfall:
        return " ".join(parts)
    unit = tendered.pool.unit
    numbers: dict[Hashable, int] = {lot.id: lot.number for lot in tendered.lots}
    unfilled = unfillable(problem)
    if unfilled is None:  # the time limit: why is not known
        return " ".join([*parts, _why_not_found(solution, numbers, unit)])
    no_offer: dict[int, Decimal] = {}
    by_terms: dict[int, Decimal] = {}
    for lot_id, units in solution.shortfall.items():
        short = stored_units(units)
        missing = min(stored_units(unfilled.get(lot_id, 0.0)), short)
        if missing:
            no_offer[numbers[lot_id]] = missing
        if short > missing:
            by_terms[numbers[lot_id]] = short - missing
    if no_offer:
        parts.append(
            f"No eligible offer could take {_units(no_offer, unit)}: the eligible offers bid for fewer units, "
            "or only above what the buyers there will pay."
        )
    if by_terms and not solution.least_shortfall:
        parts.append(
            f"{_units(by_terms, unit)} are left short in the best award found before the time limit although "
            "eligible offers bid for them; an award within the tender's terms might leave fewer short."
        )
    elif by_terms:
        set_terms = _terms(tendered, unit)
        binding = binding_terms(problem, float(sum(solution.shortfall.values())))
        if binding is None:
            return " ".join([*parts, _why_not_found(solution, numbers, unit)])
        # The terms that each leave units short; else those that only do it together. (None at
        # all only when rounding to thousandths leaves a thousandth between the two solves.)
        named = [set_terms[term] for term in binding] or list(set_terms.values()) or ["what the bids offer"]
        if len(named) == 1:
            allow, them = "allows", "it"
        else:
            allow, them = "allow" if binding else "together allow", "them"
        parts.append(
            f"{_units(by_terms, unit)} are left short although eligible offers bid for them: "
            f"{_listed(named)} {allow} no fuller award, and an override must keep {them} too."
        )
    return " ".join(parts)


def _why_not_found(solution: Solution, numbers: dict[Hashable, int], unit: str) -> str:
    shortfall = {numbers[lot]: stored_units(units) for lot, units in solution.shortfall.items()}
    return f"{_units(shortfall, unit)} are left short; why was not found within the time limit."


def _terms(tendered: Tendered, unit: str) -> dict[str, str]:
    """The terms tying offers together that this tender set (keyed as `optimise.TERMS`), in words."""
    tender = tendered.tender
    terms = {}
    if tender.min_award_quantity is not None:
        terms["min_award"] = f"the minimum award of {plain(tender.min_award_quantity)} {unit}"
    if tender.max_share_percent is not None:
        terms["max_share"] = f"the maximum share of {plain(tender.max_share_percent)} % of a lot per supplier"
    if tender.max_lots_per_supplier is not None:
        lots = "lot" if tender.max_lots_per_supplier == 1 else "lots"
        terms["max_lots_per_bid"] = f"the limit of {tender.max_lots_per_supplier} {lots} per supplier"
    if any(bid.total_capacity is not None for bid in tendered.bids.values()):
        terms["bid_capacity"] = "the total capacities the bids stated"
    return terms


def _units(by_lot: dict[int, Decimal], unit: str) -> str:
    """Units and the lots they are in, e.g. `25 KGM (lots 1 and 3)`."""
    numbers = [str(number) for number in sorted(by_lot)]
    lots = f"lot {numbers[0]}" if len(numbers) == 1 else f"lots {_listed(numbers)}"
    return f"{plain(sum(by_lot.values(), NO_UNITS))} {unit} ({lots})"


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def checked_override(
    tendered: Tendered, scores: dict[tuple[uuid.UUID, uuid.UUID], OfferScore], data: AwardOverride
) -> list[tuple[uuid.UUID, uuid.UUID, Decimal]]:
    tender = tendered.tender
    lots = {lot.number: lot for lot in tendered.lots}
    errors: list[FieldError] = []
    lines: list[tuple[uuid.UUID, uuid.UUID, Decimal]] = []
    seen: set[tuple[int, uuid.UUID]] = set()
    per_lot: dict[int, Decimal] = defaultdict(Decimal)
    per_bid: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    lots_won: dict[uuid.UUID, int] = defaultdict(int)
    bid_of = {bid.organization_id: bid.id for bid in tendered.bids.values()}
    for index, line in enumerate(data.lines):
        field = f"$.lines[{index}]"

        def refuse(message: str, at: str = "", field: str = field) -> None:
            errors.append(FieldError(field=field + at, message=message))

        lot = lots.get(line.lot)
        if lot is None:
            refuse(f"the tender has no lot {line.lot}", ".lot")
            continue
        bid_id = bid_of.get(line.organization_id)
        score = None if bid_id is None else scores.get((bid_id, lot.id))
        if bid_id is None or score is None:
            refuse(f"this organization did not bid for lot {line.lot}", ".organization_id")
            continue
        if not score.eligible:
            refuse("its offer is not eligible: " + "; ".join(score.reasons), ".organization_id")
            continue
        if (line.lot, bid_id) in seen:
            refuse("the same offer twice; award its whole quantity on one line")
            continue
        seen.add((line.lot, bid_id))
        try:
            quantity = checked_quantity(line.quantity, tendered.pool.unit, f"lines[{index}].quantity")
        except InvalidInput as error:
            errors.extend(error.errors)
            continue
        if quantity > score.max_quantity:
            refuse(f"the bid offers at most {plain(score.max_quantity)} for this lot", ".quantity")
        if tender.max_share_percent is not None and quantity > lot.quantity * tender.max_share_percent / 100:
            refuse(f"above the tender's maximum share of {plain(tender.max_share_percent)}% of the lot", ".quantity")
        if tender.min_award_quantity is not None and quantity < tender.min_award_quantity:
            refuse(f"below the tender's minimum award of {plain(tender.min_award_quantity)}", ".quantity")
        per_lot[line.lot] += quantity
        per_bid[bid_id] += quantity
        lots_won[bid_id] += 1
        lines.append((lot.id, bid_id, quantity))
    errors.extend(_total_errors(tendered, per_lot, per_bid, lots_won))
    if errors:
        raise InvalidInput("the override breaks the tender's terms; nothing was awarded", errors=errors)
    return lines


def _total_errors(
    tendered: Tendered,
    per_lot: dict[int, Decimal],
    per_bid: dict[uuid.UUID, Decimal],
    lots_won: dict[uuid.UUID, int],
) -> list[FieldError]:
    """An override's totals against the lots' quantities, the bids' capacities and the lot limit."""
    tender = tendered.tender
    lots = {lot.number: lot for lot in tendered.lots}
    errors: list[FieldError] = []
    for number, total in per_lot.items():
        if total > lots[number].quantity:
            errors.append(
                FieldError(
                    field="$.lines",
                    message=f"lot {number} is awarded {plain(total)} but needs only {plain(lots[number].quantity)}",
                )
            )
    for bid_id, total in per_bid.items():
        capacity = tendered.bids[bid_id].total_capacity
        if capacity is not None and total > capacity:
            errors.append(
                FieldError(
                    field="$.lines",
                    message=f"{tendered.bids[bid_id].organization_id} is awarded {plain(total)}, "
                    "above its bid's total capacity",
                )
            )
        if tender.max_lots_per_supplier is not None and lots_won[bid_id] > tender.max_lots_per_supplier:
            errors.append(
                FieldError(
                    field="$.lines",
                    message=f"{tendered.bids[bid_id].organization_id} wins {lots_won[bid_id]} lots; the tender allows "
                    f"{tender.max_lots_per_supplier} per supplier",
                )
            )
    return errors


def allocate_award(
    tendered: Tendered,
    lines: list[tuple[uuid.UUID, uuid.UUID, Decimal]],
    bid_lines: dict[tuple[uuid.UUID, uuid.UUID], BidLine],
    ranks: dict[tuple[uuid.UUID, uuid.UUID], int],
) -> tuple[list[tuple[Commitment, BidLine, Decimal]], Solution]:
    """Who of the buyers receives which awarded units (see `allocation.py`).

    Which units may go to buyers with a maximum price is decided by the optimiser run over
    the award alone (each line's quantity its capacity, the price paid its cost): the
    cheapest assignment that honours every maximum price. Units no buyer would pay for are
    refused (`InvalidInput`) — an override cannot push goods on buyers above their price —
    beyond `_DUST`, the thousandths a fractional solution may lose to rounding (what is
    allocated is what becomes the final award).

    `ranks` are the offers' ranks in the evaluation, by (bid, lot): at equal prices paid, the
    offer ranked first is allocated first (the preference margin can rank a later bid first).
    """
    limits, claims = _segments(tendered)
    # Zero-based, as the optimiser takes ranks (0: ranked first).
    rank_of: dict[tuple[Hashable, Hashable], int] = {key: rank - 1 for key, rank in ranks.items()}
    paid: dict[tuple[Hashable, Hashable], int] = {
        (bid_id, lot_id): bid_lines[(bid_id, lot_id)].tender_unit_price_minor or 0 for lot_id, bid_id, _ in lines
    }
    solution = optimise(
        Problem(
            demand={lot.id: float(lot.quantity) for lot in tendered.lots},
            offers=[
                Offer(
                    bid=bid_id,
                    lot=lot_id,
                    price=float(paid[(bid_id, lot_id)]),
                    capacity=float(q),
                    rank=rank_of[(bid_id, lot_id)],
                )
                for lot_id, bid_id, q in lines
            ],
            price_limits=limits,
        )
    )
    for lot_id, bid_id, quantity in lines:
        placed = stored_units(solution.awards.get((bid_id, lot_id), 0.0))
        if placed < quantity - _DUST:
            raise InvalidInput.field(
                "lines",
                f"lot {tendered.lot(lot_id).number}: only {plain(placed)} of the {plain(quantity)} units awarded to "
                f"bid {bid_id} can go to a buyer; its buyers' maximum unit prices are below its price",
            )
    supplies: dict[tuple[Hashable, float | None], list[Supply]] = defaultdict(list)
    for (bid, lot, cap), units in solution.flows.items():
        supplies[(lot, cap)].append(
            Supply(bid=bid, units=stored_units(units), price=paid[(bid, lot)], rank=rank_of[(bid, lot)])
        )
    shares: list[tuple[Commitment, BidLine, Decimal]] = []
    commitments = {c.id: c for c in tendered.commitments}
    for (lot_id, cap), segment in sorted(
        claims.items(), key=lambda item: (str(item[0][0]), item[0][1] is None, item[0][1] or 0)
    ):
        for share in allocate([Claim(c.id, c.quantity) for c in segment], supplies.get((lot_id, cap), [])):
            assert isinstance(share.bid, uuid.UUID)  # noqa: S101 - bids are keyed by id
            shares.append((commitments[share.commitment_id], bid_lines[(share.bid, lot_id)], share.quantity))
    return shares, solution


def total_minor(unit_price_minor: int, quantity: Decimal, currency: str) -> int:
    return money(from_minor(unit_price_minor, currency) * quantity, currency).amount_minor


def stored_units(units: float) -> Decimal:
    """A solver quantity as stored (three decimals)."""
    return Decimal(f"{units:.3f}")


def plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
