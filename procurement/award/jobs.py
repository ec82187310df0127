"""Background work of awards."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from procurement.award.service import AwardService
from procurement.events import BidsOpened

_log = structlog.get_logger("borderhub.procurement")


async def evaluate_tender(time_limit: float, stripe_enabled: bool, session: AsyncSession, event: BidsOpened) -> None:
    """When a tender's bids are opened: score them and propose the award (idempotent)."""
    if await AwardService(session, time_limit=time_limit, stripe_enabled=stripe_enabled).evaluate(event.tender_id):
        _log.info("tender evaluated", tender_id=str(event.tender_id))
