"""The daily review of what advances owe: past due they fall into arrears (and out again once up to date),
and after the consortium's period in arrears what they still owe is written off against the guarantee fund."""

from __future__ import annotations

import datetime as dt

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import audit, clock
from marketplace.financing import waterfall
from marketplace.financing.models import Advance, AdvanceStatus
from marketplace.financing.repository import FinancingRepository

_log = structlog.get_logger("borderhub.financing")


async def review_advances(session: AsyncSession) -> None:
    """Scheduled daily (and idempotent: a second run the same day changes nothing)."""
    await review(session, clock.today())


async def review(session: AsyncSession, today: dt.date) -> None:
    """Each advance in a savepoint of its own, so one that fails is left for the next run and the
    others are reviewed; each change is audited (by the service, no person)."""
    repo = FinancingRepository(session)
    for advance_id in await repo.owing():
        try:
            async with session.begin_nested():
                advance = await repo.advance(advance_id, lock=True)
                if advance is not None:
                    await _review_one(session, repo, advance, today)
        except Exception:  # noqa: BLE001 - logged and retried tomorrow; the others go on
            _log.exception("advance review failed", advance_id=str(advance_id))


async def _review_one(session: AsyncSession, repo: FinancingRepository, advance: Advance, today: dt.date) -> None:
    consortium = await repo.consortium(advance.consortium_id)
    found = await repo.order_and_invoice(advance.order_id)
    if consortium is None or found is None:
        return
    before = advance.status
    since = await waterfall.overdue_since(session, advance, found[1], today)
    if advance.status is not AdvanceStatus.in_arrears and since is not None:
        await waterfall.fall_into_arrears(session, advance, since, today)
    elif advance.status is AdvanceStatus.in_arrears and since is None:
        await waterfall.catch_up(session, advance, today)
    if (
        advance.status is AdvanceStatus.in_arrears
        and advance.in_arrears_since is not None
        and (today - advance.in_arrears_since).days >= consortium.arrears_write_off_days
    ):
        await waterfall.write_off(session, advance, await repo.funders(consortium.id), today)
    if advance.status is not before:
        await audit.record(
            session,
            None,
            f"advance.{advance.status.value}",
            object_type="advance",
            object_id=advance.id,
            organization_id=advance.producer_organization_id,
            hub_id=advance.hub_id,
            before={"status": before.value},
            after={"status": advance.status.value, "in_arrears_since": str(advance.in_arrears_since)},
        )
