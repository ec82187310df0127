"""What a package adds to the application: the contract between each package's `register()` and
the one composition root (`borderhub.composition`), which alone puts the parts together."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from litestar.di import Provide
from litestar.types import ControllerRouterHandler

from kernel.outbox import Reaction, Schedule, Subscriber

Lifespan = Callable[[], AbstractAsyncContextManager[None]]


@dataclass(frozen=True, kw_only=True)
class Contribution:
    """One package's part of the service.

    `schema` is the PostgreSQL schema its tables live in (None for a part without tables);
    `dependencies` are the typed values its handlers receive by name (`NamedDependency[T]`);
    `reactions` run in the transaction that emits their event (`kernel.outbox.reaction`);
    `lifespan` contexts are entered at start-up and left at shutdown, by the web process and
    the worker alike.
    """

    schema: str | None = None
    route_handlers: Sequence[ControllerRouterHandler] = ()
    dependencies: Mapping[str, Provide] = field(default_factory=dict)
    subscribers: Sequence[Subscriber] = ()
    schedules: Sequence[Schedule] = ()
    reactions: Sequence[Reaction] = ()
    lifespan: Sequence[Lifespan] = ()


def provide_value(value: object) -> Provide:
    """A dependency that is the same object for every request (a service's settings, a client)."""
    return Provide(lambda: value, sync_to_thread=False, use_cache=True)
