"""Organisations and hubs for tests, created through the HTTP API."""

from __future__ import annotations

import itertools
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel.db import transaction
from marketplace.identity.service import bootstrap_platform_admin
from tests.factories.identity import PASSWORD, Account, register

_counter = itertools.count(1)


def organization_body(**overrides: Any) -> dict[str, Any]:
    number = next(_counter)
    body: dict[str, Any] = {
        "legal_name": f"Spółdzielnia Nr {number}",
        "kind": "producer",
        "registration": {"scheme": "PL-KRS", "id": f"{number:010d}"},
        "country": "PL",
        "subdivision": "PL-02",
        "municipality": "Zgorzelec",
        "default_currency": "PLN",
        "languages": ["pl", "de"],
        "employee_count": 4,
    }
    body.update(overrides)
    return body


def german_registration() -> dict[str, str]:
    """A Handelsregister number of the court of Görlitz's district (Dresden), new each time."""
    return {"scheme": "DE-HRB", "id": f"Dresden HRB {next(_counter)}"}


async def create_organization(client: AsyncTestClient[Any], owner: Account, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/organizations", json=organization_body(**overrides), headers=owner.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def platform_admin(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> Account:
    account = await register(client)
    async with transaction(sessions) as session:
        await bootstrap_platform_admin(
            session,
            settings,
            public_url=settings.marketplace.public_url,
            email=account.email,
            full_name="Admin",
            password=PASSWORD,
        )
    return account


async def create_hub(
    client: AsyncTestClient[Any], admin: Account, coordinators: list[Account], **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"Görlitz–Zgorzelec hub {next(_counter)}",
        "jurisdictions": ["DE-SN", "PL-02"],
        "municipalities": [
            {"name": "Görlitz", "jurisdiction": "DE-SN"},
            {"name": "Zgorzelec", "jurisdiction": "PL-02"},
        ],
        "reporting_currency": "EUR",
        "languages": ["de", "pl"],
        "coordinator_emails": [c.email for c in coordinators],
    }
    body.update(overrides)
    response = await client.post("/api/v1/hubs", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def admitted_organization(
    client: AsyncTestClient[Any], hub: dict[str, Any], owner: Account, coordinator: Account, **overrides: Any
) -> dict[str, Any]:
    organization = await create_organization(client, owner, **overrides)
    applied = await client.post(
        f"/api/v1/hubs/{hub['id']}/memberships", json={"organization_id": organization["id"]}, headers=owner.headers
    )
    assert applied.status_code == 201, applied.text
    admitted = await client.post(
        f"/api/v1/hubs/{hub['id']}/memberships/{organization['id']}/admit", headers=coordinator.headers
    )
    assert admitted.status_code == 200, admitted.text
    return organization


async def of_another_hub(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> tuple[Account, Account]:
    """The coordinator of a hub of its own and a member of a buyer admitted to that hub only: who
    must not see another hub's orders, pools or tenders."""
    coordinator, member = await register(client), await register(client)
    hub = await create_hub(client, await platform_admin(client, sessions, settings), [coordinator])
    await admitted_organization(client, hub, member, coordinator, kind="buyer")
    return coordinator, member
