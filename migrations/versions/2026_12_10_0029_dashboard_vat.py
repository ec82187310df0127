"""dashboard vat: the dashboards count trade net of VAT and keep the VAT beside it

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-10 12:00:00+00:00

Orders' totals are gross since 0028 (the lines' net plus `vat_minor`), and the dashboard summary
counted them so. Its `value_minor` is now the value net of VAT after credits and the new `vat_minor`
the VAT after credits (`marketplace.dashboard.repository.NET_OF_VAT`). The summary is derived data:
its rows get a VAT of 0 here, and the refresh bookmark is set back to the beginning so that the
worker's next refresh rebuilds every month from the orders (an order without VAT keeps its value).
Downgrading drops the column and rebuilds the same way, back to gross values.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "marketplace"
SUMMARY_BEFORE = (
    "Counted orders (not cancelled, rejected or refunded in full) by month (UTC), at their net value"
    " converted at each order's day's rate"
)
SUMMARY_AFTER = (
    "Counted orders (not cancelled, rejected or refunded in full) by month (UTC), at their value net of VAT"
    " and credits and with their VAT, converted at each order's day's rate"
)
# The refresh reads orders written after this (the repository's "never"): every month is rebuilt.
REBUILD_ALL = "UPDATE marketplace.dashboard_refresh SET orders_seen_until = '0001-01-01 00:00:00+00'"


def upgrade() -> None:
    op.add_column(
        "order_month_summary",
        sa.Column("vat_minor", sa.BigInteger(), server_default="0", nullable=False),
        schema=SCHEMA,
    )
    op.alter_column("order_month_summary", "vat_minor", server_default=None, schema=SCHEMA)
    op.create_table_comment("order_month_summary", SUMMARY_AFTER, existing_comment=SUMMARY_BEFORE, schema=SCHEMA)
    op.execute(REBUILD_ALL)


def downgrade() -> None:
    op.create_table_comment("order_month_summary", SUMMARY_BEFORE, existing_comment=SUMMARY_AFTER, schema=SCHEMA)
    op.drop_column("order_month_summary", "vat_minor", schema=SCHEMA)
    op.execute(REBUILD_ALL)
