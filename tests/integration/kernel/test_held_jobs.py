"""Held deliveries, against the real job queue: listed with their last error, re-queued with a fresh budget.

A subscriber here fails while its `down` flag is set; the worker holds its delivery after
MAX_ATTEMPTS (2 here) calls, and `held_jobs` / `retry_held` (and the `borderhub jobs` commands
on top of them) are what an operator sees and does about it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from borderhub.cli import main
from kernel import clock, worker
from kernel.db import session_factory, transaction
from kernel.outbox import Registry, emit, session_info, subscriber
from kernel.worker import HeldJob, held_jobs, retry_held
from tests.worker import drain


class ParcelLost(msgspec.Struct, frozen=True, kw_only=True):
    parcel_id: uuid.UUID


class ParcelShipped(msgspec.Struct, frozen=True, kw_only=True):
    parcel_id: uuid.UUID


LOST, SHIPPED = "tests.ParcelLost", "tests.ParcelShipped"


@dataclass
class Carrier:
    """A subscriber's outside world: down (every call fails) until told otherwise."""

    name: str
    down: bool = True
    calls: int = 0
    delivered: list[uuid.UUID] = field(default_factory=list)

    async def __call__(self, session: AsyncSession, event: Any) -> None:
        self.calls += 1
        if self.down:
            raise RuntimeError(f"{self.name}: carrier API answered 503\nretry later")
        self.delivered.append(event.parcel_id)


@pytest.fixture(autouse=True)
def short_retry_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "FIRST_RETRY_DELAY", dt.timedelta(0))
    monkeypatch.setattr(worker, "MAX_ATTEMPTS", 2)


@pytest.fixture
def registry() -> Registry:
    return Registry()


@pytest.fixture
def sessions(engine: AsyncEngine, registry: Registry) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine, session_info(registry))


def carrier(registry: Registry, event_type: type[msgspec.Struct], name: str) -> Carrier:
    handler = Carrier(name)
    registry.add_subscriber(subscriber(event_type, name, handler))
    return handler


async def held(sessions: async_sessionmaker[AsyncSession]) -> list[HeldJob]:
    async with transaction(sessions) as session:
        return await held_jobs(session)


def held_count(sessions: async_sessionmaker[AsyncSession], count: int) -> Callable[[], Awaitable[bool]]:
    async def reached() -> bool:
        return len(await held(sessions)) == count

    return reached


async def queue(engine: AsyncEngine) -> list[tuple[int, str, int]]:
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT id, status::text, attempts FROM public.pgqueuer ORDER BY id"))
        return [(row[0], row[1], row[2]) for row in rows]


async def retry(sessions: async_sessionmaker[AsyncSession], **which: Any) -> list[int]:
    async with transaction(sessions) as session:
        return await retry_held(session, **which)


async def test_held_delivery_shows_its_error_and_is_delivered_when_retried_after_the_cause_clears(
    database_url: str, sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine, registry: Registry
) -> None:
    open_claim = carrier(registry, ParcelLost, "open_claim")
    lost = ParcelLost(parcel_id=uuid.uuid4())
    before = clock.now()
    async with transaction(sessions) as session:
        event_id = await emit(session, lost)

    await drain(database_url, sessions, registry, until=held_count(sessions, 1))

    [job] = await held(sessions)
    assert (job.subscriber, job.topic, job.event_id, job.attempts) == ("open_claim", LOST, event_id, 2)
    assert job.last_error == "RuntimeError: open_claim: carrier API answered 503\nretry later"
    assert job.traceback is not None
    assert 'raise RuntimeError(f"{self.name}: carrier API answered 503' in job.traceback
    assert before <= job.held_at <= clock.now()
    assert open_claim.calls == 2

    # Retried while the carrier is still down: the full budget again (two more calls), then held again.
    assert await retry(sessions, job_id=job.id) == [job.id]
    assert await held(sessions) == []
    await drain(database_url, sessions, registry, until=held_count(sessions, 1))
    [again] = await held(sessions)
    assert (again.id, again.attempts, open_claim.calls) == (job.id, 2, 4)
    assert again.held_at >= job.held_at

    open_claim.down = False
    assert await retry(sessions, matching=LOST) == [job.id]
    await drain(database_url, sessions, registry)

    assert open_claim.delivered == [lost.parcel_id]
    assert open_claim.calls == 5
    assert await held(sessions) == []
    assert await queue(engine) == []


async def test_retry_all_of_re_queues_exactly_the_held_jobs_of_that_topic_or_subscriber(
    database_url: str, sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine, registry: Registry
) -> None:
    for event_type, name in ((ParcelLost, "open_claim"), (ParcelLost, "refund_buyer"), (ParcelShipped, "notify")):
        carrier(registry, event_type, name)
    async with transaction(sessions) as session:
        await emit(session, ParcelLost(parcel_id=uuid.uuid4()))
        await emit(session, ParcelShipped(parcel_id=uuid.uuid4()))
    await drain(database_url, sessions, registry, until=held_count(sessions, 3))
    ids = {job.subscriber: job.id for job in await held(sessions)}

    assert await retry(sessions, matching=SHIPPED) == [ids["notify"]]
    assert await retry(sessions, matching="refund_buyer") == [ids["refund_buyer"]]
    assert await retry(sessions, matching="tests.ParcelDamaged") == []
    # Re-queued jobs are no longer held, so they are not re-queued twice.
    assert await retry(sessions, job_id=ids["notify"]) == []
    assert await retry(sessions, job_id=10**9) == []

    assert [(job.subscriber, job.topic) for job in await held(sessions)] == [("open_claim", LOST)]
    assert await queue(engine) == [
        (i, "failed" if name == "open_claim" else "queued", 1 if name == "open_claim" else 0)
        for name, i in sorted(ids.items(), key=lambda item: item[1])
    ]


async def test_retry_held_refuses_when_given_both_or_neither_of_a_job_id_and_a_match(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        await retry(sessions, job_id=1, matching=LOST)
    with pytest.raises(ValueError, match="exactly one"):
        await retry(sessions)


async def borderhub(*args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, main, list(args))


async def test_jobs_commands_list_a_held_job_and_re_queue_it_when_asked(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    registry: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    data_dir = ("--data-dir", str(tmp_path / "data"))
    open_claim = carrier(registry, ParcelLost, "open_claim")
    async with transaction(sessions) as session:
        event_id = await emit(session, ParcelLost(parcel_id=uuid.uuid4()))
    await drain(database_url, sessions, registry, until=held_count(sessions, 1))
    [job] = await held(sessions)

    listed = await borderhub("jobs", "held", *data_dir)
    assert listed.exit_code == 0, listed.output
    # Logs go to stderr; what a script reads (the table, the JSON) is all of stdout.
    header, line, total = listed.stdout.splitlines()
    assert header.split() == ["ID", "HELD", "AT", "(UTC)", "ATTEMPTS", "TOPIC", "SUBSCRIBER", "EVENT", "LAST", "ERROR"]
    assert line.split()[:1] + line.split()[3:7] == [str(job.id), "2", LOST, "open_claim", str(event_id)]
    assert line.endswith("RuntimeError: open_claim: carrier API answered 503 retry later")
    assert total == "1 held job"

    as_json = await borderhub("jobs", "held", "--json", *data_dir)
    assert as_json.exit_code == 0, as_json.output
    [listed_job] = json.loads(as_json.stdout)
    assert (listed_job["id"], listed_job["topic"], listed_job["event_id"]) == (job.id, LOST, str(event_id))
    assert "Traceback" in listed_job["traceback"]

    neither = await borderhub("jobs", "retry", *data_dir)
    assert neither.exit_code == 2
    assert "either a held job's ID or --all-of" in neither.output
    missing = await borderhub("jobs", "retry", str(job.id + 1000), *data_dir)
    assert missing.exit_code == 1
    assert f"job {job.id + 1000} is not held" in missing.output

    retried = await borderhub("jobs", "retry", "--all-of", LOST, *data_dir)
    assert retried.exit_code == 0, retried.output
    assert retried.stdout == f"re-queued 1 held job of {LOST}\n"
    open_claim.down = False
    await drain(database_url, sessions, registry)
    assert open_claim.delivered != []
    assert await queue(engine) == []
    nothing = await borderhub("jobs", "held", *data_dir)
    assert nothing.stdout == "no held jobs\n"
