"""All SQL of evaluation, award and allocation."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import Row, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from procurement.award.models import Allocation, Award, AwardLine, OfferScore
from procurement.db import Lock, locked
from procurement.tender.models import BidLine

#: First key of the advisory lock an evaluation holds (the second is the tender's), so a
#: reader can tell a running evaluation from a queued one.
_EVALUATION_LOCK = 7_301


class AwardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *objects: object) -> None:
        self.session.add_all(objects)
        await self.session.flush()

    async def of_tender(self, tender_id: uuid.UUID, *, lock: Lock = None) -> Award | None:
        statement = locked(select(Award).where(Award.tender_id == tender_id), lock)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def scores(self, tender_id: uuid.UUID) -> list[OfferScore]:
        statement = select(OfferScore).where(OfferScore.tender_id == tender_id).order_by(OfferScore.id)
        return list((await self.session.execute(statement)).scalars())

    async def lines(self, tender_id: uuid.UUID, *, final: bool) -> list[AwardLine]:
        statement = (
            select(AwardLine).where(AwardLine.tender_id == tender_id, AwardLine.final == final).order_by(AwardLine.id)
        )
        return list((await self.session.execute(statement)).scalars())

    async def allocations(self, tender_id: uuid.UUID, buyer_id: uuid.UUID | None = None) -> list[Allocation]:
        """The tender's allocations; with `buyer_id`, only that buyer's."""
        statement = select(Allocation).where(Allocation.tender_id == tender_id)
        if buyer_id is not None:
            statement = statement.where(Allocation.buyer_organization_id == buyer_id)
        return list((await self.session.execute(statement.order_by(Allocation.id))).scalars())

    async def priced_final_lines(
        self, tender_id: uuid.UUID
    ) -> list[Row[uuid.UUID, uuid.UUID, uuid.UUID, Decimal, int, str]]:
        """The final award lines with their bid price: (lot_id, bid_id, organization_id, quantity,
        unit_price_minor, currency), for publishing."""
        statement = (
            select(
                AwardLine.lot_id,
                AwardLine.bid_id,
                AwardLine.organization_id,
                AwardLine.quantity,
                BidLine.unit_price_minor,
                BidLine.currency,
            )
            .join(BidLine, (BidLine.bid_id == AwardLine.bid_id) & (BidLine.lot_id == AwardLine.lot_id))
            .where(AwardLine.tender_id == tender_id, AwardLine.final.is_(True))
            .order_by(AwardLine.id)
        )
        return list(await self.session.execute(statement))

    async def contract_rows(
        self, tender_id: uuid.UUID
    ) -> list[Row[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID, Decimal, int, str]]:
        """What each allocation's order is, for publishing: (order_id, lot_id, bid_id, buyer, supplier,
        quantity, unit_price_minor, currency) — plain rows, as a big tender has tens of thousands."""
        statement = (
            select(
                Allocation.order_id,
                Allocation.lot_id,
                Allocation.bid_id,
                Allocation.buyer_organization_id,
                Allocation.supplier_organization_id,
                Allocation.quantity,
                Allocation.unit_price_minor,
                Allocation.currency,
            )
            .where(Allocation.tender_id == tender_id)
            .order_by(Allocation.id)
        )
        return list(await self.session.execute(statement))

    async def hold_evaluation_lock(self, tender_id: uuid.UUID) -> None:
        """Mark the tender's evaluation as running until this transaction ends."""
        await self.session.execute(
            select(func.pg_advisory_xact_lock(_EVALUATION_LOCK, _key(tender_id))),
        )

    async def evaluation_running(self, tender_id: uuid.UUID) -> bool:
        statement = text(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = :class "
            "AND objid = (:key)::oid AND objsubid = 2 AND granted)"
        )
        key = _key(tender_id)
        return bool((await self.session.execute(statement, {"class": _EVALUATION_LOCK, "key": key})).scalar())


def _key(tender_id: uuid.UUID) -> int:
    # pg_locks shows a two-key advisory lock's keys as oids (unsigned): keep the key non-negative.
    return tender_id.int % 2**31
