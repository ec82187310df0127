"""login throttling per source and account: failures found by account and time

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 00:00:00+00:00

Failed logins no longer lock an account; they slow the source they came from (issue 20). Each
attempt counts one source's recent failures at the account and, loosely, the account's failures
from all sources within a window: both are ranges of (email, created_at), which replaces the
index on email alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "marketplace"


def upgrade() -> None:
    op.create_index(
        "ix_login_failure_email_created_at", "login_failure", ["email", "created_at"], unique=False, schema=SCHEMA
    )
    op.drop_index(op.f("ix_marketplace_login_failure_email"), table_name="login_failure", schema=SCHEMA)


def downgrade() -> None:
    op.create_index(op.f("ix_marketplace_login_failure_email"), "login_failure", ["email"], unique=False, schema=SCHEMA)
    op.drop_index("ix_login_failure_email_created_at", table_name="login_failure", schema=SCHEMA)
