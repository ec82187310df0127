"""Rows that are read by many requests and written rarely (the VAT rate corrections), kept by each
application for a short while instead of read on every request.

The store belongs to a session factory (`kernel.db.session_factory` makes one per factory), so an
application's requests share it, and another application — a test's, a worker's — has its own. A
transaction that changes such rows marks them (`changed`): it reads them afresh until it ends, and
its commit drops them from the store, so that its own process serves the change at once (a read
that was under way meanwhile is not kept). Other processes see it when their copy expires (`ttl`
seconds).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

T = TypeVar("T")

#: `session.info` keys: the factory's store, and what this session's transaction changed (a
#: sibling session, `kernel.db.sibling_sessions`, has its own).
STORE = "kernel.cache.store"
CHANGED = "kernel.cache.changed"


class Store:
    def __init__(self) -> None:
        self._kept: dict[str, tuple[float, Any]] = {}
        self._drops: dict[str, int] = {}
        """How often each key was dropped: a read that began before a drop is not kept."""

    def get(self, key: str, now: float) -> tuple[bool, Any]:
        held = self._kept.get(key)
        return (True, held[1]) if held is not None and held[0] > now else (False, None)

    def drops(self, key: str) -> int:
        return self._drops.get(key, 0)

    def keep(self, key: str, value: Any, until: float, *, drops_then: int) -> None:
        if self.drops(key) == drops_then:
            self._kept[key] = (until, value)

    def drop(self, key: str) -> None:
        self._kept.pop(key, None)
        self._drops[key] = self.drops(key) + 1


async def cached(session: AsyncSession, key: str, ttl: float, load: Callable[[], Awaitable[T]]) -> T:
    """What `load` reads, from the store when read less than `ttl` seconds ago by this application."""
    store: Store | None = session.info.get(STORE)
    if store is None or key in session.info.get(CHANGED, ()):
        return await load()
    found, value = store.get(key, time.monotonic())
    if found:
        kept: T = value
        return kept
    drops = store.drops(key)
    loaded = await load()
    store.keep(key, loaded, time.monotonic() + ttl, drops_then=drops)
    return loaded


def changed(session: AsyncSession, key: str) -> None:
    """This transaction writes what is kept under `key`: read it afresh here, drop it at commit."""
    session.info.setdefault(CHANGED, set()).add(key)


@event.listens_for(Session, "after_commit")
def _drop_changed(session: Session) -> None:
    store = session.info.get(STORE)
    for key in session.info.pop(CHANGED, ()):
        if store is not None:
            store.drop(key)


@event.listens_for(Session, "after_transaction_end")
def _forget_changes(session: Session, transaction: SessionTransaction) -> None:
    # Only when the whole transaction ends: a rolled-back savepoint leaves the marks of the rest.
    if transaction.parent is None:
        session.info.pop(CHANGED, None)
