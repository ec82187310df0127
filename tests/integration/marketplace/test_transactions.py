"""The request transaction: committed before the response, so a failed COMMIT is never a 2xx."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from borderhub.app import provide_db_session
from kernel.db import create_engine, session_factory
from kernel.web import exception_handlers


@pytest.fixture
async def deferred_table(engine: AsyncEngine) -> AsyncIterator[None]:
    # A constraint checked only at COMMIT: the handler itself succeeds, the commit fails.
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "CREATE TABLE public.test_deferred"
                " (id int, CONSTRAINT test_deferred_once UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    yield
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE public.test_deferred"))


@post("/twice", status_code=201)
async def insert_twice(db_session: NamedDependency[AsyncSession]) -> dict[str, bool]:
    await db_session.execute(text("INSERT INTO public.test_deferred VALUES (1), (1)"))
    return {"ok": True}


async def test_response_is_409_and_nothing_written_when_commit_fails(
    deferred_table: None, database_url: str, engine: AsyncEngine
) -> None:
    # The test client serves the app on its own event loop, so the app gets its own engine.
    app_engine = create_engine(database_url, pool_size=1)
    app = Litestar(
        [insert_twice],
        dependencies={"db_session": Provide(provide_db_session)},
        state=State({"sessions": session_factory(app_engine)}),
        exception_handlers=exception_handlers,
    )
    async with AsyncTestClient(app=app) as client:
        response = await client.post("/twice")
        client.blocking_portal.call(app_engine.dispose)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM public.test_deferred"))).scalar() == 0
