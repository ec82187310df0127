"""Database kernel: declarative bases, engine, and the one-transaction-per-unit-of-work helpers.

Services receive an `AsyncSession` that is already inside a transaction; they flush,
never commit. Whoever opened the transaction (a request, a job, a CLI command)
commits it, so a failed COMMIT always surfaces as an error.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import msgspec
from advanced_alchemy.base import UUIDv7AuditBase, orm_registry
from sqlalchemy import ColumnElement, Enum, MetaData, any_, bindparam, event, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

#: One Postgres schema per package keeps package boundaries visible in the database; the kernel's
#: own tables (outbox, audit log, idempotency keys, FX rates) live in this one.
KERNEL_SCHEMA = "kernel"

metadata: MetaData = orm_registry.metadata
_log = logging.getLogger(__name__)


S = TypeVar("S", bound=msgspec.Struct)


def db_enum(cls: type[enum.Enum], name: str, *, schema: str) -> Enum:
    """A PostgreSQL enum type (in the owning package's schema) holding the members' values (not their names)."""
    return Enum(cls, name=name, schema=schema, values_callable=lambda e: [m.value for m in e])


class Entity(UUIDv7AuditBase):
    """Base of every owned table: UUIDv7 `id`, `created_at`, `updated_at` (UTC)."""

    __abstract__ = True


def create_engine(url: str, *, pool_size: int = 10, **kwargs: Any) -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        **kwargs,
    )


def session_factory(engine: AsyncEngine, info: dict[str, Any] | None = None) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine`; `info` is what every session carries (the outbox registry: see
    `kernel.outbox.session_info`)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info)


def sibling_sessions(session: AsyncSession) -> async_sessionmaker[AsyncSession]:
    """Sessions like `session` (same engine, same `info`) for units of work of their own: a long
    job given one session that commits item by item, so that it does not hold every lock it takes
    until its end."""
    engine = session.bind
    if not isinstance(engine, AsyncEngine):
        raise TypeError("sibling sessions need a session bound to an engine")
    # Everything but what `session`'s own rollback undoes: a sibling's rollback must not delete the
    # files of a transaction that may still commit.
    info = {key: value for key, value in session.info.items() if key != _UNDO_ON_ROLLBACK}
    return session_factory(engine, info)


#: `session.info` key of what `transaction` undoes when its transaction rolls back (`on_rollback`).
_UNDO_ON_ROLLBACK = "kernel.db.undo_on_rollback"


def on_rollback(session: AsyncSession, undo: Callable[[], Awaitable[None]]) -> None:
    """Have `undo` awaited if the transaction `session` is in rolls back instead of committing: for
    what was done outside the database for its rows (a file stored for them). `transaction` (every
    request's, job's and command's) runs it after the rollback, also when COMMIT itself failed;
    a commit forgets it. It must be idempotent, and not fail: a failure is logged, never raised."""
    session.info.setdefault(_UNDO_ON_ROLLBACK, []).append(undo)


@event.listens_for(Session, "after_commit")
def _forget_undo(session: Session) -> None:
    # Committed: what the transaction did stays (a session that commits unit by unit starts afresh).
    session.info.pop(_UNDO_ON_ROLLBACK, None)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Open a session inside a transaction; commit on success, roll back on any error (and then
    undo what was registered with `on_rollback`)."""
    async with sessions() as session:
        try:
            async with session.begin():
                yield session
        except BaseException:
            for undo in session.info.pop(_UNDO_ON_ROLLBACK, []):
                try:
                    await undo()
                except Exception:  # noqa: BLE001 - the rollback's own error is the one to raise
                    _log.exception("could not undo after a rollback")
            raise


def equals_any(column: Any, values: Sequence[Any], item_type: Any) -> ColumnElement[bool]:
    """`column = ANY(:array)`: one parameter however many values. Use it for lists that
    can be long (IN takes a parameter per value, and PostgreSQL allows 32,767)."""
    return column == any_(bindparam(None, list(values), type_=ARRAY(item_type)))  # type: ignore[no-any-return]


def asyncpg_dsn(url: str) -> str:
    """The plain libpq DSN for a SQLAlchemy asyncpg URL (for asyncpg and the job queue)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def driver_connection(session: AsyncSession) -> Any:
    """The asyncpg connection under `session`, inside the session's transaction.

    For what SQLAlchemy does not offer (COPY, the job queue's own queries); whatever
    runs on it commits or rolls back with the session.
    """
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None  # noqa: S101 - an open connection always has its driver connection
    if not driver.is_in_transaction():
        # SQLAlchemy's asyncpg adapter sends BEGIN lazily, with its first statement;
        # without one, work on the bare connection would commit on its own.
        await connection.exec_driver_sql("SELECT 1")
    return driver


async def rows_as(session: AsyncSession, sql: str, params: dict[str, Any], row_type: type[S]) -> list[S]:
    """Run a SQL query and validate each row into `row_type` by column name, so that a column of the
    wrong type (a numeric sum where an integer is promised) fails here rather than on the wire."""
    result = await session.execute(text(sql), params)
    return msgspec.convert([dict(row._mapping) for row in result], list[row_type])  # type: ignore[valid-type]
