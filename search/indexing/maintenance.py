"""Rebuilding the index from the database and checking it against the database, document by document."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from marketplace import api
from marketplace.kernel.db import transaction
from search.engines.base import SearchEngine
from search.indexing.sync import BATCH, SyncCounts, batches, expected_documents, sync_listings

Progress = Callable[[int], None]


async def all_listing_ids(sessions: async_sessionmaker[AsyncSession]) -> list[uuid.UUID]:
    ids: list[uuid.UUID] = []
    async with transaction(sessions) as session:
        while batch := await api.listing_id_batch(session, ids[-1] if ids else None, 10 * BATCH):
            ids.extend(batch)
    return ids


async def reindex(
    sessions: async_sessionmaker[AsyncSession], engine: SearchEngine, progress: Progress | None = None
) -> SyncCounts:
    """Sync every listing, one transaction per batch, then drop documents of listings that no longer exist."""
    ids = await all_listing_ids(sessions)
    total = SyncCounts()
    for batch in batches(ids):
        async with transaction(sessions) as session:
            counts = await sync_listings(session, engine, batch)
        total.upserted += counts.upserted
        total.deleted += counts.deleted
        if progress is not None:
            progress(len(batch))
    async with transaction(sessions) as session:
        # Re-synced, not deleted outright: a listing created since the ids were read is no orphan.
        orphans = await sync_listings(session, engine, await engine.ids(session) - set(ids))
    total.upserted += orphans.upserted
    total.deleted += orphans.deleted
    return total


class Drift(msgspec.Struct, kw_only=True):
    checked: int = 0
    missing: list[uuid.UUID] = msgspec.field(default_factory=list)
    """Offered listings the index lacks."""
    stale: dict[uuid.UUID, list[str]] = msgspec.field(default_factory=dict)
    """Indexed listings whose document differs from the database, with the fields that differ."""
    unexpected: list[uuid.UUID] = msgspec.field(default_factory=list)
    """Documents of listings that are not offered (paused, archived, gone, producer not admitted)."""

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.unexpected)


async def check(
    sessions: async_sessionmaker[AsyncSession], engine: SearchEngine, progress: Progress | None = None
) -> Drift:
    """Compare every document with what the database says it should be (read only)."""
    ids = await all_listing_ids(sessions)
    drift = Drift(checked=len(ids))
    for batch in batches(ids):
        async with transaction(sessions) as session:
            expected = await expected_documents(session, batch)
            stored = await engine.fetch(session, batch)
        for listing_id in batch:
            want, have = expected.get(listing_id), stored.get(listing_id)
            if want is None and have is not None:
                drift.unexpected.append(listing_id)
            elif want is not None and have is None:
                drift.missing.append(listing_id)
            elif want is not None and have is not None and want != have:
                drift.stale[listing_id] = differing_fields(want, have)
        if progress is not None:
            progress(len(batch))
    async with transaction(sessions) as session:
        others = sorted(await engine.ids(session) - set(ids))
        # Listings created since the ids were read are offered, not unexpected.
        offered = await expected_documents(session, others) if others else {}
    drift.unexpected.extend(listing_id for listing_id in others if listing_id not in offered)
    return drift


def differing_fields(a: msgspec.Struct, b: msgspec.Struct) -> list[str]:
    return [field for field in a.__struct_fields__ if getattr(a, field) != getattr(b, field)]
