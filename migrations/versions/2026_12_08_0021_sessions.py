"""sessions: rotating refresh tokens and cookie sessions

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 00:00:00+00:00

A session is one sign-in on one device: every access token names it, and revoking it stops them at
once. A token session keeps the digests of the refresh tokens it gave out (a spent one presented
again revokes the session); a cookie session keeps the digest of its cookie's secret. Access tokens
issued before this revision name no session and are refused: their holders log in again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "marketplace"
SESSION_KIND = postgresql.ENUM("token", "cookie", name="session_kind", schema=SCHEMA)


def _audit_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
    ]


def upgrade() -> None:
    SESSION_KIND.create(op.get_bind(), checkfirst=True)
    op.create_table(
        "user_session",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", postgresql.ENUM(name="session_kind", schema=SCHEMA, create_type=False), nullable=False),
        sa.Column("secret_digest", sa.String(64), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(40), nullable=True),
        sa.Column("user_agent", sa.String(200), nullable=True),
        sa.Column("client", sa.String(64), nullable=True),
        *_audit_columns(),
        sa.ForeignKeyConstraint(["user_id"], [f"{SCHEMA}.user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        schema=SCHEMA,
    )
    op.create_index("ix_user_session_user_id", "user_session", ["user_id", "created_at"], schema=SCHEMA)

    op.create_table(
        "refresh_token",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        *_audit_columns(),
        sa.ForeignKeyConstraint(["session_id"], [f"{SCHEMA}.user_session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest"),
        schema=SCHEMA,
    )
    op.create_index(op.f("ix_marketplace_refresh_token_session_id"), "refresh_token", ["session_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("refresh_token", schema=SCHEMA)
    op.drop_table("user_session", schema=SCHEMA)
    SESSION_KIND.drop(op.get_bind(), checkfirst=True)
