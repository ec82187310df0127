"""mail and notifications: the outgoing mail, each person's notifications, their preferences, verified addresses

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 00:00:00+00:00

Accounts that exist when this runs keep working: their addresses count as verified from when the
account was made (verification by e-mail starts with accounts registered after it).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "marketplace"
EMAIL_FREQUENCY = postgresql.ENUM("immediately", "daily", "off", name="email_frequency", schema=SCHEMA)
MAIL_STATUS = postgresql.ENUM("pending", "sent", "kept", "failed", name="mail_status", schema=SCHEMA)


def _audit_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    EMAIL_FREQUENCY.create(bind, checkfirst=True)
    MAIL_STATUS.create(bind, checkfirst=True)
    op.add_column("user_account", sa.Column("email_verified_at", sa.DateTime(timezone=True)), schema=SCHEMA)
    op.add_column(
        "user_account",
        sa.Column("notify_in_app", sa.Boolean(), server_default="true", nullable=False),
        schema=SCHEMA,
    )
    op.add_column(
        "user_account",
        sa.Column(
            "notify_email",
            postgresql.ENUM(name="email_frequency", schema=SCHEMA, create_type=False),
            server_default="immediately",
            nullable=False,
        ),
        schema=SCHEMA,
    )
    op.execute(f"UPDATE {SCHEMA}.user_account SET email_verified_at = created_at")  # noqa: S608 - constant

    op.create_table(
        "outgoing_mail",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("to_address", sa.String(320), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("status", postgresql.ENUM(name="mail_status", schema=SCHEMA, create_type=False), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        *_audit_columns(),
        sa.ForeignKeyConstraint(["user_id"], [f"{SCHEMA}.user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        schema=SCHEMA,
    )
    op.create_index(op.f("ix_marketplace_outgoing_mail_user_id"), "outgoing_mail", ["user_id"], schema=SCHEMA)
    op.create_index(op.f("ix_marketplace_outgoing_mail_to_address"), "outgoing_mail", ["to_address"], schema=SCHEMA)
    op.create_index(
        "ix_outgoing_mail_due",
        "outgoing_mail",
        ["next_attempt_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'pending'"),
    )

    op.create_table(
        "notification",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(1000), nullable=True),
        sa.Column("action", sa.String(200), nullable=True),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("digest_pending", sa.Boolean(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        *_audit_columns(),
        sa.ForeignKeyConstraint(["user_id"], [f"{SCHEMA}.user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        schema=SCHEMA,
    )
    op.create_index("ix_notification_inbox", "notification", ["user_id", "created_at"], schema=SCHEMA)
    op.create_index(
        "ix_notification_digest",
        "notification",
        ["user_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("digest_pending"),
    )


def downgrade() -> None:
    op.drop_table("notification", schema=SCHEMA)
    op.drop_table("outgoing_mail", schema=SCHEMA)
    op.drop_column("user_account", "notify_email", schema=SCHEMA)
    op.drop_column("user_account", "notify_in_app", schema=SCHEMA)
    op.drop_column("user_account", "email_verified_at", schema=SCHEMA)
    MAIL_STATUS.drop(op.get_bind(), checkfirst=True)
    EMAIL_FREQUENCY.drop(op.get_bind(), checkfirst=True)
