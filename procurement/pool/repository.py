"""All SQL of demand pools and commitments."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import fetch_as
from marketplace.api import sees_hub_sql
from procurement.db import Lock, locked
from procurement.pool.models import Commitment, DeliveryPoint, DemandPool, PoolRow, PoolStatus

# The reader ($1) and the pool ($2). Quantities go through JSON as text, so they arrive exact (a JSON
# number would be a float).
_SHOWN = f"""
SELECT p.id, p.hub_id, p.status, p.classification_scheme, p.classification_code, p.unit, p.translations,
       p.default_language, p.quality_notes, p.required_credential_types, p.currency, p.reserve_unit_price_minor,
       p.minimum_total_quantity, p.opens_at, p.closes_at, p.closed_at, p.created_at,
       COALESCE((SELECT json_agg(json_build_object('id', d.id, 'name', d.name, 'jurisdiction', d.jurisdiction,
                                                   'address', d.address) ORDER BY d.position)
                 FROM procurement.delivery_point d WHERE d.pool_id = p.id), '[]') AS delivery_points,
       COALESCE((SELECT json_object_agg(c.delivery_point_id, c.quantity::text)
                 FROM (SELECT delivery_point_id, sum(quantity) AS quantity FROM procurement.commitment
                       WHERE pool_id = p.id AND withdrawn_at IS NULL GROUP BY delivery_point_id) c),
                '{{}}') AS committed,
       {sees_hub_sql("$1", "p.hub_id")} AS visible
FROM procurement.demand_pool p WHERE p.id = $2
"""  # noqa: S608 - the fragments are constants


class PoolRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *objects: object) -> None:
        self.session.add_all(objects)
        await self.session.flush()

    async def get(self, pool_id: uuid.UUID, *, lock: Lock = None) -> DemandPool | None:
        statement = locked(select(DemandPool).where(DemandPool.id == pool_id), lock)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def shown(self, user_id: uuid.UUID, pool_id: uuid.UUID) -> PoolRow | None:
        """The pool as it is read, with its delivery points, the running totals and whether the reader
        sees it: one statement (sent past SQLAlchemy: `kernel.db.fetch_as`)."""
        found = await fetch_as(self.session, _SHOWN, PoolRow, user_id, pool_id)
        return found[0] if found else None

    async def of_tender(self, pool_id: uuid.UUID) -> DemandPool:
        """A tender's pool (pools are never deleted, so it is always there)."""
        pool = await self.get(pool_id)
        if pool is None:
            raise LookupError(f"pool {pool_id} of a tender is missing")
        return pool

    async def page(
        self, hub_ids: set[uuid.UUID], status: PoolStatus | None, offset: int, limit: int
    ) -> tuple[list[DemandPool], int]:
        condition: list[ColumnElement[bool]] = [DemandPool.hub_id.in_(hub_ids)]
        if status is not None:
            condition.append(DemandPool.status == status)
        total = (
            await self.session.execute(select(func.count()).select_from(DemandPool).where(*condition))
        ).scalar_one()
        rows = await self.session.execute(
            select(DemandPool)
            .where(*condition)
            .order_by(DemandPool.closes_at.desc(), DemandPool.id)
            .offset(offset)
            .limit(limit)
        )
        return list(rows.scalars()), int(total)

    async def closing_between(self, hub_id: uuid.UUID, first: dt.datetime, last: dt.datetime) -> list[DemandPool]:
        """The hub's open pools whose window closes in [first, last], the soonest first."""
        rows = await self.session.execute(
            select(DemandPool)
            .where(
                DemandPool.hub_id == hub_id,
                DemandPool.status == PoolStatus.open,
                DemandPool.closes_at >= first,
                DemandPool.closes_at <= last,
            )
            .order_by(DemandPool.closes_at, DemandPool.id)
        )
        return list(rows.scalars())

    async def due_for_closing(self, now: dt.datetime) -> list[uuid.UUID]:
        rows = await self.session.execute(
            select(DemandPool.id)
            .where(DemandPool.status == PoolStatus.open, DemandPool.closes_at <= now)
            .order_by(DemandPool.closes_at, DemandPool.id)
            .with_for_update(skip_locked=True)
        )
        return list(rows.scalars())

    async def delivery_points(self, pool_id: uuid.UUID) -> list[DeliveryPoint]:
        rows = await self.session.execute(
            select(DeliveryPoint).where(DeliveryPoint.pool_id == pool_id).order_by(DeliveryPoint.position)
        )
        return list(rows.scalars())

    async def committed_quantities(self, pool_id: uuid.UUID) -> dict[uuid.UUID, Decimal]:
        """The active commitments' total per delivery point (points without any are absent)."""
        rows = await self.session.execute(
            select(Commitment.delivery_point_id, func.sum(Commitment.quantity))
            .where(Commitment.pool_id == pool_id, Commitment.withdrawn_at.is_(None))
            .group_by(Commitment.delivery_point_id)
        )
        return {row[0]: row[1] for row in rows.all()}

    async def commitment(self, pool_id: uuid.UUID, commitment_id: uuid.UUID) -> Commitment | None:
        return (
            await self.session.execute(
                select(Commitment)
                .where(Commitment.id == commitment_id, Commitment.pool_id == pool_id)
                .with_for_update()
            )
        ).scalar_one_or_none()

    async def commitment_at(
        self, pool_id: uuid.UUID, organization_id: uuid.UUID, delivery_point_id: uuid.UUID
    ) -> Commitment | None:
        return (
            await self.session.execute(
                select(Commitment)
                .where(
                    Commitment.pool_id == pool_id,
                    Commitment.organization_id == organization_id,
                    Commitment.delivery_point_id == delivery_point_id,
                )
                .with_for_update()
            )
        ).scalar_one_or_none()

    async def commitments(self, pool_id: uuid.UUID, organization_ids: set[uuid.UUID] | None) -> list[Commitment]:
        """The pool's commitments (of these organisations only, given a set), withdrawn ones included."""
        statement = select(Commitment).where(Commitment.pool_id == pool_id)
        if organization_ids is not None:
            statement = statement.where(Commitment.organization_id.in_(organization_ids))
        rows = await self.session.execute(statement.order_by(Commitment.created_at, Commitment.id))
        return list(rows.scalars())

    async def participants(self, pool_id: uuid.UUID) -> list[uuid.UUID]:
        """The organisations with an active commitment, in id order."""
        rows = await self.session.execute(
            select(Commitment.organization_id)
            .where(Commitment.pool_id == pool_id, Commitment.withdrawn_at.is_(None))
            .distinct()
            .order_by(Commitment.organization_id)
        )
        return list(rows.scalars())
