"""Rebuilding the index from the database and checking it against the database, document by document."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import msgspec
import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel import cache
from kernel.db import transaction
from marketplace import api
from search.engines.base import SearchEngine
from search.engines.postgres import load_vocabulary_statements
from search.indexing.sync import BATCH, SyncCounts, batches, expected_documents, sync_listings
from search.vocabulary import UNDERSTOOD, starter_concepts

Progress = Callable[[int], None]
_log = structlog.get_logger("borderhub.search")


async def all_listing_ids(sessions: async_sessionmaker[AsyncSession]) -> list[uuid.UUID]:
    async with transaction(sessions) as session:
        return await _all_ids(session)


async def load_starter_vocabulary(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Load the starter vocabulary (`search/vocabulary/starter.jsonl`) again, replacing the platform's terms
    of its concepts and keeping what hubs added; the number of concepts. Migration 0031 loaded it once; a
    release that corrects the file asks for this."""
    async with transaction(sessions) as session:
        cache.changed(session, UNDERSTOOD)
        for statement, parameters in load_vocabulary_statements():
            await session.execute(text(statement), parameters)
    return len(starter_concepts())


async def reindex(
    sessions: async_sessionmaker[AsyncSession],
    engine: SearchEngine,
    progress: Progress | None = None,
    ids: list[uuid.UUID] | None = None,
) -> SyncCounts:
    """Rebuild every listing's document (`ids`, when the caller has read them already), one transaction
    per batch, then drop documents of listings that no longer exist."""
    ids = ids if ids is not None else await all_listing_ids(sessions)
    total = SyncCounts()
    for batch in batches(ids):
        async with transaction(sessions) as session:
            counts = await sync_listings(session, engine, batch, rewrite=True)
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
    sessions: async_sessionmaker[AsyncSession],
    engine: SearchEngine,
    progress: Progress | None = None,
    ids: list[uuid.UUID] | None = None,
) -> Drift:
    """Compare every document with what the database says it should be (read only; `ids`, as for
    `reindex`)."""
    ids = ids if ids is not None else await all_listing_ids(sessions)
    drift = Drift(checked=len(ids))
    for batch in batches(ids):
        async with transaction(sessions) as session:
            await _compare(session, engine, batch, drift)
        if progress is not None:
            progress(len(batch))
    async with transaction(sessions) as session:
        await _unexpected_others(session, engine, set(ids), drift)
    return drift


async def repair_drift(session: AsyncSession, engine: SearchEngine) -> Drift:
    """Scheduled hourly: find drift as `check` does and re-sync exactly the drifted listings.

    It heals what outbox deliveries could not: an engine outage longer than the worker's retries
    (about 8½ minutes), after which deliveries are held. Raises while the engine is unreachable
    (the next hour tries again)."""
    drift = Drift()
    after: uuid.UUID | None = None
    while batch := await api.listing_id_batch(session, after, BATCH):
        after = batch[-1]
        drift.checked += len(batch)
        found = Drift()
        await _compare(session, engine, batch, found)
        await sync_listings(session, engine, [*found.missing, *found.stale, *found.unexpected])
        drift.missing += found.missing
        drift.stale.update(found.stale)
        drift.unexpected += found.unexpected
    others = Drift()
    await _unexpected_others(session, engine, set(await _all_ids(session)), others)
    await sync_listings(session, engine, others.unexpected)
    drift.unexpected += others.unexpected
    if not drift.clean:
        _log.warning(
            "search index repaired",
            missing=len(drift.missing),
            stale=len(drift.stale),
            unexpected=len(drift.unexpected),
        )
    return drift


async def _all_ids(session: AsyncSession) -> list[uuid.UUID]:
    ids: list[uuid.UUID] = []
    while batch := await api.listing_id_batch(session, ids[-1] if ids else None, 10 * BATCH):
        ids.extend(batch)
    return ids


async def _compare(session: AsyncSession, engine: SearchEngine, batch: list[uuid.UUID], drift: Drift) -> None:
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


async def _unexpected_others(session: AsyncSession, engine: SearchEngine, known: set[uuid.UUID], drift: Drift) -> None:
    """Documents of listings not among `known`: unexpected unless created meanwhile (then offered)."""
    others = sorted(await engine.ids(session) - known)
    offered = await expected_documents(session, others) if others else {}
    drift.unexpected.extend(listing_id for listing_id in others if listing_id not in offered)


def differing_fields(a: msgspec.Struct, b: msgspec.Struct) -> list[str]:
    return [field for field in a.__struct_fields__ if getattr(a, field) != getattr(b, field)]
