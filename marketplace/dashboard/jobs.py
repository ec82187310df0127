"""The dashboards' scheduled work."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.dashboard.repository import DashboardRepository

_log = structlog.get_logger("borderhub.dashboard")


async def refresh_dashboards(session: AsyncSession) -> None:
    """Minutely: bring the order summary up to date with new or changed orders and exchange rates."""
    months = await DashboardRepository(session).refresh()
    if months:
        _log.info("dashboards refreshed", months=months)
