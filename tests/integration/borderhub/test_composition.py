"""Compositions are values: two apps in one process, each with its own subscribers, both work.

Nothing is registered in a module-level registry: what an app's events reach is decided by the
composition it was built from, and a worker runs exactly the subscribers of the registry it is given.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from borderhub.app import create_app
from borderhub.composition import compose
from borderhub.settings import Settings
from kernel.contribution import Contribution
from kernel.db import session_factory, transaction
from kernel.outbox import emit, subscriber
from marketplace.events import OrganizationChanged
from tests.factories.identity import register
from tests.factories.organization import create_organization
from tests.worker import drain


def recording_part(name: str, seen: list[uuid.UUID]) -> Contribution:
    async def record(session: AsyncSession, event: OrganizationChanged) -> None:
        seen.append(event.organization_id)

    return Contribution(subscribers=[subscriber(OrganizationChanged, name, record)])


async def rename(client: AsyncTestClient[Any]) -> uuid.UUID:
    """An owner renames her organisation, which emits `OrganizationChanged`."""
    owner = await register(client)
    organization = await create_organization(client, owner)
    renamed = await client.patch(
        f"/api/v1/organizations/{organization['id']}", json={"legal_name": "Renamed"}, headers=owner.headers
    )
    assert renamed.status_code == 200, renamed.text
    return uuid.UUID(organization["id"])


async def test_two_apps_in_one_process_deliver_events_to_their_own_subscribers_when_composed_differently(
    settings: Settings, engine: AsyncEngine
) -> None:
    seen_by_a: list[uuid.UUID] = []
    seen_by_b: list[uuid.UUID] = []
    first = compose(settings, extra=[recording_part("audit_a", seen_by_a)])
    second = compose(settings, extra=[recording_part("audit_b", seen_by_b)])
    assert "audit_a" in first.registry.subscribers
    assert "audit_a" not in second.registry.subscribers
    assert settings.database_url is not None

    async with (
        AsyncTestClient(app=create_app(settings, first)) as client_a,
        AsyncTestClient(app=create_app(settings, second)) as client_b,
    ):
        renamed_in_a = await rename(client_a)
        await drain(settings.database_url, first.sessions(engine), first.registry)
        renamed_in_b = await rename(client_b)
        await drain(settings.database_url, second.sessions(engine), second.registry)

    assert seen_by_a == [renamed_in_a]
    assert seen_by_b == [renamed_in_b]


def test_a_subscriber_name_used_twice_is_refused_when_composing(settings: Settings) -> None:
    with pytest.raises(ValueError, match="registered twice"):
        compose(settings, extra=[recording_part("mark_orders_paid", [])])


async def test_emitting_on_a_session_without_a_registry_fails_loudly_instead_of_losing_the_event(
    engine: AsyncEngine,
) -> None:
    with pytest.raises(RuntimeError, match="no outbox registry"):
        async with transaction(session_factory(engine)) as session:
            await emit(session, OrganizationChanged(organization_id=uuid.uuid4()))
