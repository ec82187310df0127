"""The dashboards' SQL: keeping the order summary current, and one aggregate query per table over it,
grouped by month and over the whole period at once (GROUPING SETS).

An order counts when it was not cancelled or rejected, nor refunded in full by a dispute's decision; its
month and day are those of `created_at` in UTC. Its value is what its goods were worth in the end, net
of VAT (VAT is not trade: the same goods sold from Germany and from Poland differ only by it) and of
what a dispute's decision credited (`NET_OF_VAT`); its VAT is kept beside it, and the two add up to
what the buyer owes after credits. Both are converted into the hub's reporting currency at the rate
`find_rate` chooses for that day, rounded half-up per order. Every value of every table (trade, its
cross-border and awarded parts, flows, inclusion shares, cohorts' revenue) is the net one; only the
trade table also gives the VAT and the gross. Orders with no such rate are counted apart
(`unconverted_orders`) and left out of every figure.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import rows_as
from kernel.fx import conversion_factors_sql, conversion_params
from marketplace.dashboard.schemas import CohortRow, FlowRow, InclusionRow, OrganizationRow, Period, TradeRow

# --- keeping the summary current ---------------------------------------------------------------------

#: Transaction-level advisory lock: one refresh at a time.
REFRESH_LOCK = 7302
#: A change is looked for again this long after it was seen, so that an order written by a transaction
#: that committed after a refresh started (with an earlier `updated_at`) is never missed.
OVERLAP = dt.timedelta(minutes=10)

#: An order's value net of VAT after credits, in its currency, with `o` the order. Its `total_minor` is
#: gross (the lines' net plus `vat_minor`) and `credited_minor` is taken off that gross total, so the VAT
#: share leaves with a credit in proportion:
#:     net = (total - credited) * (total - vat) / total,
#: rounded half-up in integer arithmetic (numeric, so the product cannot overflow), and 0 when the total
#: is 0. Its VAT after credits is `(total - credited) - net`, so net and VAT add up to what is owed. With
#: no VAT it is `total - credited`, the value counted before orders carried VAT. An order nothing was
#: credited on (nearly all) takes the exact shortcut `total - vat`: numeric division for every order
#: made rebuilding the summary a third slower.
NET_OF_VAT = """CASE WHEN o.credited_minor = 0 THEN o.total_minor - o.vat_minor
    ELSE coalesce(div(2 * (o.total_minor - o.credited_minor)::numeric * (o.total_minor - o.vat_minor)
        + o.total_minor, nullif(2 * o.total_minor, 0)), 0) END"""

# The (hub, month) slices to rebuild: months with orders written since the last refresh, months still
# holding orders without a rate (it may have arrived), and months from the earliest day whose rate was
# stored or corrected since then.
_DIRTY = """
CREATE TEMP TABLE dirty_month AS
SELECT DISTINCT o.hub_id, date_trunc('month', o.created_at AT TIME ZONE 'UTC')::date AS month
FROM marketplace.purchase_order o
WHERE o.updated_at > :orders_seen
UNION
SELECT hub_id, month FROM marketplace.order_month_summary WHERE unconverted_orders > 0
UNION
SELECT DISTINCT o.hub_id, date_trunc('month', o.created_at AT TIME ZONE 'UTC')::date
FROM marketplace.purchase_order o
WHERE o.created_at >= (SELECT min(as_of) FROM kernel.fx_rate WHERE updated_at > :rates_seen)
"""

_CLEAR = """
DELETE FROM marketplace.order_month_summary s USING dirty_month d WHERE s.hub_id = d.hub_id AND s.month = d.month
"""

_REBUILD = f"""
WITH kept AS (
    SELECT o.hub_id, d.month, o.producer_organization_id AS producer, o.buyer_organization_id AS buyer,
           o.delivery_jurisdiction AS destination, o.tender_reference IS NOT NULL AS awarded,
           o.total_minor - o.credited_minor AS owed_minor, {NET_OF_VAT} AS net_minor,
           o.currency, h.reporting_currency AS to_currency, (o.created_at AT TIME ZONE 'UTC')::date AS day
    FROM dirty_month d
    JOIN marketplace.hub h ON h.id = d.hub_id
    JOIN marketplace.purchase_order o ON o.hub_id = d.hub_id
     AND o.created_at >= d.month::timestamp AT TIME ZONE 'UTC'
     AND o.created_at < (d.month + interval '1 month')::timestamp AT TIME ZONE 'UTC'
    WHERE o.status NOT IN ('cancelled', 'rejected') AND (o.credited_minor = 0 OR o.credited_minor < o.total_minor)
), counted AS (
    SELECT k.*, k.owed_minor - k.net_minor AS vat_minor FROM kept k
), factor AS MATERIALIZED (
    {conversion_factors_sql("SELECT DISTINCT currency, to_currency, day FROM counted")}
)
INSERT INTO marketplace.order_month_summary (hub_id, month, producer_organization_id, buyer_organization_id,
    destination, awarded, orders, value_minor, vat_minor, unconverted_orders)
SELECT c.hub_id, c.month, c.producer, c.buyer, c.destination, c.awarded,
       count(*) FILTER (WHERE f.factor IS NOT NULL), coalesce(sum(round(c.net_minor * f.factor)), 0)::bigint,
       coalesce(sum(round(c.vat_minor * f.factor)), 0)::bigint, count(*) FILTER (WHERE f.factor IS NULL)
FROM counted c JOIN factor f USING (currency, to_currency, day)
GROUP BY c.hub_id, c.month, c.producer, c.buyer, c.destination, c.awarded
"""

_RECORD = """
INSERT INTO marketplace.dashboard_refresh (id, refreshed_at, orders_seen_until, rates_seen_until)
VALUES (1, now(), now() - CAST(:overlap AS interval), now() - CAST(:overlap AS interval))
ON CONFLICT (id) DO UPDATE SET refreshed_at = excluded.refreshed_at,
    orders_seen_until = excluded.orders_seen_until, rates_seen_until = excluded.rates_seen_until
"""

# --- reading it ----------------------------------------------------------------------------------------

# The summary rows of the period with converted orders, each with the producer's place.
_ROWS = """
WITH sold AS (
    SELECT s.producer_organization_id AS producer, s.buyer_organization_id AS buyer, s.awarded,
           to_char(s.month, 'YYYY-MM') AS month, coalesce(p.subdivision, p.country) AS origin,
           s.destination, p.country <> left(s.destination, 2) AS cross_border, s.orders, s.value_minor AS value,
           s.vat_minor AS vat
    FROM marketplace.order_month_summary s
    JOIN marketplace.organization p ON p.id = s.producer_organization_id
    WHERE s.hub_id = :hub_id AND s.month >= :first_month AND s.month <= :last_month AND s.orders > 0
)
"""

_PERCENT = "round(100.0 * {part} / nullif({whole}, 0), 2)"

_TRADE = (
    _ROWS
    + f"""
SELECT month, coalesce(sum(orders), 0)::bigint AS orders, coalesce(sum(value), 0)::bigint AS value_minor,
       coalesce(sum(vat), 0)::bigint AS vat_minor, coalesce(sum(value + vat), 0)::bigint AS gross_value_minor,
       coalesce(sum(value) FILTER (WHERE cross_border), 0)::bigint AS cross_border_value_minor,
       {_PERCENT.format(part="coalesce(sum(value) FILTER (WHERE cross_border), 0)", whole="sum(value)")}
           AS cross_border_percent,
       coalesce(sum(value) FILTER (WHERE awarded), 0)::bigint AS awarded_value_minor,
       count(DISTINCT producer) AS producers, count(DISTINCT buyer) AS buyers
FROM sold
GROUP BY GROUPING SETS ((month), ())
ORDER BY month NULLS FIRST
"""
)

_UNCONVERTED = """
SELECT coalesce(sum(unconverted_orders), 0)::bigint FROM marketplace.order_month_summary
WHERE hub_id = :hub_id AND month >= :first_month AND month <= :last_month
"""

_FLOWS = (
    _ROWS
    + """
SELECT month, origin, destination, bool_or(cross_border) AS cross_border, sum(orders)::bigint AS orders,
       sum(value)::bigint AS value_minor, count(DISTINCT producer) AS producers, count(DISTINCT buyer) AS buyers
FROM sold
GROUP BY GROUPING SETS ((month, origin, destination), (origin, destination))
ORDER BY month NULLS FIRST, value_minor DESC, origin, destination
"""
)

# Attributes this hub verified, as they stand today; `any` counts a producer once however many it has.
_INCLUSION = (
    _ROWS
    + f"""
, verified AS (
    SELECT organization_id, array_agg(attribute::text) || ARRAY['any'] AS attributes
    FROM marketplace.inclusion
    WHERE verified AND verified_by_hub_id = :hub_id
    GROUP BY organization_id
), total AS (
    SELECT month, sum(value) AS value, sum(value) FILTER (WHERE awarded) AS awarded
    FROM sold GROUP BY GROUPING SETS ((month), ())
), share AS (
    SELECT s.month, a.attribute, count(DISTINCT s.producer) AS producers, sum(s.value)::bigint AS value,
           coalesce(sum(s.value) FILTER (WHERE s.awarded), 0)::bigint AS awarded
    FROM sold s
    JOIN verified i ON i.organization_id = s.producer
    CROSS JOIN LATERAL unnest(i.attributes) AS a(attribute)
    GROUP BY GROUPING SETS ((s.month, a.attribute), (a.attribute))
)
SELECT s.month, s.attribute, s.producers,
       s.value AS order_value_minor, {_PERCENT.format(part="s.value", whole="t.value")} AS order_percent,
       s.awarded AS awarded_value_minor, {_PERCENT.format(part="s.awarded", whole="t.awarded")} AS awarded_percent
FROM share s JOIN total t ON t.month IS NOT DISTINCT FROM s.month
ORDER BY s.month NULLS FIRST, s.attribute
"""
)

_ORGANIZATIONS = (
    _ROWS
    + """
, active AS (
    SELECT DISTINCT month, 'producer' AS role, producer AS organization_id FROM sold
    UNION ALL SELECT DISTINCT month, 'buyer', buyer FROM sold
    UNION ALL SELECT DISTINCT NULL, 'producer', producer FROM sold
    UNION ALL SELECT DISTINCT NULL, 'buyer', buyer FROM sold
)
SELECT a.month, a.role, g.country, count(*) AS organizations, sum(g.employee_count) AS jobs
FROM active a JOIN marketplace.organization g ON g.id = a.organization_id
GROUP BY a.month, a.role, g.country
ORDER BY a.month NULLS FIRST, a.role DESC, g.country
"""
)

# A producer's cohort is the month of its first counted sale in the hub, however long ago.
_COHORTS = (
    _ROWS
    + """
, first_sale AS (
    SELECT producer_organization_id AS producer, to_char(min(month), 'YYYY-MM') AS cohort
    FROM marketplace.order_month_summary
    WHERE hub_id = :hub_id AND month <= :last_month
    GROUP BY producer_organization_id
), revenue AS (
    SELECT month, producer, sum(value)::bigint AS value FROM sold GROUP BY month, producer
    UNION ALL SELECT NULL, producer, sum(value)::bigint FROM sold GROUP BY producer
)
SELECT f.cohort, r.month, count(*) AS producers, sum(r.value)::bigint AS revenue_minor,
       sum(g.employee_count) AS jobs
FROM revenue r
JOIN first_sale f USING (producer)
JOIN marketplace.organization g ON g.id = r.producer
GROUP BY f.cohort, r.month
ORDER BY f.cohort, r.month NULLS FIRST
"""
)


class DashboardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def refresh(self) -> int | None:
        """Rebuild the summary's stale (hub, month) slices; the number rebuilt, or None when another
        refresh holds the lock."""
        locked = await self.session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": REFRESH_LOCK})
        if not locked.scalar_one():
            return None
        seen = (
            await self.session.execute(
                text("SELECT orders_seen_until, rates_seen_until FROM marketplace.dashboard_refresh WHERE id = 1")
            )
        ).one_or_none()
        never = dt.datetime.min.replace(tzinfo=dt.UTC)
        orders_seen, rates_seen = seen if seen is not None else (never, never)
        await self.session.execute(text(_DIRTY), {"orders_seen": orders_seen, "rates_seen": rates_seen})
        months = (await self.session.execute(text("SELECT count(*) FROM dirty_month"))).scalar_one()
        await self.session.execute(text(_CLEAR))
        await self.session.execute(text(_REBUILD), conversion_params())
        await self.session.execute(text(_RECORD), {"overlap": OVERLAP})
        await self.session.execute(text("DROP TABLE dirty_month"))
        return int(months)

    async def refreshed_at(self) -> dt.datetime | None:
        return (
            await self.session.execute(text("SELECT refreshed_at FROM marketplace.dashboard_refresh WHERE id = 1"))
        ).scalar_one_or_none()

    @staticmethod
    def params(hub_id: uuid.UUID, period: Period) -> dict[str, Any]:
        return {"hub_id": hub_id, "first_month": period.first_day, "last_month": period.last_day}

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
