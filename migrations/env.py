"""Alembic environment: async engine from DATABASE_URL, only Borderhub's own schemas compared."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

# Every package's models, so autogenerate and `alembic check` see all tables.
import kernel.audit
import kernel.fx
import kernel.idempotency
import kernel.outbox  # noqa: F401
import marketplace.cart.models
import marketplace.catalog.models
import marketplace.compliance.models
import marketplace.dashboard.models
import marketplace.dispute.models
import marketplace.financing.models
import marketplace.hub.models
import marketplace.identity.models
import marketplace.mail.models
import marketplace.notification.models
import marketplace.order.models
import marketplace.organization.models
import marketplace.payment.models
import marketplace.tax.models  # noqa: F401
import procurement.award.models
import procurement.ocds.models
import procurement.pool.models
import procurement.tender.models  # noqa: F401
import search.engines.postgres_tables  # noqa: F401
from kernel.db import metadata

config = context.config


#: The schemas our packages own (one each); the job queue's tables (public schema) are pgqueuer's to manage.
OWNED_SCHEMAS = {table.schema for table in metadata.tables.values()}


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    if type_ == "schema":
        return name in OWNED_SCHEMAS
    return True


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_schemas=True,
        include_name=_include_name,
        version_table_schema="public",
        compare_type=True,
        compare_server_default=False,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run() -> None:
    url = config.attributes.get("database_url") or os.environ["DATABASE_URL"]
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_configure)
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    _configure(connection)
else:
    asyncio.run(_run())
