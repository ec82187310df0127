"""A coordinator reads every commitment of a pool with the name of the organisation that made it
(`PoolService.commitments_of_buyers`); a buyer of the hub may not, and outsiders do not see the pool."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel.auth import Principal
from kernel.db import transaction
from kernel.errors import Forbidden
from procurement.pool.service import PoolNotFound, PoolService
from tests.factories.identity import Account, register
from tests.factories.organization import create_hub, platform_admin
from tests.factories.procurement import build_procurement, commit, open_pool

Client = AsyncTestClient[Any]
Sessions = async_sessionmaker[AsyncSession]


def principal(account: Account) -> Principal:
    return Principal(user_id=account.id, email=account.email, email_verified=True)


async def test_a_coordinator_reads_every_commitment_with_the_committing_organisations_name(
    client: Client, sessions: Sessions, settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await open_pool(client, p)
    await commit(client, p.market.buyer, pool, p.market.buyer_org, 0, "120", max_unit_price="11.50")
    withdrawn = await commit(client, p.hotel_buyer, pool, p.hotel_org, 1, "60")
    gone = await client.delete(
        f"/api/v1/pools/{pool['id']}/commitments/{withdrawn['id']}", headers=p.hotel_buyer.headers
    )
    assert gone.status_code == 200, gone.text

    async with transaction(sessions) as session:
        seen = await PoolService(session).commitments_of_buyers(principal(p.coordinator), uuid.UUID(pool["id"]))

    assert [(c.organization_name, c.quantity, c.withdrawn) for c in seen] == [
        ("Stadt Görlitz", Decimal("120.000"), False),
        ("Hotel Zgorzelec sp. z o.o.", Decimal("60.000"), True),
    ]
    assert seen[0].max_unit_price == Decimal("11.50")
    assert str(seen[0].delivery_point_id) == pool["delivery_points"][0]["id"]


async def test_a_buyer_may_not_read_the_other_buyers_commitments(
    client: Client, sessions: Sessions, settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await open_pool(client, p)
    await commit(client, p.hotel_buyer, pool, p.hotel_org, 1, "60")

    async with transaction(sessions) as session:
        with pytest.raises(Forbidden):
            await PoolService(session).commitments_of_buyers(principal(p.market.buyer), uuid.UUID(pool["id"]))


async def test_a_coordinator_of_another_hub_does_not_find_the_pool(
    client: Client, sessions: Sessions, settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await open_pool(client, p)
    elsewhere = await register(client)
    await create_hub(client, await platform_admin(client, sessions, settings), [elsewhere])

    async with transaction(sessions) as session:
        with pytest.raises(PoolNotFound):
            await PoolService(session).commitments_of_buyers(principal(elsewhere), uuid.UUID(pool["id"]))
