"""Scheduled work of bids."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from procurement.bid.service import BidService

_log = structlog.get_logger("borderhub.procurement")


async def close_due_tenders(sealing_secret: str, session: AsyncSession) -> None:
    """Every minute: close the tenders whose bid deadline passed and open their bids."""
    closed = await BidService(session, sealing_secret).close_due()
    if closed:
        _log.info("tenders closed and bids opened", count=closed)
