"""A hub's choice whether its public catalogue preview shows prices: on for a new hub, changed by its
coordinators only (and audited), read by anyone with the hub."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.identity import Account, register
from tests.factories.organization import admitted_organization, create_hub, platform_admin

Client = AsyncTestClient[Any]


@pytest.fixture
async def admin(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Account:
    return await platform_admin(client, sessions, settings)


async def test_a_new_hub_shows_prices_and_a_coordinator_turns_them_off_and_on_again(
    client: Client, admin: Account
) -> None:
    coordinator, someone = await register(client), await register(client)
    hub = await create_hub(client, admin, [coordinator])
    assert hub["catalogue_shows_prices"] is True
    url = f"/api/v1/hubs/{hub['id']}/public-catalogue"

    off = await client.put(url, json={"shows_prices": False}, headers=coordinator.headers)

    assert off.status_code == 200, off.text
    assert off.json()["catalogue_shows_prices"] is False
    read = await client.get(f"/api/v1/hubs/{hub['id']}", headers=someone.headers)
    assert read.json()["catalogue_shows_prices"] is False
    on = await client.put(url, json={"shows_prices": True}, headers=coordinator.headers)
    assert on.json()["catalogue_shows_prices"] is True


async def test_turning_prices_off_is_in_the_hubs_audit_log_with_who_did_it(client: Client, admin: Account) -> None:
    coordinator = await register(client)
    hub = await create_hub(client, admin, [coordinator])

    await client.put(
        f"/api/v1/hubs/{hub['id']}/public-catalogue", json={"shows_prices": False}, headers=coordinator.headers
    )

    log = (await client.get(f"/api/v1/hubs/{hub['id']}/audit", headers=coordinator.headers)).json()["items"]
    entry = log[0]
    assert entry["action"] == "hub.public_catalogue"
    assert entry["actor_email"] == coordinator.email
    assert (entry["before"], entry["after"]) == ({"shows_prices": True}, {"shows_prices": False})


async def test_only_a_coordinator_of_the_hub_chooses_whether_its_catalogue_shows_prices(
    client: Client, admin: Account
) -> None:
    coordinator, member, stranger = await register(client), await register(client), await register(client)
    hub = await create_hub(client, admin, [coordinator])
    other_coordinator = await register(client)
    await create_hub(client, admin, [other_coordinator])
    await admitted_organization(client, hub, member, coordinator)
    url = f"/api/v1/hubs/{hub['id']}/public-catalogue"

    for account in (member, stranger, other_coordinator):
        refused = await client.put(url, json={"shows_prices": False}, headers=account.headers)
        assert refused.status_code == 403, refused.text
    anonymous = await client.put(url, json={"shows_prices": False})
    assert anonymous.status_code == 401
    unknown = await client.put(
        f"/api/v1/hubs/{uuid.uuid4()}/public-catalogue", json={"shows_prices": False}, headers=coordinator.headers
    )
    assert unknown.status_code == 404
    read = await client.get(f"/api/v1/hubs/{hub['id']}", headers=coordinator.headers)
    assert read.json()["catalogue_shows_prices"] is True


async def test_the_choice_is_refused_naming_the_field_when_not_a_yes_or_no(client: Client, admin: Account) -> None:
    coordinator = await register(client)
    hub = await create_hub(client, admin, [coordinator])

    refused = await client.put(
        f"/api/v1/hubs/{hub['id']}/public-catalogue", json={"shows_prices": "maybe"}, headers=coordinator.headers
    )

    assert refused.status_code in (400, 422), refused.text
    assert "shows_prices" in refused.text
