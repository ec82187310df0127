"""Hub dashboards: the coordinators' figures, and the public's suppressed summary of them."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import InvalidInput, NotFound
from marketplace.dashboard.disclosure import disclose
from marketplace.dashboard.repository import DashboardRepository
from marketplace.dashboard.schemas import (
    Dashboard,
    OpenData,
    Period,
    PooledProcurement,
    ProcurementRow,
    Row,
    TradeRow,
    months_between,
)
from marketplace.hub.models import Hub
from marketplace.hub.repository import HubRepository
from marketplace.hub.service import HubService

#: No published figure stands for fewer organisations than this (see `disclosure`).
MINIMUM_GROUP_SIZE = 5
#: Ten years of months is more than any report needs and keeps one request's work bounded.
MAX_MONTHS = 120
FIRST_YEAR, LAST_YEAR = 1900, 2999
_YYYY_MM = re.compile(r"[0-9]{4}-[0-9]{2}")

R = TypeVar("R", bound=Row)


@runtime_checkable
class PooledProcurementSource(Protocol):
    """Pooled procurement's figures for a hub and period in a currency. `procurement` provides it; the
    app factory passes it in, so marketplace never imports procurement."""

    async def __call__(
        self, session: AsyncSession, hub_id: uuid.UUID, period: Period, currency: str
    ) -> PooledProcurement: ...


def _month(value: str, parameter: str) -> dt.date:
    # strptime alone would also take "2026-1": the month is read as documented, two digits, nothing looser.
    try:
        if not _YYYY_MM.fullmatch(value):
            raise ValueError(value)
        month = dt.datetime.strptime(value, "%Y-%m").replace(tzinfo=dt.UTC).date()
    except ValueError:
        raise InvalidInput.query(parameter, f"a month written YYYY-MM, not {value[:20]!r}") from None
    # Bounded so that the default start (a year earlier) and the month after the end stay valid dates.
    if not FIRST_YEAR <= month.year <= LAST_YEAR:
        raise InvalidInput.query(parameter, f"a month from {FIRST_YEAR}-01 to {LAST_YEAR}-12")
    return month


def period_of(first_month: str | None, last_month: str | None, today: dt.date) -> Period:
    """Whole calendar months, `from` to `to` included (`YYYY-MM`); by default the twelve months up to
    and including this one. Raises `InvalidInput` naming `from` or `to` for a malformed, reversed or
    over-long period."""
    last = _month(last_month, "to") if last_month else today.replace(day=1)
    if first_month:
        first = _month(first_month, "from")
    else:
        index = last.year * 12 + last.month - 12
        first = dt.date(index // 12, index % 12 + 1, 1)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months < 1:
        raise InvalidInput.query("from", f"the period starts ({first:%Y-%m}) after it ends ({last:%Y-%m})")
    if months > MAX_MONTHS:
        raise InvalidInput.query("to", f"a period spans at most {MAX_MONTHS} months")
    following = dt.date(last.year + last.month // 12, last.month % 12 + 1, 1)
    return Period(first_day=first, last_day=following - dt.timedelta(days=1))


def every_month(rows: Sequence[R], period: Period, empty: Callable[[str], R]) -> list[R]:
    """A table by month with a row for every month of the period: the whole period's row first, then
    each month in order, `empty(month)` (its zeros) for a month without one."""
    by_month = {row.month: row for row in rows if row.month is not None}
    whole = [row for row in rows if row.month is None]
    return whole + [by_month.get(month) or empty(month) for month in months_between(period.first_day, period.last_day)]


def no_trade(month: str) -> TradeRow:
    return TradeRow(
        month=month,
        orders=0,
        value_minor=0,
        vat_minor=0,
        gross_value_minor=0,
        cross_border_value_minor=0,
        cross_border_percent=None,
        awarded_value_minor=0,
        producers=0,
        buyers=0,
    )


def no_tenders(month: str) -> ProcurementRow:
    return ProcurementRow(
        month=month,
        tenders=0,
        lots=0,
        offers=0,
        bids_per_lot=None,
        lots_awarded=0,
        lots_split=0,
        split_percent=None,
        suppliers=0,
        pooled_value_minor=0,
        compared_pooled_minor=0,
        individual_minor=0,
        savings_minor=0,
        savings_percent=None,
    )


class DashboardService:
    def __init__(self, session: AsyncSession, procurement: PooledProcurementSource) -> None:
        self.session = session
        self.repo = DashboardRepository(session)
        self.procurement = procurement

    async def dashboard(self, principal: Principal, hub_id: uuid.UUID, period: Period) -> Dashboard:
        """Every figure of the hub for the period, with every month of it in the tables by month (an
        empty month as zeros). Only its coordinators may read it (403 otherwise)."""
        hub = await HubService(self.session).coordinated_hub(principal, hub_id)
        return await self._figures(hub, period)

    async def open_data(self, hub_id: uuid.UUID, period: Period) -> OpenData:
        """The public summary: aggregates only, groups smaller than `MINIMUM_GROUP_SIZE` suppressed."""
        hub = await HubRepository(self.session).get(hub_id)
        if hub is None:
            raise NotFound("no such hub")
        return disclose(await self._figures(hub, period), MINIMUM_GROUP_SIZE)

    async def _figures(self, hub: Hub, period: Period) -> Dashboard:
        params = self.repo.params(hub.id, period)
        pooled = await self.procurement(self.session, hub.id, period, hub.reporting_currency)
        return Dashboard(
            hub_id=hub.id,
            hub_name=hub.name,
            currency=hub.reporting_currency,
            first_day=period.first_day,
            last_day=period.last_day,
            refreshed_at=await self.repo.refreshed_at(),
            unconverted_orders=await self.repo.unconverted(params),
            trade=every_month(await self.repo.trade(params), period, no_trade),
            flows=await self.repo.flows(params),
            inclusion=await self.repo.inclusion(params),
            organizations=await self.repo.organizations(params),
            procurement=every_month(pooled.tenders, period, no_tenders),
            pooled_quantities=pooled.quantities,
            cohorts=await self.repo.cohorts(params),
        )
