"""Compliance: credentials organisations hold, hubs' recognitions between jurisdictions and requirements.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 14:21:50.943852+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


ENUMS = ("credential_status", "requirement_classification_scheme")


def upgrade() -> None:
    op.create_table(
        "credential",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("credential_type", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("issuing_jurisdiction", sa.String(length=6), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("document_url", sa.String(length=2000), nullable=False),
        sa.Column(
            "status",
            sa.Enum("submitted", "verified", "rejected", name="credential_status", schema="marketplace"),
            nullable=False,
        ),
        sa.Column("rejection_reason", sa.String(length=1000), nullable=True),
        sa.Column("decided_by_hub_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expiry_flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("valid_until >= valid_from", name=op.f("ck_credential_credential_validity_ordered")),
        sa.ForeignKeyConstraint(
            ["decided_by_hub_id"], ["marketplace.hub.id"], name=op.f("fk_credential_decided_by_hub_id_hub")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["marketplace.organization.id"],
            name=op.f("fk_credential_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential")),
        sa.UniqueConstraint(
            "organization_id",
            "credential_type",
            "issuing_jurisdiction",
            "number",
            "valid_from",
            name="uq_credential_per_organization",
        ),
        schema="marketplace",
    )
    op.create_index(
        "ix_credential_status_valid_until", "credential", ["status", "valid_until"], unique=False, schema="marketplace"
    )
    op.create_index(
        op.f("ix_marketplace_credential_organization_id"),
        "credential",
        ["organization_id"],
        unique=False,
        schema="marketplace",
    )
    op.create_table(
        "credential_recognition",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("hub_id", sa.Uuid(), nullable=False),
        sa.Column("credential_type", sa.String(length=40), nullable=False),
        sa.Column("issued_in", sa.String(length=6), nullable=False),
        sa.Column("recognised_in", sa.String(length=6), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["hub_id"], ["marketplace.hub.id"], name=op.f("fk_credential_recognition_hub_id_hub")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_recognition")),
        sa.UniqueConstraint(
            "hub_id", "credential_type", "issued_in", "recognised_in", name="uq_credential_recognition_per_hub"
        ),
        schema="marketplace",
    )
    op.create_index(
        op.f("ix_marketplace_credential_recognition_hub_id"),
        "credential_recognition",
        ["hub_id"],
        unique=False,
        schema="marketplace",
    )
    op.create_table(
        "credential_requirement",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("hub_id", sa.Uuid(), nullable=False),
        sa.Column(
            "classification_scheme",
            sa.Enum("CPV", "HS", name="requirement_classification_scheme", schema="marketplace"),
            nullable=False,
        ),
        sa.Column("classification_prefix", sa.String(length=10), nullable=False),
        sa.Column("destination", sa.String(length=6), nullable=False),
        sa.Column("credential_type", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["hub_id"], ["marketplace.hub.id"], name=op.f("fk_credential_requirement_hub_id_hub")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_requirement")),
        sa.UniqueConstraint(
            "hub_id",
            "classification_scheme",
            "classification_prefix",
            "destination",
            "credential_type",
            name="uq_credential_requirement_per_hub",
        ),
        schema="marketplace",
    )
    op.create_index(
        op.f("ix_marketplace_credential_requirement_hub_id"),
        "credential_requirement",
        ["hub_id"],
        unique=False,
        schema="marketplace",
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_marketplace_credential_requirement_hub_id"), table_name="credential_requirement", schema="marketplace"
    )
    op.drop_table("credential_requirement", schema="marketplace")
    op.drop_index(
        op.f("ix_marketplace_credential_recognition_hub_id"), table_name="credential_recognition", schema="marketplace"
    )
    op.drop_table("credential_recognition", schema="marketplace")
    op.drop_index(op.f("ix_marketplace_credential_organization_id"), table_name="credential", schema="marketplace")
    op.drop_index("ix_credential_status_valid_until", table_name="credential", schema="marketplace")
    op.drop_table("credential", schema="marketplace")
    for enum_name in ENUMS:
        op.execute(f"DROP TYPE IF EXISTS marketplace.{enum_name}")
