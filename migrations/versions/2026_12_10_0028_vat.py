"""vat: organisations' VAT status and billing details, listings' VAT category, orders' VAT, rate corrections

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-10 00:00:00+00:00

Every organisation there is starts as not registered for VAT (it charges none) until it enters its
VAT number or its small-business exemption; every listing is in the standard category; every order
placed before carries no VAT (code O, rate 0), which is what was invoiced. Downgrading drops it all.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "marketplace"

VAT_SCHEME = postgresql.ENUM("registered", "small_business", "not_registered", name="vat_scheme", schema=SCHEMA)
VAT_CATEGORY = postgresql.ENUM(
    "standard", "reduced", "super_reduced", "zero", "exempt", name="vat_category", schema=SCHEMA
)


def upgrade() -> None:
    VAT_SCHEME.create(op.get_bind(), checkfirst=False)
    VAT_CATEGORY.create(op.get_bind(), checkfirst=False)
    scheme = postgresql.ENUM(name="vat_scheme", schema=SCHEMA, create_type=False)
    category = postgresql.ENUM(name="vat_category", schema=SCHEMA, create_type=False)
    for name, column_type in (
        ("street", sa.String(200)),
        ("postal_code", sa.String(20)),
        ("vat_number", sa.String(20)),
        ("iban", sa.String(34)),
        ("bic", sa.String(11)),
        ("leitweg_id", sa.String(50)),
        ("invoice_email", sa.String(320)),
        ("phone", sa.String(40)),
    ):
        op.add_column("organization", sa.Column(name, column_type, nullable=True), schema=SCHEMA)
    op.add_column(
        "organization",
        sa.Column("vat_scheme", scheme, server_default="not_registered", nullable=False),
        schema=SCHEMA,
    )
    op.add_column(
        "listing", sa.Column("vat_category", category, server_default="standard", nullable=False), schema=SCHEMA
    )
    op.add_column(
        "purchase_order", sa.Column("vat_minor", sa.BigInteger(), server_default="0", nullable=False), schema=SCHEMA
    )
    op.add_column("purchase_order", sa.Column("seller_vat_number", sa.String(20), nullable=True), schema=SCHEMA)
    op.add_column("purchase_order", sa.Column("buyer_vat_number", sa.String(20), nullable=True), schema=SCHEMA)
    op.add_column("order_line", sa.Column("vat_code", sa.String(2), server_default="O", nullable=False), schema=SCHEMA)
    op.add_column(
        "order_line", sa.Column("vat_rate", sa.Numeric(5, 2), server_default="0", nullable=False), schema=SCHEMA
    )
    op.add_column("order_line", sa.Column("vat_note", sa.String(30), nullable=True), schema=SCHEMA)
    op.create_table(
        "vat_rate_correction",
        sa.Column("country", sa.CHAR(2), nullable=False),
        sa.Column("category", category, nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("rate", sa.Numeric(5, 2), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("set_by", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.CheckConstraint("rate >= 0 AND rate < 100", name=op.f("ck_vat_rate_correction_rate_is_percent")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vat_rate_correction")),
        sa.UniqueConstraint("country", "category", "valid_from", name="uq_vat_rate_correction"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("vat_rate_correction", schema=SCHEMA)
    for table, columns in (
        ("order_line", ("vat_note", "vat_rate", "vat_code")),
        ("purchase_order", ("buyer_vat_number", "seller_vat_number", "vat_minor")),
        ("listing", ("vat_category",)),
        (
            "organization",
            (
                "vat_scheme",
                "phone",
                "invoice_email",
                "leitweg_id",
                "bic",
                "iban",
                "vat_number",
                "postal_code",
                "street",
            ),
        ),
    ):
        for column in columns:
            op.drop_column(table, column, schema=SCHEMA)
    VAT_CATEGORY.drop(op.get_bind(), checkfirst=False)
    VAT_SCHEME.drop(op.get_bind(), checkfirst=False)
