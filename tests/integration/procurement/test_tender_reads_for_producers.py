"""What the producers' tender pages read: the published tenders of their hubs, those taking bids first,
and what an organisation lacks to bid on each lot of one."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel.auth import Principal
from kernel.db import transaction
from kernel.errors import NotFound
from kernel.pagination import PageParams
from procurement.bid.service import BidService
from procurement.tender.service import TenderService
from tests.factories.compliance import verified_credential
from tests.factories.procurement import build_procurement, closed_pool, published_tender


async def test_the_hubs_tenders_are_listed_those_taking_bids_first_whatever_their_deadlines(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await closed_pool(client, p)
    # Cancelled, with a deadline later than the open tender's: listed after it all the same.
    cancelled = await published_tender(client, p, pool, deadline_in=7200)
    answer = await client.post(
        f"/api/v1/tenders/{cancelled['id']}/cancel", json={"reason": "Wrong quantities"}, headers=p.coordinator.headers
    )
    assert answer.status_code == 200, answer.text
    open_one = await published_tender(client, p, pool, deadline_in=3600)
    # A draft of another pool is nobody's to list.
    draft = await client.post(
        "/api/v1/tenders",
        json={"pool_id": (await closed_pool(client, p))["id"], "bid_deadline": open_one["bid_deadline"]},
        headers=p.coordinator.headers,
    )
    assert draft.status_code == 201, draft.text

    async with transaction(sessions) as session:
        tenders = TenderService(session, settings.procurement.ocid_prefix, ("pl",))
        listed = await tenders.list_for_hubs([uuid.UUID(p.hub["id"])], PageParams(page=1, per_page=20))
        elsewhere = await tenders.list_for_hubs([uuid.uuid4()], PageParams(page=1, per_page=20))
        second_page = await tenders.list_for_hubs([uuid.UUID(p.hub["id"])], PageParams(page=2, per_page=1))

    assert [str(t.id) for t in listed.items] == [open_one["id"], cancelled["id"]]
    assert listed.total == 2
    assert listed.items[0].title == "Miód dla stołówek szkolnych"  # in the reader's language
    assert (elsewhere.items, elsewhere.total) == ([], 0)
    assert [str(t.id) for t in second_page.items] == [cancelled["id"]]


async def test_what_an_organisation_lacks_to_bid_is_told_per_lot_to_its_members_only(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    tender = await published_tender(client, p, await closed_pool(client, p), required_credential_types=["organic"])
    tender_id, organization_id = uuid.UUID(tender["id"]), uuid.UUID(m.producer_a["id"])
    honey_maker = Principal(user_id=m.honey_maker.id, email=m.honey_maker.email, email_verified=True)
    cheese_maker = Principal(user_id=m.cheese_maker.id, email=m.cheese_maker.email, email_verified=True)

    async def missing(principal: Principal) -> list[tuple[int, str, str]]:
        async with transaction(sessions) as session:
            found = await BidService(session, settings.procurement.sealing_secret).missing(
                principal, tender_id, organization_id
            )
        return [(item.lot_number, item.credential_type, item.jurisdiction) for item in found]

    assert await missing(honey_maker) == [(1, "organic", "DE-SN"), (2, "organic", "PL-02")]
    # A Polish organic certificate counts in Poland, not in Saxony (no recognition there).
    await verified_credential(client, m.hub, m.honey_maker, p.coordinator, m.producer_a, credential_type="organic")
    assert await missing(honey_maker) == [(1, "organic", "DE-SN")]
    with pytest.raises(NotFound):
        await missing(cheese_maker)  # of another producer
