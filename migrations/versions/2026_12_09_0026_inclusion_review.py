"""inclusion review: the evidence a coordinator saw when verifying, and a hub's refusal with its reason

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-09 00:00:00+00:00

A hub's coordinator verifies a declared inclusion attribute "with the evidence seen": what they saw
is kept beside the verification (`inclusion.verification_evidence`, empty on the verifications made
before). A coordinator may also refuse to verify a declaration, saying why: one row per hub,
organisation and attribute in `inclusion_refusal`, so the hub's work queue no longer lists it while
another hub may still verify it. Downgrading drops both (the verifications stay).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "marketplace"


def upgrade() -> None:
    op.add_column("inclusion", sa.Column("verification_evidence", sa.String(1000), nullable=True), schema=SCHEMA)
    op.create_table(
        "inclusion_refusal",
        sa.Column("hub_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "attribute",
            postgresql.ENUM(name="inclusion_attribute", schema=SCHEMA, create_type=False),
            nullable=False,
        ),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("refused_by", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["hub_id"], [f"{SCHEMA}.hub.id"], name=op.f("fk_inclusion_refusal_hub_id_hub")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            [f"{SCHEMA}.organization.id"],
            name=op.f("fk_inclusion_refusal_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inclusion_refusal")),
        # Also the index of a hub's refusals (its first column).
        sa.UniqueConstraint("hub_id", "organization_id", "attribute", name="uq_inclusion_refusal_attribute"),
        schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_marketplace_inclusion_refusal_organization_id"),
        "inclusion_refusal",
        ["organization_id"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_marketplace_inclusion_refusal_organization_id"), table_name="inclusion_refusal", schema=SCHEMA
    )
    op.drop_table("inclusion_refusal", schema=SCHEMA)
    op.drop_column("inclusion", "verification_evidence", schema=SCHEMA)
