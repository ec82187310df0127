"""Scheduled work of tenders."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from procurement.tender.service import TenderService

_log = structlog.get_logger("borderhub.procurement")


async def close_due_tenders(sealing_secret: str, ocid_prefix: str, session: AsyncSession) -> None:
    """Every minute: close the tenders whose bid deadline passed and open their bids."""
    closed = await TenderService(session, sealing_secret, ocid_prefix).close_due()
    if closed:
        _log.info("tenders closed and bids opened", count=closed)
