"""Idempotency-Key: a retried checkout or payment returns the first result and has no second effect."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock, idempotency
from kernel.db import transaction
from kernel.idempotency import IdempotencyKey, purge_expired_keys
from marketplace.order.models import Checkout
from tests.factories.identity import Account
from tests.factories.order import Market, build_market, place, stock_of

Client = AsyncTestClient[Any]


@pytest.fixture
async def market(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Market:
    return await build_market(client, sessions, settings)


def keyed(account: Account, key: str) -> dict[str, str]:
    return {**account.headers, "Idempotency-Key": key}


async def checkouts(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with transaction(sessions) as session:
        return int(await session.scalar(select(func.count()).select_from(Checkout)) or 0)


async def test_a_retried_checkout_returns_the_first_result_and_orders_once(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m = market
    body = m.checkout((m.honey, "20"))
    first = await client.post("/api/v1/checkouts", json=body, headers=keyed(m.buyer, "order-4711"))
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    # Same body, keys in another order: still the same request.
    retry = await client.post(
        "/api/v1/checkouts", json=dict(reversed(list(body.items()))), headers=keyed(m.buyer, "order-4711")
    )
    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    assert await stock_of(client, m.honey_maker, m.honey) == "230"
    assert await checkouts(sessions) == 1


async def test_a_key_reused_for_another_request_is_422(client: Client, market: Market) -> None:
    m = market
    await client.post("/api/v1/checkouts", json=m.checkout((m.honey, "2")), headers=keyed(m.buyer, "k-1"))
    other = await client.post("/api/v1/checkouts", json=m.checkout((m.honey, "4")), headers=keyed(m.buyer, "k-1"))
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert await stock_of(client, m.honey_maker, m.honey) == "248"


async def test_concurrent_requests_with_one_key_order_once(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m = market
    body = m.checkout((m.cheese, "5"))
    responses = await asyncio.gather(
        *(client.post("/api/v1/checkouts", json=body, headers=keyed(m.buyer, "same-moment")) for _ in range(5))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 4
    assert await stock_of(client, m.cheese_maker, m.cheese) == "35"
    assert await checkouts(sessions) == 1


async def test_a_failed_request_is_not_remembered(client: Client, market: Market) -> None:
    m = market
    body = m.checkout((m.cheese, "45"))
    short = await client.post("/api/v1/checkouts", json=body, headers=keyed(m.buyer, "big-one"))
    assert short.status_code == 409
    restocked = await client.put(
        f"/api/v1/listings/{m.cheese['id']}/stock", json={"adjust_by": "10"}, headers=m.cheese_maker.headers
    )
    assert restocked.status_code == 200, restocked.text
    retry = await client.post("/api/v1/checkouts", json=body, headers=keyed(m.buyer, "big-one"))
    assert retry.status_code == 201
    assert await stock_of(client, m.cheese_maker, m.cheese) == "5"


async def test_keys_belong_to_one_user_and_expire_after_24_hours(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m = market
    body = m.checkout((m.honey, "2"))
    first = await client.post("/api/v1/checkouts", json=body, headers=keyed(m.buyer, "daily"))
    async with transaction(sessions) as session:
        expires_at = await session.scalar(select(IdempotencyKey.expires_at))
    assert expires_at is not None
    assert expires_at - clock.now() > dt.timedelta(hours=23, minutes=59)
    async with transaction(sessions) as session:
        await session.execute(update(IdempotencyKey).values(expires_at=clock.now()))
    later = await client.post("/api/v1/checkouts", json=body, headers=keyed(m.buyer, "daily"))
    assert later.status_code == 201
    assert later.json()["id"] != first.json()["id"]
    assert await checkouts(sessions) == 2
    # The daily job forgets expired keys.
    async with transaction(sessions) as session:
        await session.execute(update(IdempotencyKey).values(expires_at=clock.now()))
        await purge_expired_keys(session)
    async with transaction(sessions) as session:
        assert await session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


async def test_a_retried_invoice_payment_is_recorded_once(client: Client, market: Market) -> None:
    m = market
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "2"))))["orders"]
    url = f"/api/v1/invoices/{order['invoice']['id']}/mark-paid"
    first = await client.post(url, headers=keyed(m.honey_maker, "pay-1"))
    again = await client.post(url, headers=keyed(m.honey_maker, "pay-1"))
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    without_key = await client.post(url, headers=m.honey_maker.headers)
    assert without_key.status_code == 409


async def test_an_unusable_key_is_422(client: Client, market: Market) -> None:
    m = market
    response = await client.post(
        "/api/v1/checkouts", json=m.checkout((m.honey, "2")), headers=keyed(m.buyer, "x" * 256)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "header:Idempotency-Key"
    assert await stock_of(client, m.honey_maker, m.honey) == "250"


class _Result(msgspec.Struct, frozen=True):
    value: int


async def test_a_key_whose_first_request_runs_too_long_is_409_in_progress(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 1)
    user_id = uuid.uuid4()
    release = asyncio.Event()

    async def slow() -> _Result:
        await release.wait()
        return _Result(value=1)

    async def first_request() -> tuple[_Result, bool]:
        async with transaction(sessions) as session:
            return await idempotency.run_once(
                session, user_id=user_id, key="slow", request_fingerprint="f", result_type=_Result, run=slow
            )

    first = asyncio.create_task(first_request())
    await asyncio.sleep(0.3)  # the first request holds the key, uncommitted
    with pytest.raises(idempotency.IdempotentRequestInProgress):
        async with transaction(sessions) as session:
            await idempotency.run_once(
                session, user_id=user_id, key="slow", request_fingerprint="f", result_type=_Result, run=slow
            )
    release.set()
    assert await first == (_Result(value=1), False)
    async with transaction(sessions) as session:
        replay = await idempotency.run_once(
            session, user_id=user_id, key="slow", request_fingerprint="f", result_type=_Result, run=slow
        )
    assert replay == (_Result(value=1), True)
