"""The background worker: delivers outbox events and runs scheduled jobs on pgqueuer.

pgqueuer is a maintained PostgreSQL job queue built on asyncpg (our driver) and
LISTEN/NOTIFY, so a job enqueued by a committed request is picked up within
milliseconds without polling, retried with exponential backoff when a
subscriber fails, and scheduled by cron expressions stored in the database (one
run per tick across all workers).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable

import asyncpg
import msgspec
import structlog
from pgqueuer import PgQueuer
from pgqueuer.executors import DatabaseRetryEntrypointExecutor, EntrypointExecutorParameters
from pgqueuer.models import Job, Schedule
from pgqueuer.types import QueueExecutionMode
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.db import asyncpg_dsn, transaction
from kernel.outbox import DELIVER_ENTRYPOINT, Delivery, OutboxEvent, Registry

_log = structlog.get_logger("borderhub.worker")

MAX_ATTEMPTS = 10
FIRST_RETRY_DELAY = dt.timedelta(seconds=1)
MAX_RETRY_DELAY = dt.timedelta(minutes=10)


def _retrying(params: EntrypointExecutorParameters) -> DatabaseRetryEntrypointExecutor:
    # pgqueuer gives up once `job.attempts >= max_attempts`, and `job.attempts` counts
    # earlier retries (0 on the first call), so its `max_attempts` is really a retry
    # count: passing MAX_ATTEMPTS unchanged would call a failing subscriber one time too many.
    return DatabaseRetryEntrypointExecutor(
        parameters=params,
        max_attempts=max(MAX_ATTEMPTS - 1, 0),
        initial_delay=FIRST_RETRY_DELAY,
        max_delay=MAX_RETRY_DELAY,
    )


async def deliver(sessions: async_sessionmaker[AsyncSession], registry: Registry, delivery: Delivery) -> None:
    """Hand one stored event to one subscriber inside its own transaction."""
    subscriber = registry.subscribers.get(delivery.subscriber)
    if subscriber is None:
        _log.warning("no such subscriber; dropping delivery", subscriber=delivery.subscriber)
        return
    async with transaction(sessions) as session:
        row = (await session.execute(select(OutboxEvent).where(OutboxEvent.id == delivery.event_id))).scalar_one()
        event = msgspec.convert(row.payload, subscriber.event_type)
        await subscriber.handler(session, event)


def build_queue(
    connection: asyncpg.Connection,
    sessions: async_sessionmaker[AsyncSession],
    registry: Registry,
) -> PgQueuer:
    pgq = PgQueuer.from_asyncpg_connection(connection)

    @pgq.entrypoint(DELIVER_ENTRYPOINT, executor_factory=_retrying, on_failure="hold")
    async def deliver_event(job: Job) -> None:
        if job.payload is None:
            return
        await deliver(sessions, registry, msgspec.json.decode(job.payload, type=Delivery))

    for schedule in registry.schedules.values():
        pgq.schedule(schedule.name, schedule.cron)(_scheduled(sessions, schedule.name, schedule.job))
    return pgq


def _scheduled(
    sessions: async_sessionmaker[AsyncSession], name: str, job: Callable[[AsyncSession], Awaitable[None]]
) -> Callable[[Schedule], Awaitable[None]]:
    async def run(_: Schedule) -> None:
        async with transaction(sessions) as session:
            await job(session)
        _log.info("scheduled job done", job=name)

    return run


async def run_worker(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    registry: Registry,
    *,
    drain: bool = False,
    stop: asyncio.Event | None = None,
) -> None:
    """Process jobs until `stop` is set (or, with `drain`, until the queue is empty)."""
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        pgq = build_queue(connection, sessions, registry)
        if stop is not None:
            asyncio.get_running_loop().create_task(_propagate(stop, pgq.shutdown))
        mode = QueueExecutionMode.drain if drain else QueueExecutionMode.continuous
        if drain:
            await pgq.qm.run(mode=mode, dequeue_timeout=dt.timedelta(seconds=1))
        else:
            _log.info("worker started", subscribers=sorted(registry.subscribers), schedules=sorted(registry.schedules))
            await pgq.run(mode=mode, dequeue_timeout=dt.timedelta(seconds=5))
    finally:
        await connection.close()


async def _propagate(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()
