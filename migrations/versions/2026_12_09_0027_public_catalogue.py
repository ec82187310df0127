"""public catalogue: whether a hub's public catalogue preview shows prices

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-09 00:00:00+00:00

A hub shows what its producers offer to buyers who have not joined yet (`/portal/<hub>/catalogue`);
its coordinators choose whether that preview shows the prices (`hub.catalogue_shows_prices`, on
for every hub there is). Downgrading drops the choice.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "marketplace"


def upgrade() -> None:
    op.add_column(
        "hub",
        sa.Column("catalogue_shows_prices", sa.Boolean(), server_default="true", nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_column("hub", "catalogue_shows_prices", schema=SCHEMA)
