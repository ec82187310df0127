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
def executed() -> Iterator[list[tuple[str, bool]]]:
    """Every statement the engines of the process run, and whether it had a cache key."""
    found: list[tuple[str, bool]] = []

    def after(*args: Any) -> None:
        context = args[4]
        if isinstance(context, DefaultExecutionContext):
            found.append((" ".join(context.statement.split())[:120], context.cache_hit is not NO_CACHE_KEY))

    event.listen(Engine, "after_cursor_execute", after)
    yield found
    event.remove(Engine, "after_cursor_execute", after)


async def test_a_checkout_and_its_notifications_run_only_cacheable_statements(
    client: Client,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    run_worker: Callable[[], Awaitable[None]],
    executed: list[tuple[str, bool]],
) -> None:
    m: Market = await build_market(client, sessions, settings)
    executed.clear()
    await place(client, m.buyer, m.checkout((m.honey, "20"), (m.cheese, "3"), (m.jam, "5")))
    await run_worker()
    statements = [statement for statement, _ in executed]
    # Seen at all: the checkout's order, the notifications and the mail its worker wrote.
    assert any(s.startswith("INSERT INTO marketplace.purchase_order") for s in statements)
    assert any(s.startswith("INSERT INTO marketplace.notification") for s in statements)
    assert any(s.startswith("INSERT INTO marketplace.outgoing_mail") for s in statements)
    assert [statement for statement, cacheable in executed if not cacheable] == []
