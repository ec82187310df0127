"""The daily review of what advances owe: past due they fall into arrears, and after the consortium's
period in arrears what they still owe is written off against the guarantee fund."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from marketplace.financing import waterfall
from marketplace.financing.models import AdvanceStatus
from marketplace.financing.repository import FinancingRepository


async def review_advances(session: AsyncSession) -> None:
    """Scheduled daily (and idempotent: a second run the same day changes nothing)."""
    await review(session, clock.today())


async def review(session: AsyncSession, today: dt.date) -> None:
    repo = FinancingRepository(session)
    for advance_id in await repo.owing():
        advance = await repo.advance(advance_id, lock=True)
        consortium = None if advance is None else await repo.consortium(advance.consortium_id)
        found = None if advance is None else await repo.order_and_invoice(advance.order_id)
        if advance is None or consortium is None or found is None:
            continue
        if advance.status is not AdvanceStatus.in_arrears:
            since = await waterfall.overdue_since(session, advance, found[1], today)
            if since is not None:
                await waterfall.fall_into_arrears(session, advance, since, today)
        if (
            advance.status is AdvanceStatus.in_arrears
            and advance.in_arrears_since is not None
            and (today - advance.in_arrears_since).days >= consortium.arrears_write_off_days
        ):
            await waterfall.write_off(session, advance, await repo.funders(consortium.id), today)
