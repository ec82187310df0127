"""All SQL of tenders, lots and amendments, and what a tender tells of its bids (how many, whose)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import fetch_as
from marketplace.api import coordinator_standing_sql
from procurement.db import Lock, locked
from procurement.pool.models import DemandPool
from procurement.tender.models import Bid, BidStatus, Lot, Tender, TenderAmendment, TenderRow, TenderStatus

# The tender ($1) and the reader ($2, NULL for nobody). Quantities go through JSON as text, so they
# arrive exact (a JSON number would be a float); times as ISO text in UTC (the connections' zone).
_SHOWN = f"""
SELECT t.id, t.ocid, t.pool_id, t.hub_id, t.status, t.description, t.bid_deadline, t.award_method,
       t.preference_margin_percent, t.preferred_attributes, t.required_credential_types, t.max_share_percent,
       t.min_award_quantity, t.max_lots_per_supplier, t.published_at, t.closed_at, t.cancelled_at,
       t.cancellation_reason,
       json_build_object('id', p.id, 'classification_scheme', p.classification_scheme,
                         'classification_code', p.classification_code, 'unit', p.unit,
                         'translations', p.translations, 'default_language', p.default_language,
                         'quality_notes', p.quality_notes, 'currency', p.currency,
                         'reserve_unit_price_minor', p.reserve_unit_price_minor) AS pool,
       COALESCE((SELECT json_agg(json_build_object('id', l.id, 'number', l.number, 'name', l.name,
                                                   'jurisdiction', l.jurisdiction,
                                                   'delivery_point_id', l.delivery_point_id,
                                                   'quantity', l.quantity::text) ORDER BY l.number)
                 FROM procurement.lot l WHERE l.tender_id = t.id), '[]') AS lots,
       COALESCE((SELECT json_agg(json_build_object('number', a.number, 'created_at', a.created_at,
                                                   'rationale', a.rationale, 'material', a.material,
                                                   'changes', a.changes, 'amended_by', a.amended_by) ORDER BY a.number)
                 FROM procurement.tender_amendment a WHERE a.tender_id = t.id), '[]') AS amendments,
       (SELECT count(*) FROM procurement.bid b WHERE b.tender_id = t.id AND b.status = 'submitted') AS submitted_bids,
       {coordinator_standing_sql("$2", "t.hub_id")}
FROM procurement.tender t JOIN procurement.demand_pool p ON p.id = t.pool_id
WHERE t.id = $1
"""  # noqa: S608 - the fragments are constants


class TenderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *objects: object) -> None:
        self.session.add_all(objects)
        await self.session.flush()

    async def get(self, tender_id: uuid.UUID, *, lock: Lock = None) -> Tender | None:
        statement = locked(select(Tender).where(Tender.id == tender_id), lock)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def shown(self, tender_id: uuid.UUID, reader_id: uuid.UUID | None) -> TenderRow | None:
        """The tender as it is read, with its pool's part, lots, amendments, the number of bids
        standing and the reader's (None: nobody's) standing in its hub. Every tender page reads it:
        one statement sent past SQLAlchemy (`kernel.db.fetch_as`), whose own work for the stored
        objects' statements (tender, pool, lots, amendments, bids, inside BEGIN and COMMIT) cost
        several times the queries themselves."""
        found = await fetch_as(self.session, _SHOWN, TenderRow, tender_id, reader_id)
        return found[0] if found else None

    async def live_for_pool(self, pool_id: uuid.UUID) -> Tender | None:
        return (
            await self.session.execute(
                select(Tender).where(Tender.pool_id == pool_id, Tender.status != TenderStatus.cancelled)
            )
        ).scalar_one_or_none()

    async def page(self, condition: list[ColumnElement[bool]], offset: int, limit: int) -> tuple[list[Tender], int]:
        total = (await self.session.execute(select(func.count()).select_from(Tender).where(*condition))).scalar_one()
        rows = await self.session.execute(
            select(Tender).where(*condition).order_by(Tender.bid_deadline.desc(), Tender.id).offset(offset).limit(limit)
        )
        return list(rows.scalars()), int(total)

    async def page_open_first(
        self, hub_ids: list[uuid.UUID], now: dt.datetime, offset: int, limit: int
    ) -> tuple[list[Tender], int]:
        """The published tenders of `hub_ids`: those still taking bids at `now` first (the soonest
        deadline first), then the others (the latest deadline first)."""
        if not hub_ids:
            return [], 0
        condition = [Tender.hub_id.in_(hub_ids), Tender.published_at.is_not(None)]
        taking_bids = and_(Tender.status == TenderStatus.published, Tender.bid_deadline > now)
        total = (await self.session.execute(select(func.count()).select_from(Tender).where(*condition))).scalar_one()
        rows = await self.session.execute(
            select(Tender)
            .where(*condition)
            .order_by(
                case((taking_bids, 0), else_=1),
                case((taking_bids, Tender.bid_deadline)),
                Tender.bid_deadline.desc(),
                Tender.id,
            )
            .offset(offset)
            .limit(limit)
        )
        return list(rows.scalars()), int(total)

    async def awaiting_coordinators(self, hub_id: uuid.UUID, now: dt.datetime) -> list[tuple[Tender, DemandPool]]:
        """The hub's tenders past their deadline and not yet awarded (published, closed or evaluated),
        with their pools (for the title): the earliest deadline first (one statement)."""
        rows = await self.session.execute(
            select(Tender, DemandPool)
            .join(DemandPool, DemandPool.id == Tender.pool_id)
            .where(
                Tender.hub_id == hub_id,
                Tender.status.in_((TenderStatus.published, TenderStatus.closed, TenderStatus.evaluated)),
                Tender.bid_deadline <= now,
            )
            .order_by(Tender.bid_deadline, Tender.id)
        )
        return [(tender, pool) for tender, pool in rows.all()]

    async def open_requiring(
        self, hub_ids: list[uuid.UUID], credential_types: list[str], now: dt.datetime
    ) -> list[Tender]:
        """The published tenders of `hub_ids` still taking bids at `now` that require any of
        `credential_types`, the soonest deadline first."""
        if not hub_ids or not credential_types:
            return []
        rows = await self.session.execute(
            select(Tender)
            .where(
                Tender.hub_id.in_(hub_ids),
                Tender.status == TenderStatus.published,
                Tender.bid_deadline > now,
                Tender.required_credential_types.overlap(credential_types),
            )
            .order_by(Tender.bid_deadline, Tender.id)
        )
        return list(rows.scalars())

    async def due_for_opening(self, now: dt.datetime) -> list[uuid.UUID]:
        rows = await self.session.execute(
            select(Tender.id)
            .where(Tender.status == TenderStatus.published, Tender.bid_deadline <= now)
            .order_by(Tender.bid_deadline, Tender.id)
            .with_for_update(skip_locked=True)
        )
        return list(rows.scalars())

    async def lots(self, tender_id: uuid.UUID) -> list[Lot]:
        rows = await self.session.execute(select(Lot).where(Lot.tender_id == tender_id).order_by(Lot.number))
        return list(rows.scalars())

    async def count_submitted(self, tender_id: uuid.UUID) -> int:
        statement = select(func.count()).where(Bid.tender_id == tender_id, Bid.status == BidStatus.submitted)
        return int((await self.session.execute(statement)).scalar_one())

    async def bidder_ids(self, tender_id: uuid.UUID) -> list[uuid.UUID]:
        """Organisations with a bid standing (for notices; never shown to anyone before opening)."""
        rows = await self.session.execute(
            select(Bid.organization_id)
            .where(Bid.tender_id == tender_id, Bid.status == BidStatus.submitted)
            .order_by(Bid.organization_id)
        )
        return list(rows.scalars())

    async def amendments(self, tender_id: uuid.UUID) -> list[TenderAmendment]:
        rows = await self.session.execute(
            select(TenderAmendment).where(TenderAmendment.tender_id == tender_id).order_by(TenderAmendment.number)
        )
        return list(rows.scalars())
