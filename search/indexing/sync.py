"""Bringing the index in line with the database, listing by listing.

Every path — an outbox delivery, `borderhub search reindex`, a repair — ends in
`sync_listings`: it re-reads the listings' current state through marketplace's
public API and writes exactly that (upsert when offered, delete otherwise). So a
repeated, late or out-of-order event converges on the right document: it carries
no state of its own. Concurrent syncs of one listing are serialised by a
transaction-scoped advisory lock taken before the read and held until commit, so
an older read can never overwrite a newer one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from kernel.errors import NotFound
from kernel.fx import find_rate
from marketplace import api
from search.document import REFERENCE_CURRENCY, SearchDocument, document_of
from search.engines.base import SearchEngine

BATCH = 500
#: A sync locks the keys its listings' ids hash to, one of `_LOCK_KEYS` each, all at once and in key
#: order (so two syncs cannot deadlock): one lock per listing made a 10,000-listing import outgrow
#: PostgreSQL's lock table ("out of shared memory", never indexed). Listings sharing a key are
#: synced one sync after the other, which costs nothing but a short wait.
_LOCK_KEYS = 1024
_LOCK_LISTINGS = f"""
SELECT pg_advisory_xact_lock(key) FROM (
    SELECT DISTINCT abs(hashtextextended(CAST(id AS text), 0) % {_LOCK_KEYS}) AS key
    FROM unnest(CAST(:ids AS uuid[])) AS id
) AS keys ORDER BY key
"""  # noqa: S608 - a constant


class SyncCounts(msgspec.Struct, kw_only=True):
    upserted: int = 0
    deleted: int = 0


def batches(ids: Sequence[uuid.UUID], size: int = BATCH) -> Iterable[list[uuid.UUID]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


async def sync_listings(
    session: AsyncSession, engine: SearchEngine, listing_ids: Iterable[uuid.UUID], *, rewrite: bool = False
) -> SyncCounts:
    """Index the offered listings among `listing_ids` as they are now and remove the others (`rewrite`:
    write every document, also those stored as they are)."""
    counts = SyncCounts()
    ids = sorted(set(listing_ids))
    await session.execute(text(_LOCK_LISTINGS), {"ids": ids})
    for batch in batches(ids):
        documents = await expected_documents(session, batch)
        gone = [listing_id for listing_id in batch if listing_id not in documents]
        await engine.upsert(session, list(documents.values()), rewrite=rewrite)
        await engine.delete(session, gone)
        counts.upserted += len(documents)
        counts.deleted += len(gone)
    return counts


async def expected_documents(
    session: AsyncSession, listing_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, SearchDocument]:
    """What the index should hold for these listings: a document for each offered one."""
    snapshots = [s for s in await api.listing_snapshots(session, listing_ids) if s.offered]
    today = clock.today()
    rates: dict[str, tuple[Decimal, dt.date | None] | None] = {REFERENCE_CURRENCY: (Decimal(1), None)}
    for currency in {s.currency for s in snapshots} - {REFERENCE_CURRENCY}:
        try:
            rate, as_of, _ = await find_rate(session, currency, REFERENCE_CURRENCY, today)
            rates[currency] = (rate, as_of)
        except NotFound:
            rates[currency] = None
    return {s.listing_id: document_of(s, rates[s.currency]) for s in snapshots}
