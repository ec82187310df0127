"""Every integration test is cleaned up after, whichever fixtures it reaches the database through
(a CLI test may hold only `database_url`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.composition import Composition
from tests.worker import drain


@pytest.fixture(autouse=True)
def _cleaned_after(_clean_database: None) -> None:
    """Request the root conftest's `_clean_database` for every test in this folder."""


@pytest.fixture
def run_worker(
    database_url: str, sessions: async_sessionmaker[AsyncSession], composition: Composition
) -> Callable[[], Awaitable[None]]:
    """Run the outbox worker until its queue is empty, as `serve` does a moment after each request."""

    async def run() -> None:
        await drain(database_url, sessions, composition.registry)

    return run
