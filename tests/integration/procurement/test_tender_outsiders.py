"""What a tender shows to those outside it: as much as the tender itself, and no empty stand-ins.

A draft is its coordinators' alone, so every part of it is 404 to anyone else, as the draft is.
A published tender is public, and so is the state of its award; a buyer's figures in it
(allocation, savings) exist only for organisations that committed to its pool: for any other, 404
rather than 200 with an empty list or all-zero savings, which would pass for the truth.
"""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.identity import register
from tests.factories.organization import admitted_organization, create_hub, platform_admin
from tests.factories.procurement import at, build_procurement, closed_pool

Client = AsyncTestClient[Any]


async def test_a_tenders_parts_are_404_to_outsiders_where_the_tender_is_and_buyer_figures_only_for_its_buyers(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    admin = await platform_admin(client, sessions, settings)
    other_coordinator, other_buyer = await register(client), await register(client)
    other_hub = await create_hub(client, admin, [other_coordinator])
    outsider = await admitted_organization(client, other_hub, other_buyer, other_coordinator, kind="buyer")
    pool = await closed_pool(client, p)  # Stadt Görlitz and the hotel committed; the producers did not
    drafted = await client.post(
        "/api/v1/tenders", json={"pool_id": pool["id"], "bid_deadline": at(3600)}, headers=p.coordinator.headers
    )
    assert drafted.status_code == 201, drafted.text
    base = f"/api/v1/tenders/{drafted.json()['id']}"

    parts = ("", "/award", "/bids", f"/bids/{outsider['id']}", "/allocations", "/savings")
    for account in (other_coordinator, other_buyer, m.buyer):
        for part in parts:
            response = await client.get(f"{base}{part}", headers=account.headers)
            assert response.status_code == 404, (part, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")

    assert (await client.post(f"{base}/publish", headers=p.coordinator.headers)).status_code == 200
    # Published, the tender and its award's state are public; score tables stay the coordinators'.
    assert (await client.get(base)).status_code == 200
    award = await client.get(f"{base}/award", headers=other_coordinator.headers)
    assert (award.status_code, award.json()["state"], award.json()["lots"]) == (200, "open", [])
    # Another hub's buyer has no figures in it: 404, not an empty allocation.
    for part in ("/allocations", "/savings"):
        response = await client.get(
            f"{base}{part}", params={"organization_id": outsider["id"]}, headers=other_buyer.headers
        )
        assert response.status_code == 404, (part, response.text)
        assert response.json()["type"].endswith("/buyer-not-in-tender")
    # Nor has a producer of the hub that committed nothing.
    producer = await client.get(
        f"{base}/allocations", params={"organization_id": m.producer_a["id"]}, headers=m.honey_maker.headers
    )
    assert producer.status_code == 404
    # A buyer that committed sees its allocation: none yet, while the award is not confirmed.
    own = await client.get(
        f"{base}/allocations", params={"organization_id": m.buyer_org["id"]}, headers=m.buyer.headers
    )
    assert (own.status_code, own.json()) == (200, [])
