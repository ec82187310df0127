"""fx rate function

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 16:00:00+00:00

The rule for choosing an exchange rate lives in the database, once, as
`marketplace.find_fx_rate(base, quote, on_day)`: `kernel.fx.find_rate` calls it
for one conversion, and the dashboards call it once per (currency, day) inside
their aggregates so that millions of orders are converted without leaving SQL.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The most recent published rate of one pair on or before a day; ties on that date go to the first
# source by name. (Two index probes on (base, quote, as_of, source): the latest date, then its rate.)
LATEST_FX_RATE = """
CREATE FUNCTION marketplace.latest_fx_rate(base char(3), quote char(3), on_day date)
RETURNS TABLE (rate numeric, as_of date, source text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT r.rate, r.as_of, r.source::text FROM marketplace.fx_rate r
    WHERE r.base = $1 AND r.quote = $2
      AND r.as_of = (SELECT max(x.as_of) FROM marketplace.fx_rate x WHERE x.base = $1 AND x.quote = $2 AND x.as_of <= $3)
    ORDER BY r.source
    LIMIT 1
$$
"""

# Direct, else inverted, else crossed through EUR (both legs on or before the day; the older leg dates
# the result). Inverted and crossed rates are rounded to 10 decimals, as stored rates are.
FIND_FX_RATE = """
CREATE FUNCTION marketplace.find_fx_rate(base char(3), quote char(3), on_day date)
RETURNS TABLE (rate numeric, as_of date, source text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT c.rate, c.as_of, c.source FROM (
        SELECT 1::numeric AS rate, $3 AS as_of, 'identity'::text AS source, 0 AS preference WHERE $1 = $2
        UNION ALL
        SELECT d.rate, d.as_of, d.source, 1 FROM marketplace.latest_fx_rate($1, $2, $3) d
        UNION ALL
        SELECT round(1 / i.rate, 10), i.as_of, i.source, 2 FROM marketplace.latest_fx_rate($2, $1, $3) i
        UNION ALL
        SELECT round(q.rate / b.rate, 10), least(b.as_of, q.as_of),
               CASE WHEN b.source = q.source THEN b.source ELSE b.source || '+' || q.source END || ' via EUR', 3
        FROM marketplace.latest_fx_rate('EUR', $1, $3) b, marketplace.latest_fx_rate('EUR', $2, $3) q
        WHERE 'EUR' NOT IN ($1, $2)
    ) c
    ORDER BY c.preference
    LIMIT 1
$$
"""


def upgrade() -> None:
    op.execute(LATEST_FX_RATE)
    op.execute(FIND_FX_RATE)


def downgrade() -> None:
    op.execute("DROP FUNCTION marketplace.find_fx_rate(char, char, date)")
    op.execute("DROP FUNCTION marketplace.latest_fx_rate(char, char, date)")
