"""One pool as `GET /api/v1/pools/{id}` reads it (one statement past SQLAlchemy: `PoolRepository.shown`):
the same pool the list shows, exact running totals, and a 404 for everyone its hub does not let see it."""

from __future__ import annotations

import uuid
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.identity import register
from tests.factories.organization import create_organization, of_another_hub, platform_admin
from tests.factories.procurement import build_procurement, commit, open_pool

Client = AsyncTestClient[Any]
Sessions = async_sessionmaker[AsyncSession]


async def test_a_pool_reads_as_the_list_shows_it_with_exact_fractional_totals(
    client: Client, sessions: Sessions, settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    pool = await open_pool(client, p, minimum_total_quantity="2.5")
    await commit(client, m.buyer, pool, m.buyer_org, 0, "2.5")
    await commit(client, p.hotel_buyer, pool, p.hotel_org, 0, "0.125")
    await commit(client, p.hotel_buyer, pool, p.hotel_org, 1, "1.25")
    withdrawn = await commit(client, m.buyer, pool, m.buyer_org, 1, "7")
    gone = await client.delete(f"/api/v1/pools/{pool['id']}/commitments/{withdrawn['id']}", headers=m.buyer.headers)
    assert gone.status_code == 200, gone.text

    read = await client.get(f"/api/v1/pools/{pool['id']}", headers=p.hotel_buyer.headers)
    assert read.status_code == 200, read.text
    shown = read.json()
    assert [(d["name"], d["committed_quantity"]) for d in shown["delivery_points"]] == [
        ("Görlitz, Bauhof", "2.625"),
        ("Zgorzelec, Ratusz", "1.250"),
    ]
    assert (shown["total_quantity"], shown["minimum_total_quantity"]) == ("3.875", "2.500")
    assert (shown["accepting_commitments"], shown["reserve_unit_price"]) == (True, "12.00")
    listed = await client.get("/api/v1/pools", params={"hub_id": p.hub["id"]}, headers=p.coordinator.headers)
    assert listed.json()["items"] == [shown]
    assert (await client.get(f"/api/v1/pools/{pool['id']}", headers=p.coordinator.headers)).json() == shown


async def test_only_the_hubs_coordinators_and_admitted_members_find_the_pool(
    client: Client, sessions: Sessions, settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await open_pool(client, p)
    missing = await client.get(f"/api/v1/pools/{uuid.uuid4()}", headers=p.coordinator.headers)
    assert missing.status_code == 404, missing.text

    # A member of an organisation that applied to the hub but is not admitted yet; a platform
    # administrator who coordinates no hub; the coordinator and a member of another hub.
    applicant = await register(client)
    organization = await create_organization(client, applicant, kind="buyer")
    membership = {"organization_id": organization["id"]}
    applied = await client.post(f"/api/v1/hubs/{p.hub['id']}/memberships", json=membership, headers=applicant.headers)
    assert applied.status_code == 201, applied.text
    admin = await platform_admin(client, sessions, settings)
    elsewhere = await of_another_hub(client, sessions, settings)

    for outsider in (applicant, admin, *elsewhere):
        hidden = await client.get(f"/api/v1/pools/{pool['id']}", headers=outsider.headers)
        assert hidden.status_code == 404, hidden.text
        assert hidden.headers["content-type"].startswith("application/problem+json")
        assert {k: hidden.json()[k] for k in ("type", "title", "detail")} == {
            k: missing.json()[k] for k in ("type", "title", "detail")
        }
