"""money moves that wait: pending transfers, refunds and reversals; settlement-currency figures

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-06 00:00:00+00:00

A transfer, refund or reversal that cannot be made now is recorded as `pending` with its reason
and retried later, instead of failing its job until the worker holds it. Transfers are made in
the platform's settlement currency (the charge's balance transaction), so a card payment keeps
what the platform received and a transfer keeps both the charge-currency and the settlement-
currency figures. A refund and its reversal become two steps with a status each.

Rows written before: every transfer and refund was made (Stripe confirmed it); the charge and
settlement currencies were then the same.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "marketplace"
STATUS = postgresql.ENUM(
    "pending", "made", "dropped", "failed", name="money_move_status", schema=SCHEMA, create_type=False
)


def upgrade() -> None:
    STATUS.create(op.get_bind(), checkfirst=False)

    op.add_column("card_payment", sa.Column("settlement_currency", sa.CHAR(3), nullable=True), schema=SCHEMA)
    op.add_column("card_payment", sa.Column("settlement_amount_minor", sa.BigInteger(), nullable=True), schema=SCHEMA)
    # Until now transfers were sent in the charge's currency, which was the settlement currency.
    op.execute(
        "UPDATE marketplace.card_payment SET settlement_currency = currency, settlement_amount_minor = amount_minor"
        " WHERE status = 'succeeded'"
    )

    for column in (
        sa.Column("status", STATUS, nullable=False, server_default="made"),
        sa.Column("pending_reason", sa.String(500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("charge_currency", sa.CHAR(3), nullable=True),
        sa.Column("charge_amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("share_minor", sa.BigInteger(), nullable=True),
    ):
        op.add_column("card_transfer", column, schema=SCHEMA)
    op.execute(
        "UPDATE marketplace.card_transfer SET charge_currency = currency,"
        " charge_amount_minor = amount_minor + fee_minor, share_minor = amount_minor + fee_minor"
    )
    for column in ("charge_currency", "charge_amount_minor", "share_minor"):
        op.alter_column("card_transfer", column, nullable=False, schema=SCHEMA)
    for column in ("status", "attempts"):
        op.alter_column("card_transfer", column, server_default=None, schema=SCHEMA)
    op.alter_column("card_transfer", "stripe_transfer_id", nullable=True, schema=SCHEMA)
    op.alter_column("card_transfer", "destination", nullable=True, schema=SCHEMA)

    op.add_column("card_refund", sa.Column("status", STATUS, nullable=False, server_default="made"), schema=SCHEMA)
    op.add_column("card_refund", sa.Column("pending_reason", sa.String(500), nullable=True), schema=SCHEMA)
    op.add_column("card_refund", sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"), schema=SCHEMA)
    op.add_column("card_refund", sa.Column("reversal_status", STATUS, nullable=True), schema=SCHEMA)
    op.add_column("card_refund", sa.Column("reversal_pending_reason", sa.String(500), nullable=True), schema=SCHEMA)
    op.add_column(
        "card_refund", sa.Column("reversal_attempts", sa.Integer(), nullable=False, server_default="0"), schema=SCHEMA
    )
    op.add_column("card_refund", sa.Column("stripe_reversal_id", sa.String(255), nullable=True), schema=SCHEMA)
    op.create_unique_constraint(
        op.f("uq_card_refund_stripe_reversal_id"), "card_refund", ["stripe_reversal_id"], schema=SCHEMA
    )
    # Before, a refund and its reversal were made in one step: a reversal happened iff some amount was taken back.
    op.execute(
        "UPDATE marketplace.card_refund SET reversal_status ="
        " CASE WHEN reversed_minor > 0 THEN 'made' ELSE 'dropped' END::marketplace.money_move_status,"
        " reversal_attempts = CASE WHEN reversed_minor > 0 THEN 1 ELSE 0 END"
    )
    for column in ("status", "attempts", "reversal_attempts"):
        op.alter_column("card_refund", column, server_default=None, schema=SCHEMA)
    op.alter_column("card_refund", "stripe_refund_id", nullable=True, schema=SCHEMA)


def downgrade() -> None:
    # Pending moves have no Stripe object yet: they cannot be expressed in the old tables.
    op.execute("DELETE FROM marketplace.card_refund WHERE status <> 'made'")
    op.execute("DELETE FROM marketplace.card_transfer WHERE status <> 'made'")
    op.alter_column("card_refund", "stripe_refund_id", nullable=False, schema=SCHEMA)
    op.drop_constraint(op.f("uq_card_refund_stripe_reversal_id"), "card_refund", schema=SCHEMA)
    for column in (
        "stripe_reversal_id",
        "reversal_attempts",
        "reversal_pending_reason",
        "reversal_status",
        "attempts",
        "pending_reason",
        "status",
    ):
        op.drop_column("card_refund", column, schema=SCHEMA)
    op.alter_column("card_transfer", "destination", nullable=False, schema=SCHEMA)
    op.alter_column("card_transfer", "stripe_transfer_id", nullable=False, schema=SCHEMA)
    for column in ("share_minor", "charge_amount_minor", "charge_currency", "attempts", "pending_reason", "status"):
        op.drop_column("card_transfer", column, schema=SCHEMA)
    op.drop_column("card_payment", "settlement_amount_minor", schema=SCHEMA)
    op.drop_column("card_payment", "settlement_currency", schema=SCHEMA)
    STATUS.drop(op.get_bind(), checkfirst=False)
