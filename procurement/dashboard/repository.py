"""Pooled procurement per month of bid deadline, as SQL aggregates.

A tender counts when its bid deadline fell in the period and it was not cancelled before then. Pooled
values are the allocations' values in the tender's currency, converted into the hub's reporting currency
at the rate of the award's decision day, allocation by allocation; savings compare only allocations
the savings report could price at the supplier's listed volume tier, as that report does.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import rows_as
from kernel.fx import conversion_factors_sql, conversion_params
from marketplace.api import Period, ProcurementRow, QuantityRow

_RUN = """
WITH run AS (
    SELECT t.id, to_char(t.bid_deadline AT TIME ZONE 'UTC', 'YYYY-MM') AS month, p.currency, p.unit
    FROM procurement.tender t JOIN procurement.demand_pool p ON p.id = t.pool_id
    WHERE t.hub_id = :hub_id AND t.bid_deadline >= :start AND t.bid_deadline < :end AND t.closed_at IS NOT NULL
), allocated AS (
    SELECT r.month, r.unit, r.currency, (w.decided_at AT TIME ZONE 'UTC')::date AS day,
           a.supplier_organization_id AS supplier, a.quantity, a.pooled_total_minor, a.listed_total_minor
    FROM run r
    JOIN procurement.award w ON w.tender_id = r.id
    JOIN procurement.allocation a ON a.tender_id = r.id
)
"""

_PAIRS = "SELECT DISTINCT currency, CAST(:to_currency AS char(3)) AS to_currency, day FROM allocated"
_PERCENT = "round(100.0 * {part} / nullif({whole}, 0), 2)"

_TENDERS = (
    _RUN
    + f"""
, factor AS MATERIALIZED (
    {conversion_factors_sql(_PAIRS)}
), valued AS (
    SELECT a.month, a.supplier, round(a.pooled_total_minor * f.factor)::bigint AS pooled,
           round(a.listed_total_minor * f.factor)::bigint AS listed
    FROM allocated a JOIN factor f USING (currency, day)
), lot AS (
    SELECT r.month,
           (SELECT count(*) FROM procurement.bid_line b WHERE b.lot_id = l.id) AS offers,
           (SELECT count(DISTINCT w.organization_id) FROM procurement.award_line w
            WHERE w.lot_id = l.id AND w.final) AS suppliers
    FROM run r JOIN procurement.lot l ON l.tender_id = r.id
), tenders AS (
    SELECT month, count(*) AS tenders FROM run GROUP BY GROUPING SETS ((month), ())
), lots AS (
    SELECT month, count(*) AS lots, sum(offers)::bigint AS offers, count(*) FILTER (WHERE suppliers > 0) AS awarded,
           count(*) FILTER (WHERE suppliers > 1) AS split
    FROM lot GROUP BY GROUPING SETS ((month), ())
), money AS (
    SELECT month, count(DISTINCT supplier) AS suppliers, sum(pooled)::bigint AS pooled,
           sum(pooled) FILTER (WHERE listed IS NOT NULL)::bigint AS compared,
           sum(listed)::bigint AS individual
    FROM valued GROUP BY GROUPING SETS ((month), ())
)
SELECT t.month, t.tenders, coalesce(l.lots, 0) AS lots, coalesce(l.offers, 0) AS offers,
       round(l.offers::numeric / nullif(l.lots, 0), 2) AS bids_per_lot,
       coalesce(l.awarded, 0) AS lots_awarded, coalesce(l.split, 0) AS lots_split,
       {_PERCENT.format(part="l.split", whole="l.awarded")} AS split_percent,
       coalesce(m.suppliers, 0) AS suppliers, coalesce(m.pooled, 0) AS pooled_value_minor,
       coalesce(m.compared, 0) AS compared_pooled_minor, coalesce(m.individual, 0) AS individual_minor,
       coalesce(m.individual - m.compared, 0) AS savings_minor,
       {_PERCENT.format(part="(m.individual - m.compared)", whole="m.individual")} AS savings_percent
FROM tenders t
LEFT JOIN lots l ON l.month IS NOT DISTINCT FROM t.month
LEFT JOIN money m ON m.month IS NOT DISTINCT FROM t.month
ORDER BY t.month NULLS FIRST
"""
)

_QUANTITIES = (
    _RUN
    + """
SELECT month, unit, sum(quantity) AS quantity
FROM allocated
GROUP BY GROUPING SETS ((month, unit), (unit))
ORDER BY month NULLS FIRST, unit
"""
)


class ProcurementFiguresRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def tenders(self, hub_id: uuid.UUID, period: Period, currency: str) -> list[ProcurementRow]:
        params = {
            "hub_id": hub_id,
            "start": period.start,
            "end": period.end,
            "to_currency": currency,
            **conversion_params(),
        }
        return await rows_as(self.session, _TENDERS, params, ProcurementRow)

    async def quantities(self, hub_id: uuid.UUID, period: Period) -> list[QuantityRow]:
        params = {"hub_id": hub_id, "start": period.start, "end": period.end}
        return await rows_as(self.session, _QUANTITIES, params, QuantityRow)
