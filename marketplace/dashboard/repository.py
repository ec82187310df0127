"""The dashboards' SQL: each table is one aggregate query over a hub's orders, grouped by month and over
the whole period at once (GROUPING SETS), with every order converted into the hub's reporting currency
inside the query.

An order counts when it was placed in the period and was not cancelled or rejected; its month and day
are those of `created_at` in UTC; its value is its total converted at the rate `find_rate` chooses for
that day, rounded half-up per order.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.dashboard.schemas import CohortRow, FlowRow, InclusionRow, OrganizationRow, Period, TradeRow
from marketplace.kernel.db import rows_as
from marketplace.kernel.fx import conversion_factors_sql, conversion_params

_COUNTED = "o.hub_id = :hub_id AND o.status NOT IN ('cancelled', 'rejected')"

# The orders of the period, each with its converted value and both parties' places.
_VALUED = f"""
WITH hub_order AS (
    SELECT o.producer_organization_id AS producer, o.buyer_organization_id AS buyer, o.currency, o.total_minor,
           (o.created_at AT TIME ZONE 'UTC')::date AS day, o.delivery_jurisdiction AS destination,
           o.tender_reference IS NOT NULL AS awarded
    FROM marketplace.purchase_order o
    WHERE {_COUNTED} AND o.created_at >= :start AND o.created_at < :end
), factor AS (
    {conversion_factors_sql("SELECT DISTINCT currency, day FROM hub_order")}
), valued AS (
    SELECT h.producer, h.buyer, h.awarded, to_char(h.day, 'YYYY-MM') AS month,
           coalesce(p.subdivision, p.country) AS origin, h.destination,
           p.country <> left(h.destination, 2) AS cross_border,
           round(h.total_minor * f.factor)::bigint AS value
    FROM hub_order h
    JOIN factor f USING (currency, day)
    JOIN marketplace.organization p ON p.id = h.producer
    WHERE f.factor IS NOT NULL
)
"""

_PERCENT = "round(100.0 * {part} / nullif({whole}, 0), 2)"

_TRADE = (
    _VALUED
    + f"""
SELECT month, count(*) AS orders, coalesce(sum(value), 0)::bigint AS value_minor,
       coalesce(sum(value) FILTER (WHERE cross_border), 0)::bigint AS cross_border_value_minor,
       {_PERCENT.format(part="coalesce(sum(value) FILTER (WHERE cross_border), 0)", whole="sum(value)")}
           AS cross_border_percent,
       coalesce(sum(value) FILTER (WHERE awarded), 0)::bigint AS awarded_value_minor,
       count(DISTINCT producer) AS producers, count(DISTINCT buyer) AS buyers
FROM valued
GROUP BY GROUPING SETS ((month), ())
ORDER BY month NULLS FIRST
"""
)

_UNCONVERTED = f"""
SELECT count(*) FROM marketplace.purchase_order o
WHERE {_COUNTED} AND o.created_at >= :start AND o.created_at < :end
  AND NOT EXISTS (
      SELECT FROM marketplace.find_fx_rate(o.currency, :to_currency, (o.created_at AT TIME ZONE 'UTC')::date)
  )
"""

_FLOWS = (
    _VALUED
    + """
SELECT month, origin, destination, bool_or(cross_border) AS cross_border, count(*) AS orders,
       sum(value)::bigint AS value_minor, count(DISTINCT producer) AS producers, count(DISTINCT buyer) AS buyers
FROM valued
GROUP BY GROUPING SETS ((month, origin, destination), (origin, destination))
ORDER BY month NULLS FIRST, value_minor DESC, origin, destination
"""
)

# `any` counts a producer once however many attributes it has.
_INCLUSION = (
    _VALUED
    + f"""
, verified AS (
    SELECT organization_id, array_agg(attribute::text) || ARRAY['any'] AS attributes
    FROM marketplace.inclusion
    WHERE verified AND verified_by_hub_id = :hub_id
    GROUP BY organization_id
), total AS (
    SELECT month, sum(value) AS value, sum(value) FILTER (WHERE awarded) AS awarded
    FROM valued GROUP BY GROUPING SETS ((month), ())
), share AS (
    SELECT v.month, a.attribute, count(DISTINCT v.producer) AS producers, sum(v.value)::bigint AS value,
           coalesce(sum(v.value) FILTER (WHERE v.awarded), 0)::bigint AS awarded
    FROM valued v
    JOIN verified i ON i.organization_id = v.producer
    CROSS JOIN LATERAL unnest(i.attributes) AS a(attribute)
    GROUP BY GROUPING SETS ((v.month, a.attribute), (a.attribute))
)
SELECT s.month, s.attribute, s.producers,
       s.value AS order_value_minor, {_PERCENT.format(part="s.value", whole="t.value")} AS order_percent,
       s.awarded AS awarded_value_minor, {_PERCENT.format(part="s.awarded", whole="t.awarded")} AS awarded_percent
FROM share s JOIN total t ON t.month IS NOT DISTINCT FROM s.month
ORDER BY s.month NULLS FIRST, s.attribute
"""
)

_ORGANIZATIONS = (
    _VALUED
    + """
, active AS (
    SELECT DISTINCT month, 'producer' AS role, producer AS organization_id FROM valued
    UNION ALL SELECT DISTINCT month, 'buyer', buyer FROM valued
    UNION ALL SELECT DISTINCT NULL, 'producer', producer FROM valued
    UNION ALL SELECT DISTINCT NULL, 'buyer', buyer FROM valued
)
SELECT a.month, a.role, g.country, count(*) AS organizations, sum(g.employee_count) AS jobs
FROM active a JOIN marketplace.organization g ON g.id = a.organization_id
GROUP BY a.month, a.role, g.country
ORDER BY a.month NULLS FIRST, a.role DESC, g.country
"""
)

# A producer's cohort is the month of its first counted sale in the hub, at any time.
_COHORTS = (
    _VALUED
    + f"""
, first_sale AS (
    SELECT o.producer_organization_id AS producer,
           to_char(min(o.created_at) AT TIME ZONE 'UTC', 'YYYY-MM') AS cohort
    FROM marketplace.purchase_order o
    WHERE {_COUNTED} AND o.created_at < :end
    GROUP BY o.producer_organization_id
), sold AS (
    SELECT month, producer, sum(value)::bigint AS value FROM valued GROUP BY month, producer
    UNION ALL SELECT NULL, producer, sum(value)::bigint FROM valued GROUP BY producer
)
SELECT f.cohort, s.month, count(*) AS producers, sum(s.value)::bigint AS revenue_minor, sum(g.employee_count) AS jobs
FROM sold s
JOIN first_sale f USING (producer)
JOIN marketplace.organization g ON g.id = s.producer
GROUP BY f.cohort, s.month
ORDER BY f.cohort, s.month NULLS FIRST
"""
)


class DashboardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def params(hub_id: uuid.UUID, period: Period, currency: str) -> dict[str, Any]:
        return {"hub_id": hub_id, "start": period.start, "end": period.end, **conversion_params(currency)}

    async def trade(self, params: dict[str, Any]) -> list[TradeRow]:
        return await rows_as(self.session, _TRADE, params, TradeRow)

    async def unconverted(self, params: dict[str, Any]) -> int:
        return int((await self.session.execute(text(_UNCONVERTED), params)).scalar_one())

    async def flows(self, params: dict[str, Any]) -> list[FlowRow]:
        return await rows_as(self.session, _FLOWS, params, FlowRow)

    async def inclusion(self, params: dict[str, Any]) -> list[InclusionRow]:
        return await rows_as(self.session, _INCLUSION, params, InclusionRow)

    async def organizations(self, params: dict[str, Any]) -> list[OrganizationRow]:
        return await rows_as(self.session, _ORGANIZATIONS, params, OrganizationRow)

    async def cohorts(self, params: dict[str, Any]) -> list[CohortRow]:
        return await rows_as(self.session, _COHORTS, params, CohortRow)
