"""cart: a person's cart lines, kept across sign-ins

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 00:00:00+00:00

A cart belongs to a person (their user account), not to a session or an organisation: it is the same
on every device and after signing in again, and the organisation that buys is chosen at checkout.
One line per listing; its quantity is in the listing's unit.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "marketplace"


def _audit_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "cart_line",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("listing_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Numeric(18, 3), nullable=False),
        *_audit_columns(),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_cart_line_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [f"{SCHEMA}.user_account.id"],
            name=op.f("fk_cart_line_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            [f"{SCHEMA}.listing.id"],
            name=op.f("fk_cart_line_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cart_line")),
        # Also the index of a person's cart (its first column).
        sa.UniqueConstraint("user_id", "listing_id", name="uq_cart_line_listing"),
        schema=SCHEMA,
    )
    op.create_index(op.f("ix_marketplace_cart_line_listing_id"), "cart_line", ["listing_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index(op.f("ix_marketplace_cart_line_listing_id"), table_name="cart_line", schema=SCHEMA)
    op.drop_table("cart_line", schema=SCHEMA)
