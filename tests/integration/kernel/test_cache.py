"""`kernel.cache`: what one application keeps of rarely written rows, and when it stops keeping it."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel import cache
from kernel.db import transaction

KEY = "test.answers"


async def _read(session: AsyncSession) -> list[str]:
    async def load() -> list[str]:
        return list((await session.scalars(text("SELECT quote FROM kernel.fx_rate ORDER BY quote"))).all())

    return await cache.cached(session, KEY, 60.0, load)


@pytest.fixture
async def keeps_one_row(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with transaction(sessions) as session:
        await session.execute(
            text("INSERT INTO kernel.fx_rate (id, base, quote, rate, as_of, source, created_at, updated_at)"
                 " VALUES (gen_random_uuid(), 'EUR', 'PLN', 4.2, current_date, 'test', now(), now())")
        )  # fmt: skip


async def test_a_read_is_kept_until_a_transaction_that_changed_it_commits(
    sessions: async_sessionmaker[AsyncSession], keeps_one_row: None
) -> None:
    async with transaction(sessions) as session:
        assert await _read(session) == ["PLN"]
    async with transaction(sessions) as session:
        await session.execute(text("UPDATE kernel.fx_rate SET quote = 'CZK'"))
        assert await _read(session) == ["PLN"], "another transaction's change is not seen until it is marked"
        cache.changed(session, KEY)
        assert await _read(session) == ["CZK"], "the changing transaction reads its own change"
    async with transaction(sessions) as session:
        assert await _read(session) == ["CZK"], "its commit dropped the kept copy"


async def test_what_a_rolled_back_transaction_read_of_its_own_change_is_never_kept(
    sessions: async_sessionmaker[AsyncSession], keeps_one_row: None
) -> None:
    async def failing_correction() -> None:
        async with transaction(sessions) as session:
            await session.execute(text("UPDATE kernel.fx_rate SET quote = 'CZK'"))
            cache.changed(session, KEY)
            assert await _read(session) == ["CZK"]
            raise RuntimeError("the correction fails")

    with pytest.raises(RuntimeError):
        await failing_correction()
    async with transaction(sessions) as session:
        assert await _read(session) == ["PLN"]


async def test_a_rolled_back_savepoint_keeps_the_marks_of_the_transaction_around_it(
    sessions: async_sessionmaker[AsyncSession], keeps_one_row: None
) -> None:
    async with transaction(sessions) as session:
        assert await _read(session) == ["PLN"]
    async with transaction(sessions) as session:
        await session.execute(text("UPDATE kernel.fx_rate SET quote = 'CZK'"))
        cache.changed(session, KEY)
        savepoint = await session.begin_nested()
        await savepoint.rollback()
        assert await _read(session) == ["CZK"], "still read afresh after the savepoint"
    async with transaction(sessions) as session:
        assert await _read(session) == ["CZK"], "and still dropped at commit"


async def test_a_read_under_way_while_a_change_commits_is_not_kept(
    sessions: async_sessionmaker[AsyncSession], keeps_one_row: None
) -> None:
    async with transaction(sessions) as reader:

        async def slow_old_read() -> list[str]:
            old = ["PLN"]
            async with transaction(sessions) as writer:  # the change commits while the read is out
                await writer.execute(text("UPDATE kernel.fx_rate SET quote = 'CZK'"))
                cache.changed(writer, KEY)
            return old

        assert await cache.cached(reader, KEY, 60.0, slow_old_read) == ["PLN"]
    async with transaction(sessions) as session:
        assert await _read(session) == ["CZK"]
