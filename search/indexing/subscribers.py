"""Outbox subscribers: which listings an event may have changed in the index, re-synced at once.

Delivered by the kernel's worker at least once, with retries and backoff while
the engine is unreachable (the catalog's own writes never wait for search).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.outbox import Schedule, Subscriber, subscriber
from marketplace import api
from marketplace.events import (
    ComplianceRulesChanged,
    CredentialExpired,
    CredentialRejected,
    CredentialStarted,
    CredentialVerified,
    FxRatesRecorded,
    InclusionVerificationChanged,
    ListingChanged,
    ListingsImported,
    OrganizationAdmitted,
    OrganizationChanged,
    OrganizationRejected,
)
from search.document import REFERENCE_CURRENCY
from search.engines.base import SearchEngine
from search.indexing.maintenance import repair_drift
from search.indexing.sync import sync_listings

Affected = Callable[[AsyncSession, Any], Awaitable[list[uuid.UUID]]]


async def _the_listing(_: AsyncSession, event: ListingChanged) -> list[uuid.UUID]:
    return [event.listing_id]


async def _the_imported_listings(_: AsyncSession, event: ListingsImported) -> list[uuid.UUID]:
    return event.listing_ids


async def _the_producers_listings(session: AsyncSession, event: Any) -> list[uuid.UUID]:
    """Events about one organisation: its name, hub admission, verified inclusion or credentials."""
    return await api.listing_ids_of_producers(session, {event.organization_id})


async def _the_hubs_listings(session: AsyncSession, event: ComplianceRulesChanged) -> list[uuid.UUID]:
    return await api.listing_ids_of_hub_members(session, event.hub_id)


async def _listings_priced_in(session: AsyncSession, event: FxRatesRecorded) -> list[uuid.UUID]:
    currencies = set(event.currencies) - {REFERENCE_CURRENCY}
    return await api.listing_ids_priced_in(session, currencies) if currencies else []


SUBSCRIPTIONS: list[tuple[type[Any], Affected]] = [
    (ListingChanged, _the_listing),
    (ListingsImported, _the_imported_listings),
    (OrganizationChanged, _the_producers_listings),
    (OrganizationAdmitted, _the_producers_listings),
    (OrganizationRejected, _the_producers_listings),
    (InclusionVerificationChanged, _the_producers_listings),
    (CredentialVerified, _the_producers_listings),
    (CredentialRejected, _the_producers_listings),
    (CredentialExpired, _the_producers_listings),
    (CredentialStarted, _the_producers_listings),
    (ComplianceRulesChanged, _the_hubs_listings),
    (FxRatesRecorded, _listings_priced_in),
]


async def _resync(engine: SearchEngine, affected: Affected, session: AsyncSession, event: Any) -> None:
    await sync_listings(session, engine, await affected(session, event))


async def _repair(engine: SearchEngine, session: AsyncSession) -> None:
    await repair_drift(session, engine)


def subscribers(engine: SearchEngine) -> list[Subscriber]:
    """Search re-syncs on every event that can change what a buyer finds."""
    return [
        subscriber(event_type, f"search_on_{event_type.__name__}", functools.partial(_resync, engine, affected))
        for event_type, affected in SUBSCRIPTIONS
    ]


def schedules(engine: SearchEngine) -> list[Schedule]:
    """Drift between the index and the database is repaired hourly."""
    return [Schedule("search_repair_drift", "47 * * * *", functools.partial(_repair, engine))]
