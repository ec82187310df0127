"""Foundation: schemas, extensions, job queue, identity, organisations, hubs, FX, audit, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 13:40:46.320081+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from pgqueuer.adapters.persistence.qb import QueryBuilderEnvironment
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SCHEMAS = ("marketplace", "procurement", "search")


def _execute_script(sql: str) -> None:
    # asyncpg refuses several statements in one prepared statement; a script must go
    # through the driver's simple-query protocol on the migration's own connection.
    adapted = op.get_bind().connection.dbapi_connection
    adapted.run_async(lambda raw: raw.execute(sql))  # type: ignore[union-attr]


ENUMS = ("organization_kind", "membership_role", "invitation_status", "inclusion_attribute", "hub_membership_status")


def upgrade() -> None:
    for schema in SCHEMAS:
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    # The job queue's own tables (public schema), as pgqueuer declares them.
    _execute_script(QueryBuilderEnvironment().build_install_query(create_schema=False))
    op.create_table(
        "audit_entry",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_email", sa.String(length=320), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("object_type", sa.String(length=60), nullable=False),
        sa.Column("object_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("hub_id", sa.Uuid(), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
        schema="marketplace",
    )
    op.create_index(
        op.f("ix_marketplace_audit_entry_action"), "audit_entry", ["action"], unique=False, schema="marketplace"
    )
    op.create_index(
        op.f("ix_marketplace_audit_entry_actor_id"), "audit_entry", ["actor_id"], unique=False, schema="marketplace"
    )
    op.create_index(
        op.f("ix_marketplace_audit_entry_hub_id"), "audit_entry", ["hub_id"], unique=False, schema="marketplace"
    )
    op.create_index(
        op.f("ix_marketplace_audit_entry_object_id"), "audit_entry", ["object_id"], unique=False, schema="marketplace"
    )
    op.create_index(
        op.f("ix_marketplace_audit_entry_organization_id"),
        "audit_entry",
        ["organization_id"],
        unique=False,
        schema="marketplace",
    )
    op.create_table(
        "fx_rate",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("base", sa.CHAR(length=3), nullable=False),
        sa.Column("quote", sa.CHAR(length=3), nullable=False),
        sa.Column("rate", sa.Numeric(precision=24, scale=10), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_rate")),
        sa.UniqueConstraint("base", "quote", "as_of", "source", name=op.f("uq_fx_rate_base")),
        schema="marketplace",
    )
    op.create_index(op.f("ix_marketplace_fx_rate_as_of"), "fx_rate", ["as_of"], unique=False, schema="marketplace")
    op.create_table(
        "hub",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("jurisdictions", postgresql.ARRAY(sa.String(length=6)), nullable=False),
        sa.Column("municipalities", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reporting_currency", sa.CHAR(length=3), nullable=False),
        sa.Column("languages", postgresql.ARRAY(sa.String(length=35)), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub")),
        sa.UniqueConstraint("name", name=op.f("uq_hub_name")),
        schema="marketplace",
    )
    op.create_table(
        "login_failure",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failure")),
        schema="marketplace",
    )
    op.create_index(
        op.f("ix_marketplace_login_failure_email"), "login_failure", ["email"], unique=False, schema="marketplace"
    )
    op.create_table(
        "organization",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("legal_name", sa.String(length=300), nullable=False),
        sa.Column(
            "kind", sa.Enum("producer", "buyer", "both", name="organization_kind", schema="marketplace"), nullable=False
        ),
        sa.Column("registration_scheme", sa.String(length=40), nullable=False),
        sa.Column("registration_id", sa.String(length=80), nullable=False),
        sa.Column("country", sa.CHAR(length=2), nullable=False),
        sa.Column("subdivision", sa.String(length=6), nullable=True),
        sa.Column("municipality", sa.String(length=200), nullable=True),
        sa.Column("default_currency", sa.CHAR(length=3), nullable=False),
        sa.Column("languages", postgresql.ARRAY(sa.String(length=35)), nullable=False),
        sa.Column("employee_count", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("employee_count >= 0", name=op.f("ck_organization_employee_count_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization")),
        sa.UniqueConstraint("country", "registration_scheme", "registration_id", name="uq_organization_registration"),
        schema="marketplace",
    )
    op.create_index(
        op.f("ix_marketplace_organization_country"), "organization", ["country"], unique=False, schema="marketplace"
    )
    op.create_table(
        "outbox_event",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("topic", sa.String(length=120), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
        schema="marketplace",
    )
    op.create_index(
        op.f("ix_marketplace_outbox_event_topic"), "outbox_event", ["topic"], unique=False, schema="marketplace"
    )
    op.create_table(
        "user_account",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("preferred_language", sa.String(length=35), nullable=True),
        sa.Column("is_platform_admin", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
        schema="marketplace",
    )
    op.create_table(
        "api_key",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["marketplace.user_account.id"], name=op.f("fk_api_key_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_key_prefix")),
        schema="marketplace",
    )
    op.create_index(op.f("ix_marketplace_api_key_user_id"), "api_key", ["user_id"], unique=False, schema="marketplace")
    op.create_table(
        "hub_coordinator",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("hub_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["hub_id"], ["marketplace.hub.id"], name=op.f("fk_hub_coordinator_hub_id_hub")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["marketplace.user_account.id"], name=op.f("fk_hub_coordinator_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_coordinator")),
        sa.UniqueConstraint("hub_id", "user_id", name=op.f("uq_hub_coordinator_hub_id")),
        schema="marketplace",
    )
    op.create_index(
        op.f("ix_marketplace_hub_coordinator_hub_id"), "hub_coordinator", ["hub_id"], unique=False, schema="marketplace"
    )
    op.create_index(
        op.f("ix_marketplace_hub_coordinator_user_id"),
        "hub_coordinator",
        ["user_id"],
        unique=False,
        schema="marketplace",
    )
    op.create_table(
        "hub_membership",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("hub_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "admitted", "rejected", name="hub_membership_status", schema="marketplace"),
            nullable=False,
        ),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["hub_id"], ["marketplace.hub.id"], name=op.f("fk_hub_membership_hub_id_hub")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["marketplace.organization.id"],
            name=op.f("fk_hub_membership_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_membership")),
        sa.UniqueConstraint("hub_id", "organization_id", name=op.f("uq_hub_membership_hub_id")),
        schema="marketplace",
    )
    op.create_index(
        op.f("ix_marketplace_hub_membership_hub_id"), "hub_membership", ["hub_id"], unique=False, schema="marketplace"
    )
    op.create_index(
        op.f("ix_marketplace_hub_membership_organization_id"),
        "hub_membership",
        ["organization_id"],
        unique=False,
        schema="marketplace",
    )
    op.create_table(
        "inclusion",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "attribute",
            sa.Enum(
                "women_led",
                "youth_led",
                "minority_led",
                "cooperative",
                name="inclusion_attribute",
                schema="marketplace",
            ),
            nullable=False,
        ),
        sa.Column("declared", sa.Boolean(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("verified_by_hub_id", sa.Uuid(), nullable=True),
        sa.Column("verified_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["marketplace.organization.id"],
            name=op.f("fk_inclusion_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inclusion")),
        sa.UniqueConstraint("organization_id", "attribute", name=op.f("uq_inclusion_organization_id")),
        schema="marketplace",
    )
    op.create_index(
        op.f("ix_marketplace_inclusion_organization_id"),
        "inclusion",
        ["organization_id"],
        unique=False,
        schema="marketplace",
    )
    op.create_table(
        "invitation",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column(
            "role", sa.Enum("member", "admin", "owner", name="membership_role", schema="marketplace"), nullable=False
        ),
        sa.Column(
            "status",
            sa.Enum("pending", "accepted", "revoked", name="invitation_status", schema="marketplace"),
            nullable=False,
        ),
        sa.Column("invited_by", sa.Uuid(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["marketplace.organization.id"],
            name=op.f("fk_invitation_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        schema="marketplace",
    )
    op.create_index(
        op.f("ix_marketplace_invitation_email"), "invitation", ["email"], unique=False, schema="marketplace"
    )
    op.create_index(
        op.f("ix_marketplace_invitation_organization_id"),
        "invitation",
        ["organization_id"],
        unique=False,
        schema="marketplace",
    )
    op.create_table(
        "membership",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "role", sa.Enum("member", "admin", "owner", name="membership_role", schema="marketplace"), nullable=False
        ),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["marketplace.organization.id"],
            name=op.f("fk_membership_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["marketplace.user_account.id"], name=op.f("fk_membership_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint("organization_id", "user_id", name=op.f("uq_membership_organization_id")),
        schema="marketplace",
    )
    op.create_index(
        op.f("ix_marketplace_membership_organization_id"),
        "membership",
        ["organization_id"],
        unique=False,
        schema="marketplace",
    )
    op.create_index(
        op.f("ix_marketplace_membership_user_id"), "membership", ["user_id"], unique=False, schema="marketplace"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_marketplace_membership_user_id"), table_name="membership", schema="marketplace")
    op.drop_index(op.f("ix_marketplace_membership_organization_id"), table_name="membership", schema="marketplace")
    op.drop_table("membership", schema="marketplace")
    op.drop_index(op.f("ix_marketplace_invitation_organization_id"), table_name="invitation", schema="marketplace")
    op.drop_index(op.f("ix_marketplace_invitation_email"), table_name="invitation", schema="marketplace")
    op.drop_table("invitation", schema="marketplace")
    op.drop_index(op.f("ix_marketplace_inclusion_organization_id"), table_name="inclusion", schema="marketplace")
    op.drop_table("inclusion", schema="marketplace")
    op.drop_index(
        op.f("ix_marketplace_hub_membership_organization_id"), table_name="hub_membership", schema="marketplace"
    )
    op.drop_index(op.f("ix_marketplace_hub_membership_hub_id"), table_name="hub_membership", schema="marketplace")
    op.drop_table("hub_membership", schema="marketplace")
    op.drop_index(op.f("ix_marketplace_hub_coordinator_user_id"), table_name="hub_coordinator", schema="marketplace")
    op.drop_index(op.f("ix_marketplace_hub_coordinator_hub_id"), table_name="hub_coordinator", schema="marketplace")
    op.drop_table("hub_coordinator", schema="marketplace")
    op.drop_index(op.f("ix_marketplace_api_key_user_id"), table_name="api_key", schema="marketplace")
    op.drop_table("api_key", schema="marketplace")
    op.drop_table("user_account", schema="marketplace")
    op.drop_index(op.f("ix_marketplace_outbox_event_topic"), table_name="outbox_event", schema="marketplace")
    op.drop_table("outbox_event", schema="marketplace")
    op.drop_index(op.f("ix_marketplace_organization_country"), table_name="organization", schema="marketplace")
    op.drop_table("organization", schema="marketplace")
    op.drop_index(op.f("ix_marketplace_login_failure_email"), table_name="login_failure", schema="marketplace")
    op.drop_table("login_failure", schema="marketplace")
    op.drop_table("hub", schema="marketplace")
    op.drop_index(op.f("ix_marketplace_fx_rate_as_of"), table_name="fx_rate", schema="marketplace")
    op.drop_table("fx_rate", schema="marketplace")
    op.drop_index(op.f("ix_marketplace_audit_entry_organization_id"), table_name="audit_entry", schema="marketplace")
    op.drop_index(op.f("ix_marketplace_audit_entry_object_id"), table_name="audit_entry", schema="marketplace")
    op.drop_index(op.f("ix_marketplace_audit_entry_hub_id"), table_name="audit_entry", schema="marketplace")
    op.drop_index(op.f("ix_marketplace_audit_entry_actor_id"), table_name="audit_entry", schema="marketplace")
    op.drop_index(op.f("ix_marketplace_audit_entry_action"), table_name="audit_entry", schema="marketplace")
    op.drop_table("audit_entry", schema="marketplace")
    for enum_name in ENUMS:
        op.execute(f"DROP TYPE IF EXISTS marketplace.{enum_name}")
    _execute_script(QueryBuilderEnvironment().build_uninstall_query())
