"""What pooled procurement adds to a hub dashboard; wired into marketplace's dashboards by the app factory."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.api import Period, PooledProcurement
from procurement.dashboard.repository import ProcurementFiguresRepository


async def pooled_procurement(
    session: AsyncSession, hub_id: uuid.UUID, period: Period, currency: str
) -> PooledProcurement:
    """Tenders run, bids per lot, split awards, pooled quantities and value, and savings, by month of
    bid deadline. No access check: the dashboard service has checked the caller."""
    repository = ProcurementFiguresRepository(session)
    return PooledProcurement(
        tenders=await repository.tenders(hub_id, period, currency),
        quantities=await repository.quantities(hub_id, period),
    )
