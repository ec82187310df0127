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

import asyncpg
import msgspec
from advanced_alchemy.base import UUIDv7AuditBase, orm_registry
from sqlalchemy import ColumnElement, Enum, MetaData, any_, bindparam, event, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from kernel import cache

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
    # Times come back in UTC whatever the server's zone, also where SQL renders them (JSON).
    connect_args = {"server_settings": {"timezone": "UTC"}}
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, connect_args=connect_args, **kwargs)
    event.listen(engine.sync_engine.pool, "checkout", _refuse_closed_connection)
    return engine


def _refuse_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Hand out no connection the server has closed (a restart, an idle timeout): the pool then
    tries another, or a new one.

    Instead of `pool_pre_ping`, whose ping is three round trips (BEGIN, an empty query, ROLLBACK)
    before every request's first statement — a fifth of a one-row read. asyncpg learns of a closed
    socket as the event loop reads it, so this costs nothing; a connection that breaks unnoticed
    fails its request with 503 and SQLAlchemy then renews the whole pool."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this connection")


def session_factory(engine: AsyncEngine, info: dict[str, Any] | None = None) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine`; `info` is what every session carries (the outbox registry: see
    `kernel.outbox.session_info`), and the store of `kernel.cache` they share."""
    info = {cache.STORE: cache.Store(), **(info or {})}
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
    # and what it marked as changed (`kernel.cache`): a sibling's commit drops only its own.
    info = {key: value for key, value in session.info.items() if key not in (_UNDO_ON_ROLLBACK, cache.CHANGED)}
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


async def fetch(session: AsyncSession, sql: str, *args: Any) -> list[Any]:
    """The rows of a read sent on the asyncpg connection under `session`, past SQLAlchemy.

    For the reads nearly every request makes (who is calling, the object it names): SQLAlchemy's own
    work per statement (building it, its cache key, the greenlet hop, the ORM's identity map) costs
    several times what asyncpg does for the same query (`benchmarks/README.md`, per-request cost).
    Reads only, of what the database holds: changes the session has not flushed are not seen
    (sessions do not autoflush). Before the session's first SQLAlchemy statement no transaction has
    begun, so this one runs on its own — which under READ COMMITTED, where every statement takes its own snapshot,
    reads the same. JSON columns arrive decoded (SQLAlchemy's dialect sets asyncpg's JSON codecs on
    each connection). A failure is raised as SQLAlchemy's `DBAPIError`, as any statement's is (so it
    is answered 503, or 400 for a value the database cannot take), and a connection found closed
    is not given back to the pool."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    try:
        rows: list[Any] = await driver.fetch(sql, *args)  # type: ignore[union-attr]
    except (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError) as exc:
        closed = driver.is_closed()  # type: ignore[union-attr]
        if closed:
            await connection.invalidate(exc)
        raise DBAPIError(sql, args, exc, connection_invalidated=closed) from exc
    return rows


async def fetch_as(session: AsyncSession, sql: str, row_type: type[S], *args: Any) -> list[S]:
    """`fetch`'s rows as `row_type`, matched by column name (text to enums, JSON to structs)."""
    return msgspec.convert([dict(row) for row in await fetch(session, sql, *args)], list[row_type])  # type: ignore[valid-type]


async def rows_as(session: AsyncSession, sql: str, params: dict[str, Any], row_type: type[S]) -> list[S]:
    """Run a SQL query and validate each row into `row_type` by column name, so that a column of the
    wrong type (a numeric sum where an integer is promised) fails here rather than on the wire."""
    result = await session.execute(text(sql), params)
    return msgspec.convert([dict(row._mapping) for row in result], list[row_type])  # type: ignore[valid-type]
