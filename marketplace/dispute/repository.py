"""All SQL of disputes."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.dispute.models import Dispute, DisputeMessage


class DisputeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *objects: object) -> None:
        self.session.add_all(objects)
        await self.session.flush()

    async def get(self, dispute_id: uuid.UUID) -> Dispute | None:
        return await self.session.get(Dispute, dispute_id)

    async def of_order(self, order_id: uuid.UUID) -> Dispute | None:
        return (
            await self.session.execute(select(Dispute).where(Dispute.order_id == order_id).with_for_update())
        ).scalar_one_or_none()

    async def messages(self, dispute_id: uuid.UUID) -> list[DisputeMessage]:
        rows = await self.session.execute(
            select(DisputeMessage).where(DisputeMessage.dispute_id == dispute_id).order_by(DisputeMessage.created_at)
        )
        return list(rows.scalars())
