"""All SQL of bids."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from procurement.tender.models import Bid, BidLine, BidStatus


class BidRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *objects: object) -> None:
        self.session.add_all(objects)
        await self.session.flush()

    async def of(self, tender_id: uuid.UUID, organization_id: uuid.UUID, *, for_update: bool = False) -> Bid | None:
        statement = select(Bid).where(Bid.tender_id == tender_id, Bid.organization_id == organization_id)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def submitted(self, tender_id: uuid.UUID) -> list[Bid]:
        rows = await self.session.execute(
            select(Bid)
            .where(Bid.tender_id == tender_id, Bid.status == BidStatus.submitted)
            .order_by(Bid.submitted_at, Bid.id)
        )
        return list(rows.scalars())

    async def lines(self, bid_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[BidLine]]:
        result: dict[uuid.UUID, list[BidLine]] = {bid_id: [] for bid_id in bid_ids}
        if bid_ids:
            rows = await self.session.execute(select(BidLine).where(BidLine.bid_id.in_(bid_ids)))
            for line in rows.scalars():
                result[line.bid_id].append(line)
        return result
