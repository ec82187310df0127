"""A pooled connection the server has closed is never handed to a request (`kernel.db.create_engine`
checks for that instead of pinging before every request)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kernel.db import asyncpg_dsn, create_engine, fetch, session_factory, transaction


async def terminate(database_url: str, backend: int) -> None:
    """Have the server close one connection, as a restart or an idle timeout would."""
    admin = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", backend)
    finally:
        await admin.close()
    await asyncio.sleep(0.2)  # the event loop reads the closed socket


async def test_a_request_after_the_server_closed_every_pooled_connection_is_served(database_url: str) -> None:
    engine = create_engine(database_url, pool_size=2)
    sessions = session_factory(engine)
    try:
        async with transaction(sessions) as session:
            backend = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        await terminate(database_url, backend)

        async with transaction(sessions) as session:
            assert (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one() != backend
    finally:
        await engine.dispose()


async def test_a_read_past_sqlalchemy_on_a_connection_closed_under_it_fails_as_a_database_error(
    database_url: str,
) -> None:
    engine = create_engine(database_url, pool_size=2)
    sessions = session_factory(engine)

    async def read_after_the_server_closed_the_connection() -> int:
        async with transaction(sessions) as session:
            backend: int = (await fetch(session, "SELECT pg_backend_pid() AS pid"))[0]["pid"]
            await terminate(database_url, backend)
            await fetch(session, "SELECT 1")
        return backend

    try:
        with pytest.raises(DBAPIError) as failure:
            await read_after_the_server_closed_the_connection()
        assert failure.value.connection_invalidated

        async with transaction(sessions) as session:
            assert (await fetch(session, "SELECT 1 AS one"))[0]["one"] == 1
    finally:
        await engine.dispose()
