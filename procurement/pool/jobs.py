"""Scheduled work of demand pools."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from procurement.pool.service import PoolService

_log = structlog.get_logger("borderhub.procurement")


async def close_due_pools(session: AsyncSession) -> None:
    """Every minute: end the windows that are over (closed, or failed below the minimum)."""
    closed = await PoolService(session).close_due()
    if closed:
        _log.info("pools closed", count=closed)
