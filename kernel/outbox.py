"""Transactional outbox: events written with the change that caused them, delivered at least once.

`emit(session, event)` stores the event row and enqueues one job-queue job per
subscriber, all in the caller's transaction: if the change rolls back, no event
exists and nothing is delivered; if it commits, every subscriber is called by
the worker (`kernel.worker`) with retries and backoff until it
succeeds. Subscribers must therefore be idempotent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import msgspec
from pgqueuer.db import AsyncpgDriver
from pgqueuer.queries import Queries
from sqlalchemy import DateTime, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kernel.bulk import copy_rows
from kernel.db import MARKETPLACE_SCHEMA, Entity, driver_connection

DELIVER_ENTRYPOINT = "deliver_event"

E = TypeVar("E", bound=msgspec.Struct)
Handler = Callable[[AsyncSession, Any], Awaitable[None]]
ScheduledJob = Callable[[AsyncSession], Awaitable[None]]


class OutboxEvent(Entity):
    __tablename__ = "outbox_event"
    __table_args__ = {"schema": MARKETPLACE_SCHEMA}

    topic: Mapped[str] = mapped_column(String(120), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Delivery(msgspec.Struct, frozen=True):
    """The job-queue payload: which event to hand to which subscriber."""

    event_id: uuid.UUID
    subscriber: str


@dataclass(frozen=True)
class Subscriber:
    name: str
    event_type: type[msgspec.Struct]
    handler: Handler


@dataclass(frozen=True)
class Schedule:
    name: str
    cron: str
    job: ScheduledJob


@dataclass
class Registry:
    """Who listens to which event and which jobs run on a schedule.

    Filled once by the composition root (`borderhub.app.build_registry`) and
    shared by the web process (to enqueue) and the worker (to run).
    """

    subscribers: dict[str, Subscriber] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)

    def subscribe(self, event_type: type[E], name: str, handler: Callable[[AsyncSession, E], Awaitable[None]]) -> None:
        if name in self.subscribers:
            raise ValueError(f"subscriber {name!r} is registered twice")
        self.subscribers[name] = Subscriber(name=name, event_type=event_type, handler=handler)

    def schedule(self, name: str, cron: str, job: ScheduledJob) -> None:
        if name in self.schedules:
            raise ValueError(f"scheduled job {name!r} is registered twice")
        self.schedules[name] = Schedule(name=name, cron=cron, job=job)

    def subscribers_of(self, topic: str) -> list[Subscriber]:
        return [s for s in self.subscribers.values() if topic_of(s.event_type) == topic]


_registry = Registry()


def registry() -> Registry:
    return _registry


def topic_of(event_type: type[msgspec.Struct]) -> str:
    return f"{event_type.__module__.split('.')[0]}.{event_type.__name__}"


async def emit(session: AsyncSession, event: msgspec.Struct) -> uuid.UUID:
    """Record `event` and schedule its delivery to every subscriber, in the caller's transaction."""
    return (await emit_many(session, [event]))[0]


async def emit_many(session: AsyncSession, events: Sequence[msgspec.Struct]) -> list[uuid.UUID]:
    """`emit` for many events at once (bulk imports): one COPY of the events, one batch of jobs."""
    now = dt.datetime.now(dt.UTC)
    rows = [
        {"topic": topic_of(type(event)), "payload": msgspec.to_builtins(event), "occurred_at": now} for event in events
    ]
    await copy_rows(session, OutboxEvent, rows)
    deliveries: list[bytes | None] = [
        msgspec.json.encode(Delivery(row["id"], subscriber.name))
        for row in rows
        for subscriber in _registry.subscribers_of(row["topic"])
    ]
    if deliveries:
        # The job rows go through the session's own connection so they commit or
        # roll back together with the change and the event rows.
        queries = Queries(AsyncpgDriver(await driver_connection(session)))
        await queries.enqueue([DELIVER_ENTRYPOINT] * len(deliveries), deliveries, [0] * len(deliveries))
    return [row["id"] for row in rows]
