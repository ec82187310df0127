"""Outbox and worker against the real database: emit in the caller's transaction, deliver via pgqueuer.

Deliveries run in their own transactions inside the worker, so subscribers here
record what they saw in small test-only tables, never only in Python lists:
`test_delivery_log` holds each subscriber's effect (written in the delivery's
transaction, so it exists only if the delivery committed) and
`test_delivery_attempt` every call (written on a separate connection, so it
survives a failed delivery's rollback).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import msgspec
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from kernel import worker
from kernel.db import session_factory, transaction
from kernel.outbox import DELIVER_ENTRYPOINT, OutboxEvent, Registry, Schedule, emit, session_info, subscriber
from kernel.worker import run_worker
from tests.worker import drain


class ParcelShipped(msgspec.Struct, frozen=True, kw_only=True):
    parcel_id: uuid.UUID
    carrier: str
    weight_grams: int
    shipped_on: dt.date


class ParcelLost(msgspec.Struct, frozen=True, kw_only=True):
    parcel_id: uuid.UUID


Handler = Callable[[AsyncSession, Any], Awaitable[None]]


@pytest.fixture
def registry() -> Registry:
    """This module's own subscribers and schedules, instead of the service's."""
    return Registry()


@pytest.fixture
def sessions(engine: AsyncEngine, registry: Registry) -> async_sessionmaker[AsyncSession]:
    """Units of work whose events reach this module's registry."""
    return session_factory(engine, session_info(registry))


@pytest.fixture
async def delivery_tables(engine: AsyncEngine) -> AsyncIterator[None]:
    async with engine.begin() as connection:
        await connection.execute(
            text(
                """
                CREATE TABLE IF NOT EXISTS public.test_delivery_log (
                    id bigserial PRIMARY KEY,
                    subscriber text NOT NULL,
                    event_type text NOT NULL,
                    parcel_id uuid NOT NULL,
                    carrier text,
                    weight_grams bigint,
                    shipped_on date
                )
                """
            )
        )
        await connection.execute(
            text(
                """
                CREATE TABLE IF NOT EXISTS public.test_delivery_attempt (
                    id bigserial PRIMARY KEY,
                    subscriber text NOT NULL
                )
                """
            )
        )
    yield
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE IF EXISTS public.test_delivery_log, public.test_delivery_attempt"))


def recording(name: str, engine: AsyncEngine, *, fail_first: int = 0, always_fail: bool = False) -> Handler:
    """A subscriber that records the call, applies its effect, and fails as told."""

    async def handle(session: AsyncSession, event: Any) -> None:
        # On its own connection and committed at once, so a failed delivery still counts.
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO public.test_delivery_attempt (subscriber) VALUES (:s)"), {"s": name}
            )
            attempt = (
                await connection.execute(
                    text("SELECT count(*) FROM public.test_delivery_attempt WHERE subscriber = :s"), {"s": name}
                )
            ).scalar_one()
        await session.execute(
            text(
                """
                INSERT INTO public.test_delivery_log
                    (subscriber, event_type, parcel_id, carrier, weight_grams, shipped_on)
                VALUES (:subscriber, :event_type, :parcel_id, :carrier, :weight_grams, :shipped_on)
                """
            ),
            {
                "subscriber": name,
                "event_type": type(event).__name__,
                "parcel_id": event.parcel_id,
                "carrier": getattr(event, "carrier", None),
                "weight_grams": getattr(event, "weight_grams", None),
                "shipped_on": getattr(event, "shipped_on", None),
            },
        )
        if always_fail or attempt <= fail_first:
            raise RuntimeError(f"{name} fails on attempt {attempt}")

    return handle


async def deliveries(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT subscriber, event_type, parcel_id, carrier, weight_grams, shipped_on"
                " FROM public.test_delivery_log ORDER BY subscriber, id"
            )
        )
        return [dict(row._mapping) for row in rows]


async def attempts(engine: AsyncEngine, subscriber: str) -> int:
    async with engine.connect() as connection:
        count = (
            await connection.execute(
                text("SELECT count(*) FROM public.test_delivery_attempt WHERE subscriber = :s"), {"s": subscriber}
            )
        ).scalar_one()
    return int(count)


async def jobs(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT status::text AS status, attempts, entrypoint FROM public.pgqueuer ORDER BY id")
        )
        return [dict(row._mapping) for row in rows]


async def test_committed_event_is_delivered_once_to_each_subscriber_of_its_type_when_worker_drains(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    registry: Registry,
    delivery_tables: None,
) -> None:
    registry.add_subscriber(subscriber(ParcelShipped, "notify_buyer", recording("notify_buyer", engine)))
    registry.add_subscriber(subscriber(ParcelShipped, "index_parcel", recording("index_parcel", engine)))
    registry.add_subscriber(subscriber(ParcelLost, "open_claim", recording("open_claim", engine)))
    shipped = ParcelShipped(
        parcel_id=uuid.uuid4(), carrier="Poczta Polska", weight_grams=1250, shipped_on=dt.date(2026, 11, 23)
    )

    async with transaction(sessions) as session:
        event_id = await emit(session, shipped)

    await drain(database_url, sessions, registry)

    expected = {
        "event_type": "ParcelShipped",
        "parcel_id": shipped.parcel_id,
        "carrier": "Poczta Polska",
        "weight_grams": 1250,
        "shipped_on": dt.date(2026, 11, 23),
    }
    assert await deliveries(engine) == [
        {"subscriber": "index_parcel", **expected},
        {"subscriber": "notify_buyer", **expected},
    ]
    assert await attempts(engine, "open_claim") == 0
    assert await jobs(engine) == []
    async with sessions() as session:
        stored = await session.get(OutboxEvent, event_id)
    assert stored is not None
    assert stored.topic == "tests.ParcelShipped"

    # A second drain finds nothing left to deliver: exactly once, not at least twice.
    await drain(database_url, sessions, registry)
    assert len(await deliveries(engine)) == 2


async def test_event_is_never_delivered_and_leaves_no_trace_when_transaction_rolls_back(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    registry: Registry,
    delivery_tables: None,
) -> None:
    registry.add_subscriber(subscriber(ParcelLost, "open_claim", recording("open_claim", engine)))
    registry.add_subscriber(subscriber(ParcelLost, "refund_buyer", recording("refund_buyer", engine)))
    seen: dict[str, Any] = {}

    async def change_that_fails() -> None:
        async with transaction(sessions) as session:
            seen["event_id"] = await emit(session, ParcelLost(parcel_id=uuid.uuid4()))
            # The jobs exist inside the transaction (so emit did enqueue them, on this
            # connection) but are invisible to everyone else until it commits.
            seen["jobs_inside"] = (
                await session.execute(
                    text("SELECT count(*) FROM public.pgqueuer WHERE entrypoint = :e"), {"e": DELIVER_ENTRYPOINT}
                )
            ).scalar_one()
            seen["jobs_outside"] = await jobs(engine)
            raise RuntimeError("change failed")

    with pytest.raises(RuntimeError, match="change failed"):
        await change_that_fails()

    assert seen["jobs_inside"] == 2
    assert seen["jobs_outside"] == []
    event_id = seen["event_id"]
    async with sessions() as session:
        assert await session.get(OutboxEvent, event_id) is None
        assert (await session.execute(select(func.count()).select_from(OutboxEvent))).scalar_one() == 0
    assert await jobs(engine) == []
    await drain(database_url, sessions, registry)
    assert await deliveries(engine) == []
    assert await attempts(engine, "open_claim") == await attempts(engine, "refund_buyer") == 0


async def test_failing_subscriber_is_retried_until_it_succeeds_when_failure_is_transient(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    registry: Registry,
    delivery_tables: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker, "FIRST_RETRY_DELAY", dt.timedelta(0))
    registry.add_subscriber(subscriber(ParcelLost, "open_claim", recording("open_claim", engine, fail_first=2)))
    lost = ParcelLost(parcel_id=uuid.uuid4())

    async with transaction(sessions) as session:
        await emit(session, lost)

    async def delivered() -> bool:
        return len(await deliveries(engine)) > 0

    await drain(database_url, sessions, registry, until=delivered)

    assert await attempts(engine, "open_claim") == 3
    # The two failed attempts rolled back their effect; only the third one committed.
    assert [(d["subscriber"], d["parcel_id"]) for d in await deliveries(engine)] == [("open_claim", lost.parcel_id)]
    assert await jobs(engine) == []


async def test_failing_subscriber_is_held_after_max_attempts_when_failure_persists(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    registry: Registry,
    delivery_tables: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker, "FIRST_RETRY_DELAY", dt.timedelta(0))
    monkeypatch.setattr(worker, "MAX_ATTEMPTS", 2)
    registry.add_subscriber(subscriber(ParcelLost, "open_claim", recording("open_claim", engine, always_fail=True)))

    async with transaction(sessions) as session:
        await emit(session, ParcelLost(parcel_id=uuid.uuid4()))

    async def held() -> bool:
        return [j["status"] for j in await jobs(engine)] == ["failed"]

    await drain(database_url, sessions, registry, until=held)

    assert await attempts(engine, "open_claim") == 2
    assert await deliveries(engine) == []
    held_jobs = await jobs(engine)
    assert [(j["entrypoint"], j["status"]) for j in held_jobs] == [(DELIVER_ENTRYPOINT, "failed")]

    # Held means parked: another worker run neither calls the subscriber again nor adds jobs.
    await drain(database_url, sessions, registry)
    assert await attempts(engine, "open_claim") == 2
    assert await jobs(engine) == held_jobs


async def test_scheduled_job_is_registered_in_job_queue_when_worker_starts(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    registry: Registry,
) -> None:
    name = f"test_tick_{uuid.uuid4().hex[:8]}"

    async def tick(session: AsyncSession) -> None:
        return None

    registry.add_schedule(Schedule(name, "*/5 * * * *", tick))

    async def registered() -> list[str]:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT expression FROM public.pgqueuer_schedules WHERE entrypoint = :e"), {"e": name}
            )
            return [row.expression for row in rows]

    async def wait_until_registered() -> None:
        while True:
            if await registered():
                return
            await asyncio.sleep(0.1)

    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(database_url, sessions, registry, stop=stop))
    try:
        await asyncio.wait_for(wait_until_registered(), timeout=10)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
        # conftest leaves pgqueuer_schedules alone (the app's own schedules live there).
        async with engine.begin() as connection:
            found = await connection.execute(
                text("DELETE FROM public.pgqueuer_schedules WHERE entrypoint = :e RETURNING expression"),
                {"e": name},
            )
            removed = [row.expression for row in found]

    assert removed == ["*/5 * * * *"]
    assert task.done()
    assert task.exception() is None
