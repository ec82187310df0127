"""fx rate function

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 09:00:00+00:00

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

# The most recent rate on or before the day: direct, else inverted, else crossed through EUR
# (both legs on or before the day; the older leg dates the result). Inverted and crossed rates
# are rounded to 10 decimals, as stored rates are. Ties on a date go to the first source by name.
FIND_FX_RATE = """
CREATE FUNCTION marketplace.find_fx_rate(base text, quote text, on_day date)
RETURNS TABLE (rate numeric, as_of date, source text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT c.rate, c.as_of, c.source FROM (
        SELECT 1::numeric AS rate, on_day AS as_of, 'identity'::text AS source, 0 AS preference
        WHERE base = quote
        UNION ALL (
            SELECT r.rate, r.as_of, r.source::text, 1 FROM marketplace.fx_rate r
            WHERE r.base = find_fx_rate.base AND r.quote = find_fx_rate.quote AND r.as_of <= on_day
            ORDER BY r.as_of DESC, r.source LIMIT 1
        )
        UNION ALL (
            SELECT round(1 / r.rate, 10), r.as_of, r.source::text, 2 FROM marketplace.fx_rate r
            WHERE r.base = find_fx_rate.quote AND r.quote = find_fx_rate.base AND r.as_of <= on_day
            ORDER BY r.as_of DESC, r.source LIMIT 1
        )
        UNION ALL
        SELECT round(q.rate / b.rate, 10), least(b.as_of, q.as_of),
               CASE WHEN b.source = q.source THEN b.source ELSE b.source || '+' || q.source END || ' via EUR', 3
        FROM (
            SELECT r.rate, r.as_of, r.source::text AS source FROM marketplace.fx_rate r
            WHERE r.base = 'EUR' AND r.quote = find_fx_rate.base AND r.as_of <= on_day
            ORDER BY r.as_of DESC, r.source LIMIT 1
        ) b, (
            SELECT r.rate, r.as_of, r.source::text AS source FROM marketplace.fx_rate r
            WHERE r.base = 'EUR' AND r.quote = find_fx_rate.quote AND r.as_of <= on_day
            ORDER BY r.as_of DESC, r.source LIMIT 1
        ) q
        WHERE 'EUR' NOT IN (base, quote)
    ) c
    ORDER BY c.preference
    LIMIT 1
$$
"""


def upgrade() -> None:
    op.execute(FIND_FX_RATE)


def downgrade() -> None:
    op.execute("DROP FUNCTION marketplace.find_fx_rate(text, text, date)")
