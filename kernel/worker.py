"""The background worker: delivers outbox events and runs scheduled jobs on pgqueuer.

pgqueuer is a maintained PostgreSQL job queue built on asyncpg (our driver) and
LISTEN/NOTIFY, so a job enqueued by a committed request is picked up within
milliseconds without polling, retried with exponential backoff when a
subscriber fails, and scheduled by cron expressions stored in the database (one
run per tick across all workers).

A delivery that still fails after MAX_ATTEMPTS calls is held: pgqueuer keeps its job row with
status `failed` and logs the last exception (type, message, traceback) in `pgqueuer_log`.
`held_jobs` lists them with that error, `retry_held` puts them back in the queue with a fresh
retry budget (`borderhub jobs held` / `borderhub jobs retry`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import msgspec
import structlog
from pgqueuer import PgQueuer
from pgqueuer.db import AsyncpgDriver
from pgqueuer.executors import DatabaseRetryEntrypointExecutor, EntrypointExecutorParameters
from pgqueuer.models import Job, Schedule, TracebackRecord
from pgqueuer.queries import Queries
from pgqueuer.types import JobId, QueueExecutionMode
from sqlalchemy import Uuid, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.db import asyncpg_dsn, driver_connection, equals_any, transaction
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
        await subscriber.handler(session, event, row.id)


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


class HeldJob(msgspec.Struct, kw_only=True, frozen=True):
    """A delivery the worker gave up on: parked in the queue until `retry_held` re-queues it."""

    id: int
    subscriber: str
    topic: str | None
    """The event's topic (None: the event row is gone, or the job's payload is unreadable)."""
    event_id: uuid.UUID | None
    attempts: int
    """Calls of the subscriber since the job was enqueued or last retried."""
    held_at: dt.datetime
    last_error: str | None
    """`ExceptionType: message` of the call that failed last (None: pgqueuer's log of it was cleared)."""
    traceback: str | None


@dataclass(frozen=True)
class _Held:
    job: Job
    delivery: Delivery | None
    topic: str | None


_PAGE = 500


def _queries(connection: asyncpg.Connection) -> Queries:
    return Queries(AsyncpgDriver(connection))


def _delivery(job: Job) -> Delivery | None:
    try:
        return msgspec.json.decode(job.payload or b"", type=Delivery)
    except msgspec.DecodeError:
        # Still listed (and retryable): an unreadable payload is a reason to be held, too.
        return None


async def _held(session: AsyncSession) -> list[_Held]:
    queries = _queries(await driver_connection(session))
    jobs: list[Job] = []
    while page := await queries.browse_queue(
        limit=_PAGE, offset=len(jobs), statuses=["failed"], entrypoints=[DELIVER_ENTRYPOINT]
    ):
        jobs += page
        if len(page) < _PAGE:
            break
    deliveries = {job.id: _delivery(job) for job in jobs}
    event_ids = [d.event_id for d in deliveries.values() if d is not None]
    found = select(OutboxEvent.id, OutboxEvent.topic).where(equals_any(OutboxEvent.id, event_ids, Uuid))
    topics: dict[uuid.UUID, str] = dict((await session.execute(found)).all())
    return [
        _Held(job=job, delivery=(d := deliveries[job.id]), topic=topics.get(d.event_id) if d else None)
        for job in sorted(jobs, key=lambda job: job.id)
    ]


async def _last_failures(session: AsyncSession, job_ids: list[int]) -> dict[int, TracebackRecord]:
    """The exception of each job's last failed call: pgqueuer logs it (type, message, traceback) in the
    `failed` row it writes to its log table in the statement that holds the job."""
    # Read here rather than through `Queries.job_log_history`: that is a query per job, oldest rows
    # first under a LIMIT, and its model expects JSONB as text, which SQLAlchemy's asyncpg
    # connection already decodes.
    log_table = _queries(await driver_connection(session)).qbq.qualified.queue_table_log
    rows = await session.execute(
        text(
            f"SELECT DISTINCT ON (job_id) job_id, traceback FROM {log_table}"  # noqa: S608 - pgqueuer's table name
            " WHERE job_id = ANY(:ids) AND status = 'failed' AND traceback IS NOT NULL"
            " ORDER BY job_id, created DESC, id DESC"
        ),
        {"ids": job_ids},
    )
    return {job_id: TracebackRecord.model_validate(record) for job_id, record in rows}


async def held_jobs(session: AsyncSession) -> list[HeldJob]:
    """The deliveries held after MAX_ATTEMPTS failed calls, oldest job first, each with its last error."""
    held_now = await _held(session)
    failures = await _last_failures(session, [held.job.id for held in held_now])
    result = []
    for held in held_now:
        failure = failures.get(held.job.id)
        result.append(
            HeldJob(
                id=held.job.id,
                subscriber=held.delivery.subscriber if held.delivery else "(unreadable payload)",
                topic=held.topic,
                event_id=held.delivery.event_id if held.delivery else None,
                # `attempts` counts the retries; the call that failed for good came after them.
                attempts=held.job.attempts + 1,
                held_at=held.job.updated,
                last_error=f"{failure.exception_type}: {failure.exception_message}" if failure else None,
                traceback=failure.traceback if failure else None,
            )
        )
    return result


async def retry_held(session: AsyncSession, *, job_id: int | None = None, matching: str | None = None) -> list[int]:
    """Put held deliveries back in the queue, due now and with a fresh retry budget (attempts reset):
    the job `job_id`, or every one whose event topic (`marketplace.ListingChanged`) or subscriber
    name is `matching`. Returns the ids re-queued (none if nothing held matches); a running worker
    is woken by pgqueuer's NOTIFY when the transaction commits."""
    if (job_id is None) == (matching is None):
        raise ValueError("retry_held takes exactly one of job_id and matching")
    if job_id is not None:
        job = await _queries(await driver_connection(session)).queue_job_by_id(JobId(job_id))
        held = job is not None and job.status == "failed" and job.entrypoint == DELIVER_ENTRYPOINT
        ids = [job_id] if held else []
    else:
        ids = [
            each.job.id
            for each in await _held(session)
            if matching in (each.topic, each.delivery.subscriber if each.delivery else None)
        ]
    if ids:
        # pgqueuer's own re-queue of held jobs: status queued, attempts 0, due now, logged.
        await _queries(await driver_connection(session)).requeue_jobs([JobId(i) for i in ids])
    return ids
