"""Transactional outbox: events written with the change that caused them, delivered at least once.

`emit(session, event)` stores the event row and enqueues one job-queue job per
subscriber, all in the caller's transaction: if the change rolls back, no event
exists and nothing is delivered; if it commits, every subscriber is called by
the worker (`kernel.worker`) with retries and backoff until it
succeeds. Subscribers must therefore be idempotent.

Reactions (`reaction(event_type, handler)`) are the in-transaction counterpart: `emit`
calls them with the event before it returns, in the caller's transaction, for what must be
written together with the change (an OCDS release with the tender change it describes).
They come from the same composition as the subscribers, so the package that emits an
event need not know who reacts to it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import msgspec
from pgqueuer.db import AsyncpgDriver
from pgqueuer.queries import Queries
from sqlalchemy import DateTime, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kernel import clock
from kernel.bulk import copy_rows
from kernel.db import KERNEL_SCHEMA, Entity, driver_connection

DELIVER_ENTRYPOINT = "deliver_event"

E = TypeVar("E", bound=msgspec.Struct)
Handler = Callable[[AsyncSession, Any], Awaitable[None]]
IdentifiedHandler = Callable[[AsyncSession, Any, uuid.UUID], Awaitable[None]]
ScheduledJob = Callable[[AsyncSession], Awaitable[None]]


class OutboxEvent(Entity):
    __tablename__ = "outbox_event"
    __table_args__ = {"schema": KERNEL_SCHEMA}

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
    handler: IdentifiedHandler
    """Called with the session, the event and the event's id."""


def subscriber(event_type: type[E], name: str, handler: Callable[[AsyncSession, E], Awaitable[None]]) -> Subscriber:
    """`handler` called (at least once) with every committed `event_type` event, under the stable `name`."""

    async def without_id(session: AsyncSession, event: E, _: uuid.UUID) -> None:
        await handler(session, event)

    return Subscriber(name=name, event_type=event_type, handler=without_id)


def identified_subscriber(
    event_type: type[E], name: str, handler: Callable[[AsyncSession, E, uuid.UUID], Awaitable[None]]
) -> Subscriber:
    """A `subscriber` that is also given the event's id: what tells two deliveries of one event
    (same id) from two events alike (a notification is sent once per event and recipient)."""
    return Subscriber(name=name, event_type=event_type, handler=handler)


@dataclass(frozen=True)
class Reaction:
    event_type: type[msgspec.Struct]
    handler: Handler


def reaction(event_type: type[E], handler: Callable[[AsyncSession, E], Awaitable[None]]) -> Reaction:
    """`handler` called with every `event_type` event as it is emitted, in the emitter's transaction
    (nothing that leaves the process: that is for subscribers, after the commit)."""
    return Reaction(event_type=event_type, handler=handler)


@dataclass(frozen=True)
class Schedule:
    name: str
    cron: str
    job: ScheduledJob


@dataclass
class Registry:
    """Who listens to which event and which jobs run on a schedule.

    Built once per process by the application (`borderhub.composition`) from what each
    package registers, and handed to the session factory (`kernel.db.session_factory`), so
    that every unit of work knows whom its events are for, and to the worker, which runs them.
    """

    subscribers: dict[str, Subscriber] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    reactions: dict[type[msgspec.Struct], list[Reaction]] = field(default_factory=dict)

    @classmethod
    def of(
        cls, subscribers: Iterable[Subscriber], schedules: Iterable[Schedule], reactions: Iterable[Reaction] = ()
    ) -> Registry:
        registry = cls()
        for subscriber in subscribers:
            registry.add_subscriber(subscriber)
        for schedule in schedules:
            registry.add_schedule(schedule)
        for each in reactions:
            registry.reactions.setdefault(each.event_type, []).append(each)
        return registry

    def add_subscriber(self, subscriber: Subscriber) -> None:
        if subscriber.name in self.subscribers:
            raise ValueError(f"subscriber {subscriber.name!r} is registered twice")
        self.subscribers[subscriber.name] = subscriber

    def add_schedule(self, schedule: Schedule) -> None:
        if schedule.name in self.schedules:
            raise ValueError(f"scheduled job {schedule.name!r} is registered twice")
        self.schedules[schedule.name] = schedule

    def subscribers_of(self, topic: str) -> list[Subscriber]:
        return [s for s in self.subscribers.values() if topic_of(s.event_type) == topic]


_REGISTRY_KEY = "outbox_registry"


def session_info(registry: Registry) -> dict[str, Any]:
    """What a session factory carries so that `emit` on its sessions knows the subscribers."""
    return {_REGISTRY_KEY: registry}


def registry_of(session: AsyncSession) -> Registry:
    registry = session.info.get(_REGISTRY_KEY)
    if not isinstance(registry, Registry):
        # Silently storing events nobody will receive would lose them: fail loudly instead.
        raise RuntimeError(
            "this session has no outbox registry; build its factory with Composition.sessions"
            " or kernel.db.session_factory(engine, session_info(registry))"
        )
    return registry


def topic_of(event_type: type[msgspec.Struct]) -> str:
    return f"{event_type.__module__.split('.')[0]}.{event_type.__name__}"


async def emit(session: AsyncSession, event: msgspec.Struct) -> uuid.UUID:
    """Record `event` and schedule its delivery to every subscriber, in the caller's transaction;
    its reactions run first, in that transaction too."""
    return (await emit_many(session, [event]))[0]


async def emit_many(session: AsyncSession, events: Sequence[msgspec.Struct]) -> list[uuid.UUID]:
    """`emit` for many events at once (bulk imports): one COPY of the events, one batch of jobs."""
    registry = registry_of(session)
    for event in events:
        for each in registry.reactions.get(type(event), ()):
            await each.handler(session, event)
    now = clock.now()
    rows = [
        {"topic": topic_of(type(event)), "payload": msgspec.to_builtins(event), "occurred_at": now} for event in events
    ]
    await copy_rows(session, OutboxEvent, rows)
    deliveries: list[bytes | None] = [
        msgspec.json.encode(Delivery(row["id"], subscriber.name))
        for row in rows
        for subscriber in registry.subscribers_of(row["topic"])
    ]
    if deliveries:
        # The job rows go through the session's own connection so they commit or
        # roll back together with the change and the event rows.
        queries = Queries(AsyncpgDriver(await driver_connection(session)))
        await queries.enqueue([DELIVER_ENTRYPOINT] * len(deliveries), deliveries, [0] * len(deliveries))
    return [row["id"] for row in rows]
