"""credential documents: a credential's document uploaded (kept in the file storage), and its issuer

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 00:00:00+00:00

A credential's document may now be uploaded (a PDF, JPEG or PNG kept in the file storage,
FILE_STORAGE, under `document_key`) instead of, or besides, linked: `document_url` becomes
optional, and a check asks for one of the two. The upload's type, safe file name and size are
kept beside its key (all four or none). `issuer` names the authority that issued the credential;
it is empty on the credentials recorded before.

Downgrading drops the new columns, not the files; a credential that had only an uploaded
document keeps its storage key in `document_url` (prefixed `file-storage:`), which the old
code shows as a link that leads nowhere rather than losing where the file is.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "marketplace"


def upgrade() -> None:
    op.add_column("credential", sa.Column("issuer", sa.String(200), nullable=True), schema=SCHEMA)
    op.add_column("credential", sa.Column("document_key", sa.String(300), nullable=True), schema=SCHEMA)
    op.add_column("credential", sa.Column("document_media_type", sa.String(100), nullable=True), schema=SCHEMA)
    op.add_column("credential", sa.Column("document_name", sa.String(200), nullable=True), schema=SCHEMA)
    op.add_column("credential", sa.Column("document_bytes", sa.Integer(), nullable=True), schema=SCHEMA)
    op.alter_column("credential", "document_url", existing_type=sa.String(2000), nullable=True, schema=SCHEMA)
    op.create_check_constraint(
        op.f("ck_credential_has_document"),
        "credential",
        "document_url IS NOT NULL OR document_key IS NOT NULL",
        schema=SCHEMA,
    )
    op.create_check_constraint(
        op.f("ck_credential_document_described"),
        "credential",
        "(document_key IS NULL) = (document_media_type IS NULL) "
        "AND (document_key IS NULL) = (document_name IS NULL) "
        "AND (document_key IS NULL) = (document_bytes IS NULL)",
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_credential_document_described"), "credential", type_="check", schema=SCHEMA)
    op.drop_constraint(op.f("ck_credential_has_document"), "credential", type_="check", schema=SCHEMA)
    op.execute(
        "UPDATE marketplace.credential SET document_url = 'file-storage:' || document_key WHERE document_url IS NULL"
    )
    op.alter_column("credential", "document_url", existing_type=sa.String(2000), nullable=False, schema=SCHEMA)
    op.drop_column("credential", "document_bytes", schema=SCHEMA)
    op.drop_column("credential", "document_name", schema=SCHEMA)
    op.drop_column("credential", "document_media_type", schema=SCHEMA)
    op.drop_column("credential", "document_key", schema=SCHEMA)
    op.drop_column("credential", "issuer", schema=SCHEMA)
