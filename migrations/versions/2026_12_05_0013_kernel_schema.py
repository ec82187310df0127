"""the shared kernel's tables (outbox, audit log, idempotency keys, FX rates) move to their own schema

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 00:00:00+00:00

One PostgreSQL schema per package: the kernel became a package of its own, so its tables and
the FX rate functions leave the marketplace's schema. Indexes and constraints move with their
tables (and
their indexes are renamed after the new schema); the SQL functions name their tables in their
bodies, so they are created anew.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("outbox_event", "audit_entry", "idempotency_key", "fx_rate")
# Index names carry the schema (`ix_<schema>_<table>_<column>`, the naming convention), so they are renamed too.
INDEXED = (
    ("audit_entry", "action"),
    ("audit_entry", "actor_id"),
    ("audit_entry", "hub_id"),
    ("audit_entry", "object_id"),
    ("audit_entry", "organization_id"),
    ("fx_rate", "as_of"),
    ("idempotency_key", "expires_at"),
    ("outbox_event", "topic"),
)

# The FX rate functions of migration 0011, unchanged but for the schema they live in and read.
# The most recent published rate of one pair on or before a day; ties on that date go to the first
# source by name. (Two index probes on (base, quote, as_of, source): the latest date, then its rate.)
LATEST_FX_RATE = """
CREATE FUNCTION kernel.latest_fx_rate(base char(3), quote char(3), on_day date)
RETURNS TABLE (rate numeric, as_of date, source text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT r.rate, r.as_of, r.source::text FROM kernel.fx_rate r
    WHERE r.base = $1 AND r.quote = $2
      AND r.as_of = (SELECT max(x.as_of) FROM kernel.fx_rate x WHERE x.base = $1 AND x.quote = $2 AND x.as_of <= $3)
    ORDER BY r.source
    LIMIT 1
$$
"""

# Direct, else inverted, else crossed through EUR (both legs on or before the day; the older leg dates
# the result). Inverted and crossed rates are rounded to 10 decimals, as stored rates are.
FIND_FX_RATE = """
CREATE FUNCTION kernel.find_fx_rate(base char(3), quote char(3), on_day date)
RETURNS TABLE (rate numeric, as_of date, source text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT c.rate, c.as_of, c.source FROM (
        SELECT 1::numeric AS rate, $3 AS as_of, 'identity'::text AS source, 0 AS preference WHERE $1 = $2
        UNION ALL
        SELECT d.rate, d.as_of, d.source, 1 FROM kernel.latest_fx_rate($1, $2, $3) d
        UNION ALL
        SELECT round(1 / i.rate, 10), i.as_of, i.source, 2 FROM kernel.latest_fx_rate($2, $1, $3) i
        UNION ALL
        SELECT round(q.rate / b.rate, 10), least(b.as_of, q.as_of),
               CASE WHEN b.source = q.source THEN b.source ELSE b.source || '+' || q.source END || ' via EUR', 3
        FROM kernel.latest_fx_rate('EUR', $1, $3) b, kernel.latest_fx_rate('EUR', $2, $3) q
        WHERE 'EUR' NOT IN ($1, $2)
    ) c
    ORDER BY c.preference
    LIMIT 1
$$
"""


def _functions_in(schema: str) -> list[str]:
    # A migration keeps its own copy of the SQL (later edits to 0011 must not change it).
    return [sql.replace("kernel.", f"{schema}.") for sql in (LATEST_FX_RATE, FIND_FX_RATE)]


def _move(source: str, target: str) -> None:
    op.execute(f"DROP FUNCTION {source}.find_fx_rate(char, char, date)")
    op.execute(f"DROP FUNCTION {source}.latest_fx_rate(char, char, date)")
    for table in TABLES:
        op.execute(f"ALTER TABLE {source}.{table} SET SCHEMA {target}")
    for table, column in INDEXED:
        op.execute(f"ALTER INDEX {target}.ix_{source}_{table}_{column} RENAME TO ix_{target}_{table}_{column}")
    for sql in _functions_in(target):
        op.execute(sql)


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS kernel")
    _move("marketplace", "kernel")


def downgrade() -> None:
    _move("kernel", "marketplace")
    op.execute("DROP SCHEMA kernel")
