"""All SQL of disputes."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from marketplace.dispute.models import Dispute, DisputeMessage, DisputeStatus
from marketplace.order.models import Order
from marketplace.organization.models import Organization


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

    async def waiting_in_hub(self, hub_id: uuid.UUID) -> list[tuple[Dispute, str, str]]:
        """The hub's disputes not resolved yet, with the buyer's and the producer's names, the
        oldest first (one statement)."""
        buyer, producer = aliased(Organization), aliased(Organization)
        rows = await self.session.execute(
            select(Dispute, buyer.legal_name, producer.legal_name)
            .join(Order, Order.id == Dispute.order_id)
            .join(buyer, buyer.id == Order.buyer_organization_id)
            .join(producer, producer.id == Order.producer_organization_id)
            .where(Order.hub_id == hub_id, Dispute.status != DisputeStatus.resolved)
            .order_by(Dispute.created_at, Dispute.id)
        )
        return [(dispute, buyer_name, producer_name) for dispute, buyer_name, producer_name in rows.all()]

    async def decided_in_hub(
        self, hub_id: uuid.UUID, offset: int, limit: int
    ) -> tuple[list[tuple[Dispute, str, str]], int]:
        """One page of the hub's resolved disputes, with the buyer's and the producer's names, the
        latest decided first, and how many there are (two statements)."""
        buyer, producer = aliased(Organization), aliased(Organization)
        condition = (Order.hub_id == hub_id, Dispute.status == DisputeStatus.resolved)
        total = (
            await self.session.execute(
                select(func.count()).select_from(Dispute).join(Order, Order.id == Dispute.order_id).where(*condition)
            )
        ).scalar_one()
        rows = await self.session.execute(
            select(Dispute, buyer.legal_name, producer.legal_name)
            .join(Order, Order.id == Dispute.order_id)
            .join(buyer, buyer.id == Order.buyer_organization_id)
            .join(producer, producer.id == Order.producer_organization_id)
            .where(*condition)
            .order_by(Dispute.resolved_at.desc(), Dispute.id)
            .offset(offset)
            .limit(limit)
        )
        return [(dispute, buyer_name, producer_name) for dispute, buyer_name, producer_name in rows.all()], int(total)
