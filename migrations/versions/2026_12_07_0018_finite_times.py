"""no infinite times or days where callers set them: stored ones repaired, CHECK isfinite() added

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 18:00:00+00:00

Year 1 and year 9999 were accepted for a pool's window, a commitment's delivery day, a tender's
bid deadline, a credential's validity and an invoice's payment day; asyncpg stores them as
-infinity/infinity, which read back without a time zone and broke every read of the row (the
hub's pool list, for one). The API now refuses them (`kernel.validation`); this repairs what is
stored and lets the database refuse them too.

Repairs, each keeping the row's other rules (a window not empty, validity in order):
- a pool open since -infinity has been open since it was created; one closing at infinity
  closes five years (the longest the API now accepts) after it was created, when the worker's
  deadline scan closes it like any other;
- a commitment needed by infinity is needed five years after it was made (-infinity: the day it
  was made); a tender's infinite bid deadline likewise (-infinity: passed when it was created);
- a credential valid since -infinity is valid since 1900-01-01, one valid until infinity for a
  hundred years after it was recorded (the window the API accepts for documents);
- an invoice paid on ±infinity was paid on the day it was issued.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (schema, table, constraint name, condition): the same as the models declare.
CONSTRAINTS = (
    ("procurement", "demand_pool", "ck_demand_pool_window_finite", "isfinite(opens_at) AND isfinite(closes_at)"),
    ("procurement", "commitment", "ck_commitment_needed_by_finite", "isfinite(needed_by)"),
    ("procurement", "tender", "ck_tender_bid_deadline_finite", "isfinite(bid_deadline)"),
    ("marketplace", "credential", "ck_credential_validity_finite", "isfinite(valid_from) AND isfinite(valid_until)"),
    ("marketplace", "invoice", "ck_invoice_paid_on_finite", "isfinite(paid_on)"),
)

REPAIRS = (
    # The window stays non-empty: an opening put back is before the closing, and a closing put
    # forward is after the opening.
    """UPDATE procurement.demand_pool
       SET opens_at = LEAST(created_at, closes_at - interval '1 second'), updated_at = now()
       WHERE NOT isfinite(opens_at)""",
    """UPDATE procurement.demand_pool
       SET closes_at = GREATEST(opens_at, created_at) + interval '1830 days', updated_at = now()
       WHERE NOT isfinite(closes_at)""",
    """UPDATE procurement.commitment
       SET needed_by = CASE WHEN needed_by > 'epoch' THEN (created_at + interval '1830 days')::date
                            ELSE created_at::date END,
           updated_at = now()
       WHERE NOT isfinite(needed_by)""",
    """UPDATE procurement.tender
       SET bid_deadline = CASE WHEN bid_deadline > 'epoch' THEN created_at + interval '1830 days'
                               ELSE created_at END,
           updated_at = now()
       WHERE NOT isfinite(bid_deadline)""",
    # Both days in one statement, each from the other's old value, so they stay in order.
    """UPDATE marketplace.credential
       SET valid_from = CASE
               WHEN isfinite(valid_from) THEN valid_from
               WHEN valid_from < 'epoch'
                   THEN LEAST(date '1900-01-01', CASE WHEN isfinite(valid_until) THEN valid_until
                                                     ELSE date '1900-01-01' END)
               ELSE created_at::date END,
           valid_until = CASE
               WHEN isfinite(valid_until) THEN valid_until
               WHEN valid_until > 'epoch'
                   THEN GREATEST((created_at + interval '100 years')::date,
                                 CASE WHEN isfinite(valid_from) THEN valid_from ELSE created_at::date END)
               ELSE date '1900-01-01' END,
           updated_at = now()
       WHERE NOT (isfinite(valid_from) AND isfinite(valid_until))""",
    """UPDATE marketplace.invoice SET paid_on = issued_on, updated_at = now() WHERE NOT isfinite(paid_on)""",
)


def upgrade() -> None:
    for statement in REPAIRS:
        op.execute(statement)
    for schema, table, name, condition in CONSTRAINTS:
        op.create_check_constraint(op.f(name), table, condition, schema=schema)


def downgrade() -> None:
    # The repaired values stay: they are valid either way.
    for schema, table, name, _ in reversed(CONSTRAINTS):
        op.drop_constraint(op.f(name), table, schema=schema)
