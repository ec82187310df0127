"""Tender use cases: create from a closed pool, publish, amend and cancel.

Drafts are the coordinators' own; everything published is public (without bids) and
produces an OCDS release in the same transaction: `procurement.ocds` reacts to the events
emitted here (`kernel.outbox.reaction`). Closing at the deadline opens the bids, so it is
`procurement.bid`'s (`BidService.close_due`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, and_, not_
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from kernel import audit
from kernel.auth import Principal
from kernel.clock import now
from kernel.errors import Conflict, InvalidInput
from kernel.money import from_minor
from kernel.outbox import emit
from kernel.pagination import Page, PageParams
from marketplace.api import (
    InclusionAttribute,
    check_hub_coordinator,
    hub_coordinator_standing,
    require_hub_coordinator,
)
from procurement.events import TenderAmended, TenderCancelled, TenderPublished
from procurement.pool.models import DemandPool, PoolStatus
from procurement.pool.repository import PoolRepository
from procurement.pool.service import PoolService, credential_types, item_of
from procurement.quantities import quantity
from procurement.tender.errors import TenderNotFound
from procurement.tender.models import (
    AmendmentRow,
    AwardMethod,
    Lot,
    LotRow,
    Tender,
    TenderAmendment,
    TenderPool,
    TenderRow,
    TenderStatus,
)
from procurement.tender.repository import TenderRepository
from procurement.tender.schemas import (
    AmendmentRead,
    LotRead,
    TenderAmendmentCreate,
    TenderAwaiting,
    TenderCreate,
    TenderRead,
    TenderTerms,
)

#: A material amendment leaves bidders at least this long before the deadline.
MATERIAL_NOTICE = dt.timedelta(days=3)
#: Terms whose change alters who may bid or how bids are judged (a deadline or description change does not).
MATERIAL_TERMS = (
    "award_method",
    "preference_margin_percent",
    "preferred_attributes",
    "required_credential_types",
    "max_share_percent",
    "min_award_quantity",
    "max_lots_per_supplier",
)


class TenderNotPossible(Conflict):
    """The pool cannot be tendered: still open, failed, or already tendered."""

    slug = "pool-not-tenderable"


class TenderStateConflict(Conflict):
    slug = "tender-state-conflict"


class TenderService:
    def __init__(self, session: AsyncSession, ocid_prefix: str, languages: Sequence[str] = ()) -> None:
        """`languages`: the reader's, best first; a tender's title is read in the best of them
        the pool has a translation in, else in the pool's first language."""
        self.session = session
        self.repo = TenderRepository(session)
        self.pools = PoolRepository(session)
        self.ocid_prefix = ocid_prefix
        self.languages = languages

    # --- the coordinator's side -------------------------------------------------------

    async def create(self, principal: Principal, data: TenderCreate) -> TenderRead:
        """A draft tender from a closed pool: one lot per delivery point with its pooled quantity.

        Raises `NotFound` for an unknown pool, `Forbidden` unless the caller coordinates its hub,
        `TenderNotPossible` (409) for a pool that is open, failed or already tendered and
        `InvalidInput` naming the field for a deadline not in the future or inconsistent terms.
        """
        await PoolService(self.session).visible(principal, data.pool_id)  # 404 outside the pool's hub
        pool = await self.pools.get(data.pool_id, lock="update")
        assert pool is not None  # noqa: S101 - just seen; pools are never deleted
        await require_hub_coordinator(self.session, principal, pool.hub_id)
        if pool.status is PoolStatus.failed:
            raise TenderNotPossible("the pool failed (below its minimum quantity); it cannot be tendered")
        if pool.status is not PoolStatus.closed:
            raise TenderNotPossible("the pool is still open; close it first")
        if await self.repo.live_for_pool(pool.id) is not None:
            raise TenderNotPossible("the pool already has a tender; cancel it to tender again")
        deadline = _deadline(data.bid_deadline)
        tender_id = uuid7()
        tender = Tender(
            id=tender_id,
            pool_id=pool.id,
            hub_id=pool.hub_id,
            ocid=f"{self.ocid_prefix}-{tender_id}",
            status=TenderStatus.draft,
            description="",
            bid_deadline=deadline,
            award_method=AwardMethod.lowest_price,
            preference_margin_percent=None,
            preferred_attributes=[],
            required_credential_types=list(pool.required_credential_types),
            amendment_count=0,
            created_by=principal.user_id,
        )
        _apply_terms(tender, pool, data)
        committed = await self.pools.committed_quantities(pool.id)
        lots = [
            Lot(
                tender_id=tender.id,
                delivery_point_id=point.id,
                number=number,
                name=point.name,
                jurisdiction=point.jurisdiction,
                quantity=committed[point.id],
            )
            for number, point in enumerate(
                (p for p in await self.pools.delivery_points(pool.id) if committed.get(p.id)), start=1
            )
        ]
        await self.repo.add(tender)
        await self.repo.add(*lots)
        read = await self.tender_read(tender)
        await audit.record(
            self.session,
            principal,
            "tender.created",
            object_type="tender",
            object_id=tender.id,
            after=read,
            hub_id=pool.hub_id,
        )
        return read

    async def publish(self, principal: Principal, tender_id: uuid.UUID) -> TenderRead:
        """Open a draft for bids: it becomes public and its first OCDS release (`tender`) is written."""
        tender = await self._coordinated(principal, tender_id)
        if tender.status is not TenderStatus.draft:
            raise TenderStateConflict(f"the tender is {tender.status.value}, not a draft")
        _deadline(tender.bid_deadline)
        tender.status, tender.published_at = TenderStatus.published, now()
        await self.session.flush()
        await emit(self.session, TenderPublished(tender_id=tender.id, hub_id=tender.hub_id, ocid=tender.ocid))
        await audit.record(
            self.session, principal, "tender.published", object_type="tender", object_id=tender.id, hub_id=tender.hub_id
        )
        return await self.tender_read(tender, insider=True)

    async def amend(self, principal: Principal, tender_id: uuid.UUID, data: TenderAmendmentCreate) -> TenderRead:
        """Change a draft in place, or a published tender before its deadline as a numbered amendment.

        A published deadline can only move later. A material change (eligibility, award method,
        margin, limits) moves the deadline to at least `MATERIAL_NOTICE` from now. Bidders so far
        are notified (`TenderAmended`) and an OCDS `tenderAmendment` release is written. Raises
        `TenderStateConflict` after the deadline, once cancelled, or when nothing changes.
        """
        tender = await self._coordinated(principal, tender_id)
        if tender.status not in (TenderStatus.draft, TenderStatus.published) or (
            tender.status is TenderStatus.published and now() >= tender.bid_deadline
        ):
            raise TenderStateConflict("only a draft, or a published tender before its deadline, can be amended")
        pool = await self.pools.of_tender(tender.pool_id)
        before = {field: _shown(getattr(tender, field)) for field in (*MATERIAL_TERMS, "description", "bid_deadline")}
        _apply_terms(tender, pool, data)
        if data.bid_deadline is not msgspec.UNSET:
            deadline = _deadline(data.bid_deadline)
            if tender.status is TenderStatus.published and deadline < tender.bid_deadline:
                raise InvalidInput.field("bid_deadline", "a published deadline can only be extended")
            tender.bid_deadline = deadline
        material = any(_shown(getattr(tender, field)) != before[field] for field in MATERIAL_TERMS)
        if tender.status is TenderStatus.published and material and tender.bid_deadline < now() + MATERIAL_NOTICE:
            tender.bid_deadline = (now() + MATERIAL_NOTICE).replace(microsecond=0)
        changes = [
            {"field": field, "from": old, "to": _shown(getattr(tender, field))}
            for field, old in before.items()
            if _shown(getattr(tender, field)) != old
        ]
        if not changes:
            raise TenderStateConflict("the amendment changes nothing")
        if tender.status is TenderStatus.published:
            tender.amendment_count += 1
            await self.repo.add(
                TenderAmendment(
                    tender_id=tender.id,
                    number=tender.amendment_count,
                    rationale=data.rationale.strip(),
                    changes=changes,
                    material=material,
                    amended_by=principal.user_id,
                )
            )
            bidders = await self.repo.bidder_ids(tender.id)
            await emit(
                self.session,
                TenderAmended(
                    tender_id=tender.id,
                    amendment=tender.amendment_count,
                    material=material,
                    bid_deadline=tender.bid_deadline,
                    bidder_ids=bidders,
                ),
            )
        await self.session.flush()
        await audit.record(
            self.session,
            principal,
            "tender.amended",
            object_type="tender",
            object_id=tender.id,
            after={"rationale": data.rationale, "changes": changes},
            hub_id=tender.hub_id,
        )
        return await self.tender_read(tender, insider=True)

    async def cancel(self, principal: Principal, tender_id: uuid.UUID, reason: str) -> TenderRead:
        """Cancel a tender not yet awarded, with a reason; published ones get a `tenderCancellation` release."""
        tender = await self._coordinated(principal, tender_id)
        if tender.status in (TenderStatus.awarded, TenderStatus.cancelled):
            raise TenderStateConflict(f"the tender is already {tender.status.value}")
        tender.status, tender.cancelled_at, tender.cancellation_reason = TenderStatus.cancelled, now(), reason.strip()
        await self.session.flush()
        bidders = await self.repo.bidder_ids(tender.id)
        if tender.published_at is not None:
            await emit(
                self.session,
                TenderCancelled(tender_id=tender.id, reason=tender.cancellation_reason, bidder_ids=bidders),
            )
        await audit.record(
            self.session,
            principal,
            "tender.cancelled",
            object_type="tender",
            object_id=tender.id,
            after={"reason": reason},
            hub_id=tender.hub_id,
        )
        return await self.tender_read(tender, insider=True)

    async def hub_tenders(self, principal: Principal, hub_id: uuid.UUID, page: PageParams) -> Page[TenderRead]:
        """Every tender of a hub, drafts included (its coordinators)."""
        await require_hub_coordinator(self.session, principal, hub_id)
        return await self._page([Tender.hub_id == hub_id], page)

    async def awaiting_coordinators(self, principal: Principal, hub_id: uuid.UUID) -> list[TenderAwaiting]:
        """The hub's tenders waiting for its coordinators, the earliest deadline first: past the
        deadline with their bids to be evaluated (published or closed), or with a proposed award to
        confirm (evaluated); titled in the reader's best language (one read). Raises `Forbidden`
        for anyone but its coordinators."""
        await require_hub_coordinator(self.session, principal, hub_id)
        awaiting = []
        for tender, pool in await self.repo.awaiting_coordinators(hub_id, now()):
            language = pool.language_for(self.languages)
            awaiting.append(
                TenderAwaiting(
                    id=tender.id,
                    title=pool.title(language),
                    language=language,
                    status=tender.status,
                    bid_deadline=tender.bid_deadline,
                )
            )
        return awaiting

    async def read_for_coordinator(self, principal: Principal, tender_id: uuid.UUID) -> TenderRead:
        """The tender as its hub's coordinators see it: drafts too, and who made each amendment
        (`TenderNotFound` and `Forbidden` as for any change of it). Read by every page of a
        coordinator's tender: one statement sent past SQLAlchemy (`TenderRepository.shown`),
        outside a transaction when it is the request's first."""
        found = await self.repo.shown(tender_id, principal.user_id)
        if found is None:
            raise TenderNotFound("no such tender")
        _require_coordinator(principal, found, found.hub_exists, found.coordinates)
        return _tender_read(
            found, found.pool, found.lots, found.amendments, found.submitted_bids, self.languages, insider=True
        )

    # --- the public side ----------------------------------------------------------------

    async def read_public(self, tender_id: uuid.UUID) -> TenderRead:
        """A published tender (`TenderNotFound` for a draft): one statement, as `read_for_coordinator`."""
        found = await self.repo.shown(tender_id, None)
        if found is None or not found.is_public():
            raise TenderNotFound("no such tender")
        return _tender_read(found, found.pool, found.lots, found.amendments, found.submitted_bids, self.languages)

    async def list_public(
        self, hub_id: uuid.UUID | None, status: TenderStatus | None, page: PageParams, *, open_now: bool | None = None
    ) -> Page[TenderRead]:
        """Published tenders (of `hub_id`, in `status`); `open_now`: only those still taking bids
        (True) or only those that no longer do (False: past their deadline, cancelled)."""
        condition: list[ColumnElement[bool]] = [Tender.published_at.is_not(None)]
        if hub_id is not None:
            condition.append(Tender.hub_id == hub_id)
        if status is not None:
            condition.append(Tender.status == status)
        if open_now is not None:
            taking_bids = and_(Tender.status == TenderStatus.published, Tender.bid_deadline > now())
            condition.append(taking_bids if open_now else not_(taking_bids))
        return await self._page(condition, page)

    async def list_for_hubs(self, hub_ids: Sequence[uuid.UUID], page: PageParams) -> Page[TenderRead]:
        """The published tenders of the hubs `hub_ids` (public facts: what the hubs' producers may
        look at), those still taking bids first, the soonest deadline first, then the others, the
        latest deadline first."""
        tenders, total = await self.repo.page_open_first(sorted(set(hub_ids)), now(), page.offset, page.per_page)
        items = [await self.tender_read(t) for t in tenders]
        return Page(items=items, page=page.page, per_page=page.per_page, total=total)

    async def open_requiring(self, hub_ids: Sequence[uuid.UUID], credential_types: Sequence[str]) -> list[TenderRead]:
        """The published tenders of the hubs `hub_ids` that still take bids and require a credential
        of any of `credential_types` (public facts: what a producer's credentials open to it), the
        soonest deadline first; only those are read."""
        tenders = await self.repo.open_requiring(list(hub_ids), sorted(set(credential_types)), now())
        return [await self.tender_read(t) for t in tenders]

    async def _page(self, condition: list[ColumnElement[bool]], page: PageParams) -> Page[TenderRead]:
        tenders, total = await self.repo.page(condition, page.offset, page.per_page)
        items = [await self.tender_read(t) for t in tenders]
        return Page(items=items, page=page.page, per_page=page.per_page, total=total)

    async def _coordinated(self, principal: Principal, tender_id: uuid.UUID) -> Tender:
        """The tender, locked for a change by its hub's coordinators (`_require_coordinator`)."""
        tender = await self.repo.get(tender_id, lock="update")
        if tender is None:
            raise TenderNotFound("no such tender")
        _require_coordinator(principal, tender, *await hub_coordinator_standing(self.session, principal, tender.hub_id))
        return tender

    async def tender_read(self, tender: Tender, *, insider: bool = False) -> TenderRead:
        """`insider`: read by the hub's coordinators (who made each amendment is told to them only)."""
        pool = await self.pools.of_tender(tender.pool_id)
        lots = await self.repo.lots(tender.id)
        amendments = await self.repo.amendments(tender.id)
        submitted = await self.repo.count_submitted(tender.id) if tender.bids_opened() else None
        return _tender_read(tender, pool, lots, amendments, submitted, self.languages, insider=insider)


def _require_coordinator(principal: Principal, tender: Tender | TenderRow, hub_exists: bool, coordinates: bool) -> None:
    """Pass for the coordinators of the tender's hub (`hub_exists`, `coordinates`: the caller's
    standing in it). A draft exists only for them (`TenderNotFound`, 404, to anyone else); a
    published tender is public, so others get 403 (`marketplace.api.check_hub_coordinator`)."""
    if not tender.is_public() and not coordinates:
        raise TenderNotFound("no such tender")
    check_hub_coordinator(principal, hub_exists, coordinates)


def _tender_read(
    tender: Tender | TenderRow,
    pool: DemandPool | TenderPool,
    lots: Sequence[Lot | LotRow],
    amendments: Sequence[TenderAmendment | AmendmentRow],
    submitted_bids: int | None,
    languages: Sequence[str],
    *,
    insider: bool = False,
) -> TenderRead:
    """The tender as it is shown: the stored one with its pool, lots, amendments and the bids
    standing (counted only once they are opened), or its row as one tender's read fetches it
    (`TenderRepository.shown`). `insider`: read by the hub's coordinators (who made each amendment
    is told to them only)."""
    language = pool.language_for(languages)
    return TenderRead(
        id=tender.id,
        ocid=tender.ocid,
        pool_id=pool.id,
        hub_id=tender.hub_id,
        status=tender.status,
        title=pool.title(language),
        language=language,
        description=tender.description,
        item=item_of(pool),
        lots=[
            LotRead(
                id=lot.id,
                number=lot.number,
                name=lot.name,
                jurisdiction=lot.jurisdiction,
                delivery_point_id=lot.delivery_point_id,
                quantity=lot.quantity,
            )
            for lot in lots
        ],
        currency=pool.currency,
        reserve_unit_price=None
        if pool.reserve_unit_price_minor is None
        else from_minor(pool.reserve_unit_price_minor, pool.currency),
        bid_deadline=tender.bid_deadline,
        accepting_bids=tender.accepts_bids(now()),
        award_method=tender.award_method,
        preference_margin_percent=tender.preference_margin_percent,
        preferred_attributes=list(tender.preferred_attributes),
        required_credential_types=list(tender.required_credential_types),
        max_share_percent=tender.max_share_percent,
        min_award_quantity=tender.min_award_quantity,
        max_lots_per_supplier=tender.max_lots_per_supplier,
        amendments=[
            AmendmentRead(
                number=a.number,
                date=a.created_at,
                rationale=a.rationale,
                material=a.material,
                changes=a.changes,
                amended_by=a.amended_by if insider else None,
            )
            for a in amendments
        ],
        published_at=tender.published_at,
        bids_opened_at=tender.closed_at,
        number_of_bids=submitted_bids if tender.bids_opened() else None,
        cancelled_at=tender.cancelled_at,
        cancellation_reason=tender.cancellation_reason,
    )


def _deadline(deadline: dt.datetime) -> dt.datetime:
    """A deadline in the future, to the whole second (as OCDS publishes it: bids are taken until then)."""
    if deadline.tzinfo is None:
        raise InvalidInput.field("bid_deadline", "give a time zone (e.g. 2026-12-01T12:00:00Z)")
    if deadline <= now():
        raise InvalidInput.field("bid_deadline", "must be in the future")
    return deadline.replace(microsecond=0)


def _apply_terms(tender: Tender, pool: DemandPool, terms: TenderTerms) -> None:
    """Set the terms given (unset ones stay) and check they hold together."""
    if terms.award_method is not msgspec.UNSET:
        tender.award_method = terms.award_method
    if terms.preference_margin_percent is not msgspec.UNSET:
        tender.preference_margin_percent = terms.preference_margin_percent
    if terms.preferred_attributes is not msgspec.UNSET:
        tender.preferred_attributes = _attributes(terms.preferred_attributes)
    if terms.required_credential_types is not msgspec.UNSET:
        tender.required_credential_types = credential_types(
            terms.required_credential_types, "required_credential_types"
        )
    if terms.max_share_percent is not msgspec.UNSET:
        tender.max_share_percent = _share(terms.max_share_percent)
    if terms.min_award_quantity is not msgspec.UNSET:
        tender.min_award_quantity = (
            None
            if terms.min_award_quantity is None
            else quantity(terms.min_award_quantity, pool.unit, "min_award_quantity")
        )
    if terms.max_lots_per_supplier is not msgspec.UNSET:
        tender.max_lots_per_supplier = terms.max_lots_per_supplier
    if terms.description is not msgspec.UNSET:
        tender.description = terms.description.strip()
    _check_award_method(tender)


def _share(share: Decimal | None) -> Decimal | None:
    # Finite, below 1000 and to two decimals already (`schemas.Percent`).
    if share is not None and not Decimal(0) < share <= Decimal(100):
        raise InvalidInput.field("max_share_percent", "must be more than 0 and at most 100")
    return share


def _attributes(values: list[str]) -> list[str]:
    known = {a.value for a in InclusionAttribute}
    for i, attribute in enumerate(values):
        if attribute not in known:
            raise InvalidInput.field(f"preferred_attributes[{i}]", f"one of {', '.join(sorted(known))}")
    return list(dict.fromkeys(values))


def _check_award_method(tender: Tender) -> None:
    margin = tender.preference_margin_percent
    if tender.award_method is AwardMethod.lowest_evaluated_price:
        if margin is None or not Decimal(0) < margin < Decimal(100):
            raise InvalidInput.field(
                "preference_margin_percent", "lowest_evaluated_price needs a margin above 0 and below 100"
            )
        if not tender.preferred_attributes:
            tender.preferred_attributes = [a.value for a in InclusionAttribute]
    elif margin is not None:
        raise InvalidInput.field("preference_margin_percent", "a margin applies only with lowest_evaluated_price")


def _shown(value: Any) -> Any:
    """A term as the amendment record shows it (JSON-safe)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return list(value)
    return value.value if isinstance(value, AwardMethod) else value
