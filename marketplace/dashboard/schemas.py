"""Wire formats of hub dashboards.

Every table is a list of rows. A row whose `month` is null covers the whole period; the other rows
cover one calendar month (UTC), written `YYYY-MM`. The tables by month (`trade`, `procurement`) have
a row for every month of the period, of zeros for a month when nothing happened. Money is in minor
units of the hub's reporting currency, and the value of orders is net of VAT and of what disputes
credited (only `trade` also gives their VAT and gross value); percentages are decimal strings with two
places. In the public open-data summary a row with `suppressed: true` has its figures null: it had too
few organisations behind it, or its figure would give such a row's away (`suppression` says which).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

import msgspec


class Period(msgspec.Struct, kw_only=True, frozen=True):
    """Whole calendar months in UTC: the first day of the first, the last day of the last."""

    first_day: dt.date
    last_day: dt.date

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first_day, dt.time(), dt.UTC)

    @property
    def end(self) -> dt.datetime:
        """The first instant after the period."""
        return dt.datetime.combine(self.last_day + dt.timedelta(days=1), dt.time(), dt.UTC)


def months_between(first_day: dt.date, last_day: dt.date) -> list[str]:
    """Every calendar month from `first_day`'s to `last_day`'s, both included, written `YYYY-MM`."""
    first, last = first_day.year * 12 + first_day.month - 1, last_day.year * 12 + last_day.month - 1
    return [f"{index // 12:04d}-{index % 12 + 1:02d}" for index in range(first, last + 1)]


class Suppression(enum.StrEnum):
    """Why the open data hides a row's figures."""

    few_organizations = "few-organizations"
    """Too few organisations stand behind the row."""
    secondary = "secondary"
    """Published, the row's figures would give a hidden row's away by subtraction from a total."""


class Row(msgspec.Struct, kw_only=True, frozen=True):
    month: str | None
    """`YYYY-MM`, or null for the whole period."""
    suppressed: bool = False
    suppression: Suppression | None = None
    """Why the row is suppressed (null when it is not)."""


class TradeRow(Row, kw_only=True, frozen=True):
    orders: int | None
    value_minor: int | None
    """Net of VAT, after what disputes credited: the trade value every other figure is a part of."""
    vat_minor: int | None
    """The VAT charged on the same orders, after credits."""
    gross_value_minor: int | None
    """`value_minor` plus `vat_minor`: what the buyers owe for the orders."""
    cross_border_value_minor: int | None
    cross_border_percent: Decimal | None
    awarded_value_minor: int | None
    """Value of the orders placed from tender awards."""
    producers: int
    buyers: int


class FlowRow(Row, kw_only=True, frozen=True):
    origin: str
    """The producer's ISO 3166-2 subdivision, else its country."""
    destination: str
    """The order's delivery jurisdiction."""
    cross_border: bool
    orders: int | None
    value_minor: int | None
    producers: int
    buyers: int


class InclusionRow(Row, kw_only=True, frozen=True):
    attribute: str
    """`women_led`, `youth_led`, `minority_led`, `cooperative`, or `any` (at least one of them)."""
    producers: int
    """Producers with the attribute, verified by this hub, that sold in the row's period."""
    order_value_minor: int | None
    order_percent: Decimal | None
    awarded_value_minor: int | None
    awarded_percent: Decimal | None


class OrganizationRow(Row, kw_only=True, frozen=True):
    role: str
    """`producer` (sold) or `buyer` (bought) in the row's period."""
    country: str
    organizations: int | None
    jobs: int | None
    """Employees the organisations report, today."""


class ProcurementRow(Row, kw_only=True, frozen=True):
    tenders: int
    """Tenders whose bid deadline fell in the row's period and that were not cancelled before it."""
    lots: int
    offers: int
    bids_per_lot: Decimal | None
    lots_awarded: int
    lots_split: int
    """Lots awarded to more than one supplier."""
    split_percent: Decimal | None
    suppliers: int
    """Distinct suppliers awarded."""
    pooled_value_minor: int | None
    compared_pooled_minor: int | None
    """Pooled value of the units the savings report could compare with a listed price."""
    individual_minor: int | None
    """What the same units cost at the suppliers' listed volume prices."""
    savings_minor: int | None
    savings_percent: Decimal | None


class QuantityRow(Row, kw_only=True, frozen=True):
    unit: str
    """UN/CEFACT Rec 20 code."""
    quantity: Decimal


class CohortRow(Row, kw_only=True, frozen=True):
    cohort: str
    """`YYYY-MM` of the producers' first sale in this hub."""
    producers: int
    """Producers of the cohort that sold in the row's period (kept when the row is suppressed)."""
    revenue_minor: int | None
    jobs: int | None


class PooledProcurement(msgspec.Struct, kw_only=True, frozen=True):
    """The procurement package's contribution to a dashboard."""

    tenders: list[ProcurementRow]
    quantities: list[QuantityRow]


class Dashboard(msgspec.Struct, kw_only=True, frozen=True):
    hub_id: uuid.UUID
    hub_name: str
    currency: str
    """The hub's reporting currency; orders are converted at the rate recorded for their day."""
    first_day: dt.date
    last_day: dt.date
    refreshed_at: dt.datetime | None
    """When the worker last brought the order figures up to date (every minute); orders written since
    then show at the next refresh. Null before the first."""
    unconverted_orders: int
    """Orders left out because no exchange rate into the reporting currency was recorded by their day."""
    trade: list[TradeRow]
    flows: list[FlowRow]
    inclusion: list[InclusionRow]
    organizations: list[OrganizationRow]
    procurement: list[ProcurementRow]
    pooled_quantities: list[QuantityRow]
    cohorts: list[CohortRow]


class OpenData(Dashboard, kw_only=True, frozen=True):
    """The public summary: the same tables, aggregates only, with groups of fewer organisations than
    `minimum_group_size` suppressed."""

    minimum_group_size: int
    licence: str = "https://creativecommons.org/licenses/by/4.0/"
