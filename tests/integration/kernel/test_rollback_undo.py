"""What `kernel.db.transaction` undoes when its transaction rolls back (`on_rollback`): its own
registrations only, never those of the session its sibling sessions came from."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.db import on_rollback, sibling_sessions, transaction


async def test_a_rollback_undoes_what_its_own_transaction_registered(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    undone: list[str] = []

    async def undo() -> None:
        undone.append("file")

    async def failing() -> None:
        async with transaction(sessions) as session:
            on_rollback(session, undo)
            raise RuntimeError("the transaction fails")

    with pytest.raises(RuntimeError):
        await failing()

    assert undone == ["file"]


async def test_a_sibling_sessions_rollback_leaves_the_files_of_the_transaction_that_commits(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    undone: list[str] = []

    async def undo_parent() -> None:
        undone.append("the parent's file")

    async def failing_sibling(parent: AsyncSession) -> None:
        async with transaction(sibling_sessions(parent)):
            raise RuntimeError("the sibling's unit of work fails")

    async with transaction(sessions) as parent:
        on_rollback(parent, undo_parent)
        with pytest.raises(RuntimeError):
            await failing_sibling(parent)
        assert undone == []

    assert undone == []  # the parent committed: its file stays
