"""No oversell: many buyers checking out the last stock at the same moment, each on its own connection."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

import msgspec
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.app import create_app
from borderhub.settings import Settings
from kernel.db import transaction
from marketplace.order.models import OrderLine
from tests.factories.order import build_market, stock_of

CHECKOUTS = 50


async def test_concurrent_checkouts_sell_exactly_the_stock_and_refuse_the_rest_with_409(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # Enough pooled connections for every checkout to hold its own at once.
    app = create_app(msgspec.structs.replace(settings, db_pool_size=CHECKOUTS // 2 + 5))
    async with AsyncTestClient(app=app) as client:
        m = await build_market(client, sessions, settings)
        # 40 kg of cheese, 50 buyers wanting 1 kg each; half of them also take honey (plenty),
        # listing it first or second, so their row locks are requested in different orders.
        bodies = []
        for number in range(CHECKOUTS):
            lines = [(m.cheese, "1")]
            if number % 2:
                lines = [(m.honey, "2"), (m.cheese, "1")] if number % 4 == 1 else [(m.cheese, "1"), (m.honey, "2")]
            bodies.append(m.checkout(*lines))
        responses = await asyncio.gather(
            *(client.post("/api/v1/checkouts", json=body, headers=m.buyer.headers) for body in bodies)
        )
        statuses = Counter(response.status_code for response in responses)
        assert statuses == {201: 40, 409: 10}, [r.text for r in responses if r.status_code not in (201, 409)]
        for response in responses:
            if response.status_code == 409:
                problem: dict[str, Any] = response.json()
                assert problem["type"].endswith("/out-of-stock")
                assert problem["errors"][0]["message"] == "only 0 KGM in stock"
        assert await stock_of(client, m.cheese_maker, m.cheese) == "0"
        honey_sold = sum(
            2
            for response, body in zip(responses, bodies, strict=True)
            if response.status_code == 201 and len(body["lines"]) == 2
        )
        assert await stock_of(client, m.honey_maker, m.honey) == str(250 - honey_sold)
    async with transaction(sessions) as session:
        sold = await session.scalar(
            select(func.sum(OrderLine.quantity)).where(OrderLine.listing_id == uuid.UUID(m.cheese["id"]))
        )
    assert sold == Decimal(40)
