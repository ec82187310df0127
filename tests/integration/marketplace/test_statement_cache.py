"""Every statement of a checkout and of what follows it (notifications, mail, invoice numbers) is
compiled once and then served from SQLAlchemy's compiled cache: a statement without a cache key
(a multi-row `.values(rows)`) is compiled anew on every call, which cost a checkout 7 % of the
serving process (`benchmarks/README.md`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.default import NO_CACHE_KEY, DefaultExecutionContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.order import Market, build_market, place

Client = AsyncTestClient[Any]


@pytest.fixture
def uncached() -> Iterator[list[str]]:
    """The statements every engine of the process runs that have no cache key."""
    found: list[str] = []

    def after(*args: Any) -> None:
        context = args[4]
        if isinstance(context, DefaultExecutionContext) and context.cache_hit is NO_CACHE_KEY:
            found.append(" ".join(context.statement.split())[:120])

    event.listen(Engine, "after_cursor_execute", after)
    yield found
    event.remove(Engine, "after_cursor_execute", after)


async def test_a_checkout_and_its_notifications_run_only_cacheable_statements(
    client: Client,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    run_worker: Callable[[], Awaitable[None]],
    uncached: list[str],
) -> None:
    m: Market = await build_market(client, sessions, settings)
    uncached.clear()
    await place(client, m.buyer, m.checkout((m.honey, "20"), (m.cheese, "3"), (m.jam, "5")))
    await run_worker()
    assert uncached == []
