"""card checkout sessions: a checkout paid on Stripe's hosted payment page

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 00:00:00+00:00

A buyer paying on the pages goes to Stripe's hosted payment page (a Checkout Session) instead of
confirming a PaymentIntent of ours with Stripe.js. One session stands for the checkout's one
payment (a successor only once it expired unpaid); its PaymentIntent, which Stripe makes when the
buyer pays, is recorded as the checkout's card payment then.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "marketplace"


def upgrade() -> None:
    op.create_table(
        "card_checkout_session",
        sa.Column("checkout_id", sa.Uuid(), nullable=False),
        sa.Column("stripe_session_id", sa.String(length=255), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("order_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("currency", sa.CHAR(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.CheckConstraint("attempt > 0", name=op.f("ck_card_checkout_session_attempt_positive")),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_card_checkout_session_amount_positive")),
        sa.ForeignKeyConstraint(
            ["checkout_id"], [f"{SCHEMA}.checkout.id"], name=op.f("fk_card_checkout_session_checkout_id_checkout")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_checkout_session")),
        sa.UniqueConstraint("checkout_id", name=op.f("uq_card_checkout_session_checkout_id")),
        sa.UniqueConstraint("stripe_session_id", name=op.f("uq_card_checkout_session_stripe_session_id")),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("card_checkout_session", schema=SCHEMA)
