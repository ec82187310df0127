"""Running the outbox worker from tests: drain the queue, as `borderhub worker --drain` does."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.outbox import Registry
from kernel.worker import run_worker

DRAIN_TIMEOUT = 20.0
MAX_DRAIN_ROUNDS = 5


async def drain(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    registry: Registry,
    until: Callable[[], Awaitable[bool]] | None = None,
) -> None:
    """Run the worker in drain mode, again (a bounded number of times) until `until` holds."""
    for _ in range(MAX_DRAIN_ROUNDS):
        await asyncio.wait_for(run_worker(database_url, sessions, registry, drain=True), timeout=DRAIN_TIMEOUT)
        if until is None or await until():
            return
    if until is not None:
        assert await until(), f"not reached after {MAX_DRAIN_ROUNDS} drain rounds"
