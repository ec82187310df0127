"""Award use cases: evaluate a closed tender (the job), read the proposal, confirm or override it,
allocate the award back to the buyers, place their orders and publish it all.

Evaluation (`evaluate`) scores every opened offer — eligible at the deadline or why not,
its price in the tender currency, its evaluated price after the preference margin, its rank
in the lot — and asks the optimiser (`optimise.py`) for the least-cost award. A coordinator
then confirms the proposal or overrides it with a written justification; either way the
award is allocated to the buyers (`allocation.py`), each (buyer, supplier, delivery point)
becomes an order through marketplace, and one OCDS release (`award` + `contract`) publishes it.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.api import (
    AwardedOrder,
    Role,
    TradingParty,
    is_hub_coordinator,
    listed_tiers,
    place_awarded_orders,
    require_hub_coordinator,
    require_org_role,
    trading_parties,
    unit_of,
)
from marketplace.kernel import audit
from marketplace.kernel.auth import Principal
from marketplace.kernel.bulk import copy_rows
from marketplace.kernel.errors import Conflict, FieldError, InvalidInput, NotFound
from marketplace.kernel.fx import find_rate
from marketplace.kernel.money import from_minor, money
from marketplace.kernel.outbox import emit
from procurement.award.allocation import Claim, Supply, allocate
from procurement.award.models import Allocation, Award, AwardLine, AwardStatus, OfferScore
from procurement.award.optimise import Offer, Problem, Solution, optimise
from procurement.award.repository import AwardRepository
from procurement.award.schemas import (
    AllocationRead,
    AwardOverride,
    AwardRead,
    BuyerSavings,
    CommitmentOutcome,
    EvaluationState,
    LotAwardRead,
    SavingsRead,
    ScoreRead,
    Stage,
    WinnerRead,
)
from procurement.bid.models import Bid, BidLine
from procurement.bid.repository import BidRepository
from procurement.bid.service import TenderNotFound
from procurement.clock import now
from procurement.events import AwardProposed, TenderAwarded, TenderUnsuccessful
from procurement.ocds import service as ocds
from procurement.pool.models import Commitment, DeliveryPoint, DemandPool
from procurement.pool.repository import PoolRepository
from procurement.quantities import quantity as checked_quantity
from procurement.tender.models import AwardMethod, Lot, Tender, TenderStatus
from procurement.tender.repository import TenderRepository

R = TypeVar("R", AwardLine, OfferScore)

#: Zero as quantities are stored and shown (three decimals).
_NO_UNITS = Decimal("0.000")


class EvaluationNotPossible(Conflict):
    slug = "evaluation-not-possible"


class AwardAlreadyDecided(Conflict):
    slug = "award-already-decided"


class NothingToAward(Conflict):
    slug = "nothing-to-award"


@dataclass
class _Tendered:
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


class AwardService:
    def __init__(self, session: AsyncSession, *, time_limit: float = 10.0, stripe_enabled: bool = False) -> None:
        self.session = session
        self.repo = AwardRepository(session)
        self.tenders = TenderRepository(session)
        self.pools = PoolRepository(session)
        self.bids = BidRepository(session)
        self.time_limit = time_limit
        self.stripe_enabled = stripe_enabled

    # --- evaluation ---------------------------------------------------------------------

    async def evaluate(self, tender_id: uuid.UUID) -> bool:
        """Evaluate a closed tender and propose its award (the job run when bids are opened).

        Idempotent: does nothing (returns False) unless the tender is closed and not yet
        evaluated. With no eligible offer at all the tender becomes unsuccessful, and its buyers
        and bidders are told (`TenderUnsuccessful`).
        """
        await self.repo.hold_evaluation_lock(tender_id)
        tender = await self.tenders.get(tender_id, lock="update")
        if tender is None or tender.status is not TenderStatus.closed:
            return False
        if await self.repo.of_tender(tender_id) is not None:
            return False
        tendered = await self._tendered(tender)
        started = time.perf_counter()
        scores = _score(tendered)
        await copy_rows(self.session, OfferScore, scores)
        eligible = [s for s in scores if s["eligible"]]
        stages = [
            _stage("score", started, f"{len(scores)} offers from {len(tendered.bids)} bids; {len(eligible)} eligible")
        ]
        if not eligible:
            await self._unsuccessful(tendered, scores, stages)
            return True

        started = time.perf_counter()
        solution = optimise(_problem(tendered, eligible, self.time_limit))
        stages.append(_stage("optimise", started, solution.describe(), solution))
        started = time.perf_counter()
        by_offer = {(s["bid_id"], s["lot_id"]): s for s in eligible}
        await copy_rows(
            self.session,
            AwardLine,
            [
                {
                    "tender_id": tender.id,
                    "final": False,
                    "lot_id": lot_id,
                    "bid_id": bid_id,
                    "organization_id": by_offer[(bid_id, lot_id)]["organization_id"],
                    "quantity": _decimal(units),
                }
                for (bid_id, lot_id), units in sorted(solution.awards.items(), key=str)
            ],
        )
        stages.append(_stage("record", started, f"{len(solution.awards)} award lines proposed"))
        shortfall = sum((_decimal(units) for units in solution.shortfall.values()), _NO_UNITS)
        await self.repo.add(
            Award(
                tender_id=tender.id,
                status=AwardStatus.proposed,
                outcome=_outcome(solution, shortfall, tendered.pool.unit),
                optimal=solution.optimal,
                gap=solution.gap,
                integer_model=solution.integer_model,
                cost_minor=round(solution.cost),
                stages=stages,
            )
        )
        tender.status = TenderStatus.evaluated
        await emit(
            self.session,
            AwardProposed(
                tender_id=tender.id, hub_id=tender.hub_id, optimal=solution.optimal, shortfall=str(shortfall)
            ),
        )
        return True

    async def evaluate_now(self, principal: Principal, tender_id: uuid.UUID) -> AwardRead:
        """A coordinator runs the evaluation at once (the job does it too). Raises
        `EvaluationNotPossible` (409) before the deadline and once evaluated."""
        # The evaluation lock before the tender's row lock, in the job's order, so the two cannot deadlock.
        await self.repo.hold_evaluation_lock(tender_id)
        tender = await self._coordinated(principal, tender_id)
        if tender.status in (TenderStatus.draft, TenderStatus.published):
            raise EvaluationNotPossible(
                f"the tender is {tender.status.value}: bids are opened and evaluated only after its deadline "
                f"({tender.bid_deadline.isoformat()})"
            )
        if tender.status is not TenderStatus.closed:
            raise EvaluationNotPossible(f"the tender is already {tender.status.value}")
        await self.evaluate(tender.id)
        return await self.read(principal, tender.id)

    async def _unsuccessful(
        self, tendered: _Tendered, scores: list[dict[str, Any]], stages: list[dict[str, Any]]
    ) -> None:
        tender = tendered.tender
        reason = (
            "No bid was received."
            if not tendered.bids
            else "No bid was eligible for any lot: " + "; ".join(sorted({r for s in scores for r in s["reasons"]}))
        )
        await self.repo.add(
            Award(
                tender_id=tender.id,
                status=AwardStatus.unsuccessful,
                outcome=reason[:2000],
                optimal=True,
                gap=None,
                integer_model=False,
                cost_minor=0,
                stages=stages,
            )
        )
        tender.status = TenderStatus.unsuccessful
        await self.session.flush()
        await ocds.publish(self.session, tender, ["tenderUpdate"])
        await emit(
            self.session,
            TenderUnsuccessful(
                tender_id=tender.id,
                hub_id=tender.hub_id,
                reason=reason,
                buyer_ids=sorted({c.organization_id for c in tendered.commitments}),
                bidder_ids=sorted({b.organization_id for b in tendered.bids.values()}),
            ),
        )

    # --- reading ------------------------------------------------------------------------

    async def read(self, principal: Principal, tender_id: uuid.UUID) -> AwardRead:
        """The evaluation's state and the award: everything, score tables included, to the hub's
        coordinators; to anyone else only the state and, once confirmed, the winners."""
        tender = await self._public(tender_id)
        coordinator = await is_hub_coordinator(self.session, principal, tender.hub_id)
        pool = await self.pools.of_tender(tender.pool_id)
        award = await self.repo.of_tender(tender.id)
        state = await self._state(tender, award)
        if award is None or (not coordinator and award.status is not AwardStatus.confirmed):
            return AwardRead(tender_id=tender.id, state=state, currency=pool.currency)
        scores = await self.repo.scores(tender.id)
        parties = {
            p.organization_id: p
            for p in await trading_parties(self.session, tender.hub_id, sorted({s.organization_id for s in scores}))
        }
        by_offer = {(s.bid_id, s.lot_id): s for s in scores}
        proposed = _by_lot(await self.repo.lines(tender.id, final=False))
        final = _by_lot(await self.repo.lines(tender.id, final=True))
        scores_of = _by_lot(scores)
        lots = []
        for lot in await self.tenders.lots(tender.id):
            winners = [_winner(line, by_offer, parties) for line in (final or proposed).get(lot.id, [])]
            awarded = sum((w.quantity for w in winners), _NO_UNITS)
            lots.append(
                LotAwardRead(
                    number=lot.number,
                    name=lot.name,
                    quantity=lot.quantity,
                    awarded=awarded,
                    shortfall=lot.quantity - awarded,
                    winners=winners,
                    proposed=[_winner(line, by_offer, parties) for line in proposed.get(lot.id, [])]
                    if coordinator
                    else [],
                    scores=_score_table(scores_of.get(lot.id, []), parties) if coordinator else None,
                )
            )
        return AwardRead(
            tender_id=tender.id,
            state=state,
            currency=pool.currency,
            status=award.status,
            outcome=award.outcome,
            optimal=award.optimal,
            gap=award.gap,
            integer_model=award.integer_model,
            evaluated_cost_minor=award.cost_minor,
            stages=[Stage(**stage) for stage in award.stages] if coordinator else [],
            lots=lots,
            overridden=award.overridden,
            justification=award.justification,
            decided_at=award.decided_at,
        )

    async def _state(self, tender: Tender, award: Award | None) -> EvaluationState:
        if award is not None:
            return award.status.value
        if tender.status is TenderStatus.cancelled:
            return "cancelled"
        if not tender.bids_opened():
            return "open"
        return "running" if await self.repo.evaluation_running(tender.id) else "queued"

    async def outcomes(
        self, principal: Principal, tender_id: uuid.UUID, organization_id: uuid.UUID | None
    ) -> list[CommitmentOutcome]:
        """What each commitment received, from whom, by which order, and its shortfall: one buyer's
        own (`organization_id`, its members) or every buyer's (the hub's coordinators). Empty
        until the award is confirmed."""
        tender = await self._public(tender_id)
        if organization_id is None:
            await require_hub_coordinator(self.session, principal, tender.hub_id)
        else:
            await require_org_role(self.session, principal, organization_id, Role.member)
        award = await self.repo.of_tender(tender.id)
        if award is None or award.status is not AwardStatus.confirmed:
            return []
        lots = await self.tenders.lots(tender.id)
        numbers = {lot.id: lot.number for lot in lots}
        lot_of_point = {lot.delivery_point_id: lot.id for lot in lots}
        by_commitment: dict[uuid.UUID, list[Allocation]] = defaultdict(list)
        for allocation in await self.repo.allocations(tender.id, organization_id):
            by_commitment[allocation.commitment_id].append(allocation)
        buyers = None if organization_id is None else {organization_id}
        return [
            _outcome_read(c, numbers[lot_of_point[c.delivery_point_id]], by_commitment.get(c.id, []), numbers)
            for c in await self.pools.commitments(tender.pool_id, buyers)
            if c.active and c.delivery_point_id in lot_of_point
        ]

    async def savings(
        self, principal: Principal, tender_id: uuid.UUID, organization_id: uuid.UUID | None
    ) -> SavingsRead:
        """Pooled price against each buyer's price ordering alone from the same suppliers' listed
        volume tiers: per buyer and for the tender (coordinators), or one buyer's own."""
        tender = await self._public(tender_id)
        if organization_id is None:
            await require_hub_coordinator(self.session, principal, tender.hub_id)
        else:
            await require_org_role(self.session, principal, organization_id, Role.member)
        pool = await self.pools.of_tender(tender.pool_id)
        award = await self.repo.of_tender(tender.id)
        if award is None or award.status is not AwardStatus.confirmed:
            raise NothingToAward("the savings are known once the award is confirmed")
        allocations = await self.repo.allocations(tender.id, organization_id)
        by_buyer: dict[uuid.UUID, list[Allocation]] = defaultdict(list)
        for allocation in allocations:
            by_buyer[allocation.buyer_organization_id].append(allocation)
        buyers = [_savings(buyer, rows) for buyer, rows in sorted(by_buyer.items())]
        return SavingsRead(
            tender_id=tender.id,
            currency=pool.currency,
            total=_savings(tender.hub_id if organization_id is None else organization_id, allocations),
            buyers=buyers,
        )

    # --- deciding -----------------------------------------------------------------------

    async def confirm(self, principal: Principal, tender_id: uuid.UUID) -> AwardRead:
        """Make the proposal the award: allocate it, place the orders, publish. Raises
        `NothingToAward` (409) before a proposal exists and `AwardAlreadyDecided` (409) after."""
        tender, award = await self._deciding(principal, tender_id)
        lines = [(line.lot_id, line.bid_id, line.quantity) for line in await self.repo.lines(tender.id, final=False)]
        await self._finalise(principal, tender, award, lines, justification=None)
        return await self.read(principal, tender.id)

    async def override(self, principal: Principal, tender_id: uuid.UUID, data: AwardOverride) -> AwardRead:
        """Award as the coordinator decides instead, with a justification that is audited and published.

        Every line must name an eligible offer and keep the tender's published terms (capacity,
        lot quantity, share, minimum award, lots per supplier) — `InvalidInput` (422) names each
        line that does not.
        """
        if len(data.justification.strip()) < 20:  # noqa: PLR2004 - the schema's minimum, after trimming
            raise InvalidInput.field(
                "justification", "explain in at least 20 characters why the proposal is overridden"
            )
        tender, award = await self._deciding(principal, tender_id)
        tendered = await self._tendered(tender)
        scores = {(s.bid_id, s.lot_id): s for s in await self.repo.scores(tender.id)}
        lines = _checked_override(tendered, scores, data)
        await self._finalise(
            principal, tender, award, lines, justification=data.justification.strip(), tendered=tendered
        )
        return await self.read(principal, tender.id)

    async def _deciding(self, principal: Principal, tender_id: uuid.UUID) -> tuple[Tender, Award]:
        tender = await self._coordinated(principal, tender_id)
        award = await self.repo.of_tender(tender.id, lock="update")
        if award is None:
            state = await self._state(tender, None)
            raise NothingToAward(f"there is no proposed award to decide on: the evaluation is {state}")
        if award.status is AwardStatus.unsuccessful:
            raise NothingToAward(f"the tender is unsuccessful: {award.outcome}")
        if award.status is AwardStatus.confirmed:
            assert award.decided_at is not None  # noqa: S101 - set on confirmation
            raise AwardAlreadyDecided(
                f"the tender was awarded on {award.decided_at.isoformat(timespec='seconds')}; "
                "it cannot be awarded twice"
            )
        return tender, award

    async def _finalise(
        self,
        principal: Principal,
        tender: Tender,
        award: Award,
        lines: list[tuple[uuid.UUID, uuid.UUID, Decimal]],
        *,
        justification: str | None,
        tendered: _Tendered | None = None,
    ) -> None:
        started = time.perf_counter()
        tendered = tendered or await self._tendered(tender)
        bid_lines = {(line.bid_id, line.lot_id): line for line in tendered.lines}
        shares, flows = _allocate(tendered, lines, bid_lines)
        stages = [
            _stage("allocate", started, f"{len(shares)} shares of {len(tendered.commitments)} commitments", flows)
        ]
        started = time.perf_counter()
        listed = await self._listed_prices(tendered, shares)
        reference = {lot.id: f"{tender.ocid} lot {lot.number}" for lot in tendered.lots}
        title = tendered.pool.title()
        awarded = []
        for commitment, bid_line, quantity in shares:
            lot = tendered.lot(bid_line.lot_id)
            point = tendered.points[lot.delivery_point_id]
            buyer = tendered.parties[commitment.organization_id]
            awarded.append(
                AwardedOrder(
                    buyer_organization_id=commitment.organization_id,
                    producer_organization_id=tendered.bids[bid_line.bid_id].organization_id,
                    hub_id=tender.hub_id,
                    reference=reference[lot.id],
                    sku=f"tender-lot-{lot.number}",
                    title=title,
                    language=tendered.pool.default_language,
                    unit_code=tendered.pool.unit,
                    quantity=quantity,
                    currency=bid_line.currency,
                    unit_price_minor=bid_line.unit_price_minor,
                    delivery_jurisdiction=lot.jurisdiction,
                    delivery_address={
                        "recipient": buyer.name[:200],
                        "line1": (point.address or point.name)[:200],
                        "postal_code": "",
                        "city": point.name,
                    },
                )
            )
        order_ids = await place_awarded_orders(
            self.session, awarded, principal.user_id, stripe_enabled=self.stripe_enabled
        )
        currency = tendered.pool.currency
        await copy_rows(
            self.session,
            AwardLine,
            [
                {
                    "tender_id": tender.id,
                    "final": True,
                    "lot_id": lot_id,
                    "bid_id": bid_id,
                    "organization_id": tendered.bids[bid_id].organization_id,
                    "quantity": quantity,
                }
                for lot_id, bid_id, quantity in lines
            ],
        )
        await copy_rows(
            self.session,
            Allocation,
            [
                {
                    "tender_id": tender.id,
                    "lot_id": bid_line.lot_id,
                    "commitment_id": commitment.id,
                    "buyer_organization_id": commitment.organization_id,
                    "bid_id": bid_line.bid_id,
                    "supplier_organization_id": tendered.bids[bid_line.bid_id].organization_id,
                    "quantity": quantity,
                    "unit_price_minor": bid_line.unit_price_minor,
                    "currency": bid_line.currency,
                    "tender_unit_price_minor": bid_line.tender_unit_price_minor,
                    "pooled_total_minor": _total(bid_line.tender_unit_price_minor or 0, quantity, currency),
                    "listed_total_minor": listed[index],
                    "order_id": order_id,
                }
                for index, ((commitment, bid_line, quantity), order_id) in enumerate(
                    zip(shares, order_ids, strict=True)
                )
            ],
        )
        stages.append(_stage("order", started, f"{len(order_ids)} orders placed"))
        started = time.perf_counter()
        award.status, award.decided_by, award.decided_at = AwardStatus.confirmed, principal.user_id, now()
        award.overridden, award.justification = justification is not None, justification
        tender.status = TenderStatus.awarded
        await self.session.flush()
        await ocds.publish(self.session, tender, ["award", "contract"])
        award.stages = [*award.stages, *stages, _stage("publish", started, "OCDS award and contract release")]
        await audit.record(
            self.session,
            principal,
            "tender.overridden" if justification else "tender.awarded",
            object_type="tender",
            object_id=tender.id,
            hub_id=tender.hub_id,
            after={
                "justification": justification,
                "lines": [{"lot_id": str(lot), "bid_id": str(bid), "quantity": str(q)} for lot, bid, q in lines],
                "orders": len(order_ids),
            },
        )
        await emit(
            self.session,
            TenderAwarded(
                tender_id=tender.id,
                hub_id=tender.hub_id,
                overridden=justification is not None,
                supplier_ids=sorted({tendered.bids[bid].organization_id for _, bid, _ in lines}),
                buyer_ids=sorted({commitment.organization_id for commitment, _, _ in shares}),
                order_count=len(order_ids),
            ),
        )

    async def _listed_prices(
        self, tendered: _Tendered, shares: list[tuple[Commitment, BidLine, Decimal]]
    ) -> list[int | None]:
        """Each share at its supplier's listed volume price for that quantity (tender currency), if listed."""
        pool = tendered.pool
        suppliers = sorted({tendered.bids[line.bid_id].organization_id for _, line, _ in shares})
        listings: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for listing in await listed_tiers(
            self.session, suppliers, pool.classification_scheme, pool.classification_code, pool.unit
        ):
            listings[listing.organization_id].append(listing)
        day = now().date()
        rates: dict[str, Decimal | None] = {}
        prices: list[int | None] = []
        for _, line, quantity in shares:
            best: int | None = None
            for listing in listings.get(tendered.bids[line.bid_id].organization_id, []):
                if listing.currency not in rates:
                    try:
                        rates[listing.currency] = (await find_rate(self.session, listing.currency, pool.currency, day))[
                            0
                        ]
                    except NotFound:
                        rates[listing.currency] = None
                rate = rates[listing.currency]
                if rate is not None:
                    total = money(listing.unit_price(quantity) * quantity * rate, pool.currency).amount_minor
                    best = total if best is None else min(best, total)
            prices.append(best)
        return prices

    # --- helpers ------------------------------------------------------------------------

    async def _public(self, tender_id: uuid.UUID) -> Tender:
        tender = await self.tenders.get(tender_id)
        if tender is None or not tender.is_public():
            raise TenderNotFound("no such tender")
        return tender

    async def _coordinated(self, principal: Principal, tender_id: uuid.UUID) -> Tender:
        """The tender, locked, for one of its hub's coordinators (others: 403; unpublished: 404)."""
        tender = await self._public(tender_id)
        await require_hub_coordinator(self.session, principal, tender.hub_id)
        locked = await self.tenders.get(tender_id, lock="update")
        assert locked is not None  # noqa: S101 - just read
        return locked

    async def _tendered(self, tender: Tender) -> _Tendered:
        pool = await self.pools.of_tender(tender.pool_id)
        bids = {bid.id: bid for bid in await self.bids.submitted(tender.id)}
        lines = [line for lines in (await self.bids.lines(list(bids))).values() for line in lines]
        commitments = [c for c in await self.pools.commitments(pool.id, None) if c.active]
        organizations = sorted({b.organization_id for b in bids.values()} | {c.organization_id for c in commitments})
        return _Tendered(
            tender=tender,
            pool=pool,
            lots=await self.tenders.lots(tender.id),
            points={p.id: p for p in await self.pools.delivery_points(pool.id)},
            bids=bids,
            lines=lines,
            parties={p.organization_id: p for p in await trading_parties(self.session, tender.hub_id, organizations)},
            commitments=commitments,
        )


# --- evaluation, pure ----------------------------------------------------------------------


def _score(tendered: _Tendered) -> list[dict[str, Any]]:
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
            evaluated = int((line.tender_unit_price_minor * factor).to_integral_value())
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


def _problem(tendered: _Tendered, eligible: list[dict[str, Any]], time_limit: float) -> Problem:
    tender = tendered.tender
    lot_of_point = {lot.delivery_point_id: lot.id for lot in tendered.lots}
    limits: dict[Any, dict[float, float]] = defaultdict(lambda: defaultdict(float))
    for commitment in tendered.commitments:
        if commitment.max_unit_price_minor is not None and commitment.delivery_point_id in lot_of_point:
            limits[lot_of_point[commitment.delivery_point_id]][float(commitment.max_unit_price_minor)] += float(
                commitment.quantity
            )
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
        price_limits={lot: dict(caps) for lot, caps in limits.items()},
        bid_capacity={
            bid.id: float(bid.total_capacity) for bid in tendered.bids.values() if bid.total_capacity is not None
        },
        max_share=None if tender.max_share_percent is None else float(tender.max_share_percent) / 100,
        min_award=None if tender.min_award_quantity is None else float(tender.min_award_quantity),
        max_lots_per_bid=tender.max_lots_per_supplier,
        integral=unit is not None and unit.discrete,
        time_limit=time_limit,
    )


def _outcome(solution: Solution, shortfall: Decimal, unit: str) -> str:
    parts = []
    if not solution.optimal:
        parts.append(f"Not proven optimal — {solution.describe()}. Review it, or override.")
    if shortfall:
        parts.append(f"{_plain(shortfall)} {unit} could not be awarded to any eligible offer.")
    return " ".join(parts)


def _stage(name: str, started: float, detail: str, solver: Solution | None = None) -> dict[str, Any]:
    stage = {"stage": name, "seconds": round(time.perf_counter() - started, 3), "detail": detail}
    if solver is not None:
        stage["solver_seconds"] = round(solver.seconds, 3)
    return stage


# --- deciding, pure --------------------------------------------------------------------------


def _checked_override(
    tendered: _Tendered, scores: dict[tuple[uuid.UUID, uuid.UUID], OfferScore], data: AwardOverride
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
            refuse(f"the bid offers at most {_plain(score.max_quantity)} for this lot", ".quantity")
        if tender.max_share_percent is not None and quantity > lot.quantity * tender.max_share_percent / 100:
            refuse(f"above the tender's maximum share of {_plain(tender.max_share_percent)}% of the lot", ".quantity")
        if tender.min_award_quantity is not None and quantity < tender.min_award_quantity:
            refuse(f"below the tender's minimum award of {_plain(tender.min_award_quantity)}", ".quantity")
        per_lot[line.lot] += quantity
        per_bid[bid_id] += quantity
        lots_won[bid_id] += 1
        lines.append((lot.id, bid_id, quantity))
    errors.extend(_total_errors(tendered, per_lot, per_bid, lots_won))
    if errors:
        raise InvalidInput("the override breaks the tender's terms; nothing was awarded", errors=errors)
    return lines


def _total_errors(
    tendered: _Tendered,
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
                    message=f"lot {number} is awarded {_plain(total)} but needs only {_plain(lots[number].quantity)}",
                )
            )
    for bid_id, total in per_bid.items():
        capacity = tendered.bids[bid_id].total_capacity
        if capacity is not None and total > capacity:
            errors.append(
                FieldError(
                    field="$.lines",
                    message=f"{tendered.bids[bid_id].organization_id} is awarded {_plain(total)}, "
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


def _allocate(
    tendered: _Tendered,
    lines: list[tuple[uuid.UUID, uuid.UUID, Decimal]],
    bid_lines: dict[tuple[uuid.UUID, uuid.UUID], BidLine],
) -> tuple[list[tuple[Commitment, BidLine, Decimal]], Solution]:
    """Who of the buyers receives which awarded units (see `allocation.py`).

    Which units may go to buyers with a maximum price is decided by the optimiser run over
    the award alone (each line's quantity its capacity, the price paid its cost): the
    cheapest assignment that honours every maximum price. Units no buyer would pay for are
    refused (`InvalidInput`) — an override cannot push goods on buyers above their price.
    """
    limits: dict[Any, dict[float, float]] = defaultdict(lambda: defaultdict(float))
    claims: dict[tuple[uuid.UUID, float | None], list[Commitment]] = defaultdict(list)
    lot_of_point = {lot.delivery_point_id: lot.id for lot in tendered.lots}
    for commitment in tendered.commitments:
        lot_id = lot_of_point.get(commitment.delivery_point_id)
        if lot_id is None:
            continue
        cap = None if commitment.max_unit_price_minor is None else float(commitment.max_unit_price_minor)
        claims[(lot_id, cap)].append(commitment)
        if cap is not None:
            limits[lot_id][cap] += float(commitment.quantity)
    ranks: dict[Hashable, int] = {
        bid_id: rank for rank, bid_id in enumerate(sorted(tendered.bids, key=lambda b: tendered.bids[b].submitted_at))
    }
    paid: dict[tuple[Hashable, Hashable], int] = {
        (bid_id, lot_id): bid_lines[(bid_id, lot_id)].tender_unit_price_minor or 0 for lot_id, bid_id, _ in lines
    }
    solution = optimise(
        Problem(
            demand={lot.id: float(lot.quantity) for lot in tendered.lots},
            offers=[
                Offer(
                    bid=bid_id, lot=lot_id, price=float(paid[(bid_id, lot_id)]), capacity=float(q), rank=ranks[bid_id]
                )
                for lot_id, bid_id, q in lines
            ],
            price_limits={lot: dict(caps) for lot, caps in limits.items()},
        )
    )
    for lot_id, bid_id, quantity in lines:
        placed = _decimal(solution.awards.get((bid_id, lot_id), 0.0))
        if placed < quantity:
            raise InvalidInput.field(
                "lines",
                f"lot {tendered.lot(lot_id).number}: only {_plain(placed)} of the {_plain(quantity)} units awarded to "
                f"bid {bid_id} can go to a buyer; its buyers' maximum unit prices are below its price",
            )
    shares: list[tuple[Commitment, BidLine, Decimal]] = []
    commitments = {c.id: c for c in tendered.commitments}
    for (lot_id, cap), segment in sorted(
        claims.items(), key=lambda item: (str(item[0][0]), item[0][1] is None, item[0][1] or 0)
    ):
        supplies = [
            Supply(bid=bid_id, units=_decimal(units), price=paid[(bid_id, lot_id)], rank=ranks[bid_id])
            for (bid_id, flow_lot, flow_cap), units in solution.flows.items()
            if flow_lot == lot_id and flow_cap == cap
        ]
        for share in allocate([Claim(c.id, c.quantity) for c in segment], supplies):
            assert isinstance(share.bid, uuid.UUID)  # noqa: S101 - bids are keyed by id
            shares.append((commitments[share.commitment_id], bid_lines[(share.bid, lot_id)], share.quantity))
    return shares, solution


# --- reads, pure ---------------------------------------------------------------------------


def _by_lot(rows: Sequence[R]) -> dict[uuid.UUID, list[R]]:
    grouped: dict[uuid.UUID, list[R]] = defaultdict(list)
    for row in rows:
        grouped[row.lot_id].append(row)
    return grouped


def _winner(
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


def _score_table(scores: list[OfferScore], parties: dict[uuid.UUID, TradingParty]) -> list[ScoreRead]:
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


def _allocation_read(allocation: Allocation, numbers: dict[uuid.UUID, int]) -> AllocationRead:
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


def _outcome_read(
    commitment: Commitment, lot: int, allocations: list[Allocation], numbers: dict[uuid.UUID, int]
) -> CommitmentOutcome:
    allocated = sum((a.quantity for a in allocations), _NO_UNITS)
    return CommitmentOutcome(
        commitment_id=commitment.id,
        lot=lot,
        buyer_organization_id=commitment.organization_id,
        committed=commitment.quantity,
        allocated=allocated,
        shortfall=commitment.quantity - allocated,
        allocations=[_allocation_read(a, numbers) for a in allocations],
    )


def _savings(organization_id: uuid.UUID, allocations: list[Allocation]) -> BuyerSavings:
    compared = [a for a in allocations if a.listed_total_minor is not None]
    individual = sum(a.listed_total_minor or 0 for a in compared)
    pooled_compared = sum(a.pooled_total_minor for a in compared)
    saved = individual - pooled_compared
    return BuyerSavings(
        buyer_organization_id=organization_id,
        quantity=sum((a.quantity for a in allocations), _NO_UNITS),
        pooled_minor=sum(a.pooled_total_minor for a in allocations),
        compared_quantity=sum((a.quantity for a in compared), _NO_UNITS),
        individual_minor=individual,
        pooled_compared_minor=pooled_compared,
        savings_minor=saved,
        savings_percent=(Decimal(saved * 100) / individual).quantize(Decimal("0.01")) if individual else None,
    )


def _total(unit_price_minor: int, quantity: Decimal, currency: str) -> int:
    return money(from_minor(unit_price_minor, currency) * quantity, currency).amount_minor


def _decimal(units: float) -> Decimal:
    """A solver quantity as stored (three decimals)."""
    return Decimal(repr(round(units, 3))).quantize(Decimal("0.001"))


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
