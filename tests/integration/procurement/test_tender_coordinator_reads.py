"""What a tender's coordinators read and nobody else does: who may bid (each producer of the hub
and the credentials it lacks per lot), and who made each amendment."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel.auth import Principal
from kernel.db import transaction
from kernel.errors import Forbidden
from procurement.bid.service import BidService
from procurement.tender.errors import TenderNotFound
from tests.factories.compliance import verified_credential
from tests.factories.identity import Account
from tests.factories.procurement import at, build_procurement, closed_pool, published_tender

Client = AsyncTestClient[Any]


def principal(account: Account) -> Principal:
    return Principal(user_id=account.id, email=account.email, email_verified=True)


async def test_who_may_bid_lists_the_hubs_producers_with_what_each_lacks_per_lot_to_coordinators_only(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    # A Polish organic certificate counts in Poland (lot 2), not in Saxony (lot 1).
    await verified_credential(client, m.hub, m.honey_maker, p.coordinator, m.producer_a, credential_type="organic")
    tender = await published_tender(client, p, await closed_pool(client, p), required_credential_types=["organic"])
    draft = await client.post(
        "/api/v1/tenders",
        json={"pool_id": (await closed_pool(client, p))["id"], "bid_deadline": at(3600)},
        headers=p.coordinator.headers,
    )
    assert draft.status_code == 201, draft.text

    async with transaction(sessions) as session:
        bids = BidService(session, settings.procurement.sealing_secret)
        suppliers = {s.name: s for s in await bids.who_may_bid(principal(p.coordinator), uuid.UUID(tender["id"]))}
        assert set(suppliers) == {m.producer_a["legal_name"], m.producer_b["legal_name"]}  # no buyer
        a, b = suppliers[m.producer_a["legal_name"]], suppliers[m.producer_b["legal_name"]]
        assert a.eligible_lots == [2]
        assert [(lack.lot_number, lack.credential_type, lack.jurisdiction) for lack in a.lacking] == [
            (1, "organic", "DE-SN")
        ]
        assert b.eligible_lots == []
        assert sorted(lack.lot_number for lack in b.lacking) == [1, 2]
        # A draft without required credentials: every producer may bid on every lot.
        drafted = await bids.who_may_bid(principal(p.coordinator), uuid.UUID(draft.json()["id"]))
        assert [(s.eligible_lots, s.lacking) for s in drafted] == [([1, 2], []), ([1, 2], [])]

        with pytest.raises(Forbidden):
            await bids.who_may_bid(principal(m.honey_maker), uuid.UUID(tender["id"]))
        with pytest.raises(TenderNotFound):
            await bids.who_may_bid(principal(m.honey_maker), uuid.UUID(draft.json()["id"]))


async def test_who_made_an_amendment_is_told_to_coordinators_and_nobody_else(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    tender = await published_tender(client, p, await closed_pool(client, p))
    url = f"/api/v1/tenders/{tender['id']}"
    amended = await client.post(
        f"{url}/amendments",
        json={"rationale": "Later", "bid_deadline": at(7200)},
        headers=p.coordinator.headers,
    )
    assert amended.status_code == 201, amended.text
    assert amended.json()["amendments"][0]["amended_by"] == str(p.coordinator.id)

    draft = await client.get(f"{url}/draft", headers=p.coordinator.headers)
    assert draft.json()["amendments"][0]["amended_by"] == str(p.coordinator.id)
    public = await client.get(url)
    assert public.json()["amendments"][0]["amended_by"] is None
    listed = await client.get("/api/v1/tenders", params={"hub_id": p.hub["id"]})
    assert [t["amendments"][0]["amended_by"] for t in listed.json()["items"]] == [None]
