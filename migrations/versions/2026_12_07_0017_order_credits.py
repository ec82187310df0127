"""orders record what a dispute's decision credited: trade value net of credits; invoices what was paid

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 12:00:00+00:00

A dispute's refund was credited on the invoice (or refunded to the card) but the order kept its
full total, and the dashboards counted it so. Orders now keep `credited_minor`; what was credited
by disputes already resolved is copied onto their orders, whose months the dashboard summary then
rebuilds (they count as changed).

A paid invoice's credit could not tell a credit made before the payment (never paid, nothing owed
back) from one made after (owed back). Invoices now keep `paid_minor`, what was due when they were
marked paid; invoices already paid paid their whole amount, since credits did not reduce what was
due before this revision. A CHECK keeps it set exactly on paid invoices, within the amount.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "marketplace"
SUMMARY_BEFORE = "Counted orders (not cancelled or rejected) by month (UTC), converted at each order's day's rate"
SUMMARY_AFTER = (
    "Counted orders (not cancelled, rejected or refunded in full) by month (UTC), at their net value"
    " converted at each order's day's rate"
)


def upgrade() -> None:
    op.add_column(
        "purchase_order",
        sa.Column("credited_minor", sa.BigInteger(), server_default="0", nullable=False),
        schema=SCHEMA,
    )
    op.execute(
        "UPDATE marketplace.purchase_order o SET credited_minor = d.refund_minor, updated_at = now()"
        " FROM marketplace.dispute d WHERE d.order_id = o.id AND d.status = 'resolved' AND d.refund_minor > 0"
    )
    op.create_check_constraint(
        op.f("ck_purchase_order_credited_within_total"),
        "purchase_order",
        "credited_minor >= 0 AND credited_minor <= total_minor",
        schema=SCHEMA,
    )
    op.create_table_comment("order_month_summary", SUMMARY_AFTER, existing_comment=SUMMARY_BEFORE, schema=SCHEMA)
    op.add_column("invoice", sa.Column("paid_minor", sa.BigInteger(), nullable=True), schema=SCHEMA)
    op.execute("UPDATE marketplace.invoice SET paid_minor = amount_minor, updated_at = now() WHERE status = 'paid'")
    op.create_check_constraint(
        op.f("ck_invoice_paid_minor_when_paid"),
        "invoice",
        "(status = 'paid') = (paid_minor IS NOT NULL) AND paid_minor BETWEEN 0 AND amount_minor",
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_invoice_paid_minor_when_paid"), "invoice", schema=SCHEMA)
    op.drop_column("invoice", "paid_minor", schema=SCHEMA)
    op.create_table_comment("order_month_summary", SUMMARY_BEFORE, existing_comment=SUMMARY_AFTER, schema=SCHEMA)
    op.drop_constraint(op.f("ck_purchase_order_credited_within_total"), "purchase_order", schema=SCHEMA)
    op.drop_column("purchase_order", "credited_minor", schema=SCHEMA)
