"""Award use cases: evaluate a closed tender (the job), read the proposal, confirm or override it,
allocate the award back to the buyers, place their orders and publish it all.

Evaluation (`evaluate`) scores every opened offer — eligible at the deadline or why not,
its price in the tender currency, its evaluated price after the preference margin, its rank
in the lot — and asks the optimiser (`optimise.py`) for the award leaving the fewest units
short at the least cost, and says why any are short (`award_outcome`). A coordinator
then confirms the proposal or overrides it with a written justification; either way the
award is allocated to the buyers (`allocation.py`), each (buyer, supplier, delivery point)
becomes an order through marketplace, and one OCDS release (`award` + `contract`) publishes it.
A tender with nothing to award — no eligible offer, or a proposal that awards nothing — ends
unsuccessful instead: never an award without awards.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import audit
from kernel.auth import Principal
from kernel.bulk import copy_rows
from kernel.clock import now, today
from kernel.errors import Conflict, InvalidInput, NotFound
from kernel.fx import find_rate
from kernel.money import money
from kernel.outbox import emit
from marketplace.api import (
    AwardedOrder,
    Role,
    is_hub_coordinator,
    listed_tiers,
    place_awarded_orders,
    require_hub_coordinator,
    require_org_role,
    trading_parties,
)
from procurement.award.models import Allocation, Award, AwardLine, AwardStatus, OfferScore
from procurement.award.optimise import Problem, Solution, optimise
from procurement.award.reads import by_lot, outcome_read, savings_read, score_table, winner_read
from procurement.award.repository import AwardRepository
from procurement.award.schemas import (
    AwardOverride,
    AwardRead,
    CommitmentOutcome,
    EvaluationState,
    LotAwardRead,
    SavingsRead,
    Stage,
)
from procurement.award.tendered import (
    NO_UNITS,
    Tendered,
    allocate_award,
    award_outcome,
    award_problem,
    checked_override,
    score_offers,
    stored_units,
    total_minor,
)
from procurement.bid.repository import BidRepository
from procurement.events import AwardProposed, TenderAwarded, TenderUnsuccessful
from procurement.pool.models import Commitment
from procurement.pool.repository import PoolRepository
from procurement.pool.service import PoolService
from procurement.tender.errors import TenderNotFound
from procurement.tender.models import BidLine, Tender, TenderStatus
from procurement.tender.repository import TenderRepository


class EvaluationNotPossible(Conflict):
    slug = "evaluation-not-possible"


class AwardAlreadyDecided(Conflict):
    slug = "award-already-decided"


class NothingToAward(Conflict):
    slug = "nothing-to-award"


class BuyerNotInTender(NotFound):
    """The organisation committed nothing to the tender's pool: it has no allocation or savings
    there, and saying "none" (200 with an empty list) would not be the truth either."""

    slug = "buyer-not-in-tender"


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
        scores = score_offers(tendered)
        await copy_rows(self.session, OfferScore, scores)
        eligible = [s for s in scores if s["eligible"]]
        stages = [
            _stage("score", started, f"{len(scores)} offers from {len(tendered.bids)} bids; {len(eligible)} eligible")
        ]
        if not eligible:
            await self._unsuccessful(tendered, scores, stages)
            return True

        started = time.perf_counter()
        problem = award_problem(tendered, eligible, self.time_limit)
        # Several solves, each up to the time limit: in a thread, so the service answers meanwhile.
        solution, outcome = await anyio.to_thread.run_sync(_solved, tendered, problem)
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
                    "quantity": stored_units(units),
                }
                for (bid_id, lot_id), units in sorted(solution.awards.items(), key=str)
            ],
        )
        stages.append(_stage("record", started, f"{len(solution.awards)} award lines proposed"))
        shortfall = sum((stored_units(units) for units in solution.shortfall.values()), NO_UNITS)
        await self.repo.add(
            Award(
                tender_id=tender.id,
                status=AwardStatus.proposed,
                outcome=outcome,
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
        self, tendered: Tendered, scores: list[dict[str, Any]], stages: list[dict[str, Any]]
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
        await self._end_unsuccessful(tendered, reason)

    async def _end_unsuccessful(self, tendered: Tendered, reason: str) -> None:
        """The tender ends unsuccessful; its buyers and bidders are told why."""
        tender = tendered.tender
        tender.status = TenderStatus.unsuccessful
        await self.session.flush()
        # The event writes the tender's OCDS `tenderUpdate` release too (procurement.ocds reacts to it).
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

    async def read(self, principal: Principal | None, tender_id: uuid.UUID) -> AwardRead:
        """The evaluation's state and the award: everything, score tables included, to the hub's
        coordinators; to anyone else (`principal` None: the public) only the state and, once
        confirmed, the winners."""
        tender = await self._public(tender_id)
        coordinator = principal is not None and await is_hub_coordinator(self.session, principal, tender.hub_id)
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
        proposed = by_lot(await self.repo.lines(tender.id, final=False))
        final = by_lot(await self.repo.lines(tender.id, final=True))
        scores_of = by_lot(scores)
        lots = []
        for lot in await self.tenders.lots(tender.id):
            winners = [winner_read(line, by_offer, parties) for line in (final or proposed).get(lot.id, [])]
            awarded = sum((w.quantity for w in winners), NO_UNITS)
            lots.append(
                LotAwardRead(
                    number=lot.number,
                    name=lot.name,
                    quantity=lot.quantity,
                    awarded=awarded,
                    shortfall=lot.quantity - awarded,
                    winners=winners,
                    proposed=[winner_read(line, by_offer, parties) for line in proposed.get(lot.id, [])]
                    if coordinator
                    else [],
                    scores=score_table(scores_of.get(lot.id, []), parties) if coordinator else None,
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
        if tender.status is TenderStatus.cancelled:
            return "cancelled"
        if award is not None:
            return award.status.value
        if not tender.bids_opened():
            return "open"
        return "running" if await self.repo.evaluation_running(tender.id) else "queued"

    async def outcomes(
        self, principal: Principal, tender_id: uuid.UUID, organization_id: uuid.UUID | None
    ) -> list[CommitmentOutcome]:
        """What each commitment received, from whom, by which order, and its shortfall: one buyer's
        own (`organization_id`, its members) or every buyer's (the hub's coordinators). Empty
        until the award is confirmed."""
        tender = await self._for_buyer_or_coordinator(principal, tender_id, organization_id)
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
            outcome_read(c, numbers[lot_of_point[c.delivery_point_id]], by_commitment.get(c.id, []), numbers)
            for c in await self.pools.commitments(tender.pool_id, buyers)
            if c.active and c.delivery_point_id in lot_of_point
        ]

    async def pool_outcomes(
        self, principal: Principal, pool_id: uuid.UUID, organization_id: uuid.UUID
    ) -> list[CommitmentOutcome]:
        """What one buyer's commitments in a pool received (`outcomes` of the pool's tender): empty
        while the pool has no published tender or its award is not confirmed. Raises `PoolNotFound`
        (404) outside the pool's hub, `NotFound` (404) for an organisation the caller is no member of
        and `BuyerNotInTender` (404) for one without an active commitment in the pool."""
        await PoolService(self.session).visible(principal, pool_id)
        tender = await self.tenders.live_for_pool(pool_id)
        if tender is None or not tender.is_public():
            return []
        return await self.outcomes(principal, tender.id, organization_id)

    async def savings(
        self, principal: Principal, tender_id: uuid.UUID, organization_id: uuid.UUID | None
    ) -> SavingsRead:
        """Pooled price against each buyer's price ordering alone from the same suppliers' listed
        volume tiers: per buyer and for the tender (coordinators), or one buyer's own."""
        tender = await self._for_buyer_or_coordinator(principal, tender_id, organization_id)
        pool = await self.pools.of_tender(tender.pool_id)
        award = await self.repo.of_tender(tender.id)
        if award is None or award.status is not AwardStatus.confirmed:
            raise NothingToAward("the savings are known once the award is confirmed")
        allocations = await self.repo.allocations(tender.id, organization_id)
        by_buyer: dict[uuid.UUID, list[Allocation]] = defaultdict(list)
        for allocation in allocations:
            by_buyer[allocation.buyer_organization_id].append(allocation)
        buyers = [savings_read(buyer, rows) for buyer, rows in sorted(by_buyer.items())]
        return SavingsRead(
            tender_id=tender.id,
            currency=pool.currency,
            total=savings_read(organization_id, allocations),
            buyers=buyers,
        )

    # --- deciding -----------------------------------------------------------------------

    async def confirm(self, principal: Principal, tender_id: uuid.UUID) -> AwardRead:
        """Make the proposal the award: allocate it, place the orders, publish. A proposal that
        awards nothing (no eligible offer fits the buyers' maximum prices and the tender's terms)
        closes the tender as unsuccessful instead, telling its buyers and bidders. Raises
        `NothingToAward` (409) before a proposal exists and `AwardAlreadyDecided` (409) after."""
        tender, award = await self._deciding(principal, tender_id)
        lines = [(line.lot_id, line.bid_id, line.quantity) for line in await self.repo.lines(tender.id, final=False)]
        if lines:
            await self._finalise(principal, tender, award, lines, justification=None)
        else:
            await self._close_unsuccessful(principal, tender, award)
        return await self.read(principal, tender.id)

    async def _close_unsuccessful(self, principal: Principal, tender: Tender, award: Award) -> None:
        started = time.perf_counter()
        reason = "No eligible offer could be awarded within the buyers' maximum prices and the tender's terms."
        award.status, award.decided_by, award.decided_at = AwardStatus.unsuccessful, principal.user_id, now()
        award.outcome = reason
        await self._end_unsuccessful(await self._tendered(tender), reason)
        award.stages = [*award.stages, _stage("publish", started, "OCDS tender update: unsuccessful")]
        await audit.record(
            self.session,
            principal,
            "tender.unsuccessful",
            object_type="tender",
            object_id=tender.id,
            hub_id=tender.hub_id,
            after={"reason": reason},
        )

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
        lines = checked_override(tendered, scores, data)
        await self._finalise(
            principal, tender, award, lines, justification=data.justification.strip(), tendered=tendered
        )
        return await self.read(principal, tender.id)

    async def _deciding(self, principal: Principal, tender_id: uuid.UUID) -> tuple[Tender, Award]:
        tender = await self._coordinated(principal, tender_id)
        if tender.status is TenderStatus.cancelled:
            raise NothingToAward(f"the tender was cancelled: {tender.cancellation_reason}")
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
        tendered: Tendered | None = None,
    ) -> None:
        started = time.perf_counter()
        tendered = tendered or await self._tendered(tender)
        bid_lines = {(line.bid_id, line.lot_id): line for line in tendered.lines}
        # Only eligible offers are awarded, and every eligible offer has a rank.
        ranks = {(s.bid_id, s.lot_id): s.rank for s in await self.repo.scores(tender.id) if s.rank is not None}
        shares, flows = allocate_award(tendered, lines, bid_lines, ranks)
        # The final award is what was allocated (the lines, less any rounding dust).
        allocated: dict[tuple[uuid.UUID, uuid.UUID], Decimal] = defaultdict(lambda: NO_UNITS)
        for _, bid_line, quantity in shares:
            allocated[(bid_line.lot_id, bid_line.bid_id)] += quantity
        stages = [
            _stage("allocate", started, f"{len(shares)} shares of {len(tendered.commitments)} commitments", flows)
        ]
        started = time.perf_counter()
        listed = await self._listed_prices(tendered, shares)
        reference = {lot.id: f"{tender.ocid} lot {lot.number}" for lot in tendered.lots}
        pool = tendered.pool
        awarded = []
        for commitment, bid_line, quantity in shares:
            lot = tendered.lot(bid_line.lot_id)
            point = tendered.points[lot.delivery_point_id]
            buyer = tendered.parties[commitment.organization_id]
            # The buyer's order line in its own language where the pool has it, as checkout does.
            language = pool.language_for(buyer.languages)
            awarded.append(
                AwardedOrder(
                    buyer_organization_id=commitment.organization_id,
                    producer_organization_id=tendered.bids[bid_line.bid_id].organization_id,
                    hub_id=tender.hub_id,
                    reference=reference[lot.id],
                    sku=f"tender-lot-{lot.number}",
                    title=pool.title(language),
                    language=language,
                    unit_code=pool.unit,
                    classification_scheme=pool.classification_scheme,
                    classification_code=pool.classification_code,
                    quantity=quantity,
                    currency=bid_line.currency,
                    unit_price_minor=bid_line.unit_price_minor,
                    delivery_jurisdiction=lot.jurisdiction,
                    delivery_address={
                        "recipient": buyer.name[:200],
                        "line1": (point.address or point.name)[:200],
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
                for (lot_id, bid_id), quantity in allocated.items()
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
                    "pooled_total_minor": total_minor(bid_line.tender_unit_price_minor or 0, quantity, currency),
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
        # The event writes the OCDS `award` + `contract` release too (procurement.ocds reacts to it).
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

    async def _listed_prices(
        self, tendered: Tendered, shares: list[tuple[Commitment, BidLine, Decimal]]
    ) -> list[int | None]:
        """Each share at its supplier's listed volume price for that quantity (tender currency), if listed."""
        pool = tendered.pool
        suppliers = sorted({tendered.bids[line.bid_id].organization_id for _, line, _ in shares})
        listings: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for listing in await listed_tiers(
            self.session, suppliers, pool.classification_scheme, pool.classification_code, pool.unit
        ):
            listings[listing.organization_id].append(listing)
        day = today()
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

    async def _for_buyer_or_coordinator(
        self, principal: Principal, tender_id: uuid.UUID, organization_id: uuid.UUID | None
    ) -> Tender:
        """The tender, for a member of the buyer `organization_id`, or for its hub's coordinators
        when no organisation is named (everyone's figures). Raises `NotFound` (404) for an
        organisation the caller is no member of, and `BuyerNotInTender` (404) for one without an
        active commitment in the tender's pool (another hub's, say)."""
        tender = await self._public(tender_id)
        if organization_id is None:
            await require_hub_coordinator(self.session, principal, tender.hub_id)
        else:
            await require_org_role(self.session, principal, organization_id, Role.member)
            if organization_id not in await self.pools.participants(tender.pool_id):
                raise BuyerNotInTender("the organization has no commitment in this tender")
        return tender

    async def _coordinated(self, principal: Principal, tender_id: uuid.UUID) -> Tender:
        """The tender, locked, for one of its hub's coordinators (others: 403; unpublished: 404)."""
        tender = await self._public(tender_id)
        await require_hub_coordinator(self.session, principal, tender.hub_id)
        locked = await self.tenders.get(tender_id, lock="update")
        assert locked is not None  # noqa: S101 - just read
        return locked

    async def _tendered(self, tender: Tender) -> Tendered:
        pool = await self.pools.of_tender(tender.pool_id)
        bids = {bid.id: bid for bid in await self.bids.submitted(tender.id)}
        lines = [line for lines in (await self.bids.lines(list(bids))).values() for line in lines]
        commitments = [c for c in await self.pools.commitments(pool.id, None) if c.active]
        organizations = sorted({b.organization_id for b in bids.values()} | {c.organization_id for c in commitments})
        return Tendered(
            tender=tender,
            pool=pool,
            lots=await self.tenders.lots(tender.id),
            points={p.id: p for p in await self.pools.delivery_points(pool.id)},
            bids=bids,
            lines=lines,
            parties={p.organization_id: p for p in await trading_parties(self.session, tender.hub_id, organizations)},
            commitments=commitments,
        )


# --- evaluation, pure ---------------------------------------------------------------------


def _stage(name: str, started: float, detail: str, solver: Solution | None = None) -> dict[str, Any]:
    stage = {"stage": name, "seconds": round(time.perf_counter() - started, 3), "detail": detail}
    if solver is not None:
        stage["solver_seconds"] = round(solver.seconds, 3)
    return stage


def _solved(tendered: Tendered, problem: Problem) -> tuple[Solution, str]:
    solution = optimise(problem)
    return solution, award_outcome(tendered, problem, solution)
