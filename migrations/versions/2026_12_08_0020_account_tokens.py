"""account tokens: e-mail verification, password reset and e-mail change links (single use, expiring)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 00:00:00+00:00

Only the sha256 digest of each link's secret is stored; a token works once, until it expires or a
newer one of the same purpose supersedes it (both recorded in `used_at`).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "marketplace"
PURPOSE = postgresql.ENUM("verify_email", "reset_password", "change_email", name="account_token_purpose", schema=SCHEMA)


def upgrade() -> None:
    PURPOSE.create(op.get_bind(), checkfirst=True)
    op.create_table(
        "account_token",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "purpose",
            postgresql.ENUM(name="account_token_purpose", schema=SCHEMA, create_type=False),
            nullable=False,
        ),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("new_email", sa.String(320), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], [f"{SCHEMA}.user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_account_token_user_purpose", "account_token", ["user_id", "purpose", "created_at"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_table("account_token", schema=SCHEMA)
    PURPOSE.drop(op.get_bind(), checkfirst=True)
