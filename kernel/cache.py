"""Rows that are read by many requests and written rarely (the VAT rate corrections), kept by each
application for a short while instead of read on every request.

The store belongs to a session factory (`kernel.db.session_factory` makes one per factory), so an
application's requests share it, and another application — a test's, a worker's — has its own. A
transaction that changes such rows marks them (`changed`): it reads them afresh until it ends, and
its commit drops them from the store, so that its own process serves the change at once. Other
processes see it when their copy expires (`ttl` seconds); so may a request of this process that had
read the old rows just before the commit.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

T = TypeVar("T")

#: `session.info` keys: the factory's store, and what this session's transaction changed.
STORE = "kernel.cache.store"
_CHANGED = "kernel.cache.changed"


def new_store() -> dict[str, tuple[float, Any]]:
    return {}


async def cached(session: AsyncSession, key: str, ttl: float, load: Callable[[], Awaitable[T]]) -> T:
    """What `load` reads, from the store when read less than `ttl` seconds ago by this application."""
    store: dict[str, tuple[float, Any]] | None = session.info.get(STORE)
    if store is None or key in session.info.get(_CHANGED, ()):
        return await load()
    now = time.monotonic()
    held = store.get(key)
    if held is None or held[0] <= now:
        held = (now + ttl, await load())
        store[key] = held
    value: T = held[1]
    return value


def changed(session: AsyncSession, key: str) -> None:
    """This transaction writes what is kept under `key`: read it afresh here, drop it at commit."""
    session.info.setdefault(_CHANGED, set()).add(key)


@event.listens_for(Session, "after_commit")
def _drop_changed(session: Session) -> None:
    store = session.info.get(STORE)
    for key in session.info.pop(_CHANGED, ()):
        if store is not None:
            store.pop(key, None)


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_CHANGED, None)
