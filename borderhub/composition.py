"""The one place every package's parts are put together, for the web process, the worker and the CLI.

Each package contributes through its `register()`; the outbox registry is built here once per
composition from their subscribers, schedules and reactions and handed to the session factory (so `emit`
knows whom an event is for) and to the worker (which runs them).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass

from litestar.di import Provide
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import kernel.wiring
import marketplace.wiring
import procurement.wiring
import search.wiring
import web.wiring
from borderhub.settings import Settings
from kernel.contribution import Contribution
from kernel.db import session_factory
from kernel.outbox import Registry, session_info
from search.api import SearchEngine


@dataclass(frozen=True)
class Composition:
    contributions: Sequence[Contribution]
    registry: Registry

    @property
    def schemas(self) -> list[str]:
        return [part.schema for part in self.contributions if part.schema is not None]

    @property
    def route_handlers(self) -> list[ControllerRouterHandler]:
        return [handler for part in self.contributions for handler in part.route_handlers]

    @property
    def dependencies(self) -> Mapping[str, Provide]:
        provided: dict[str, Provide] = {}
        for part in self.contributions:
            if clash := provided.keys() & part.dependencies.keys():
                raise ValueError(f"dependencies provided twice: {sorted(clash)}")
            provided.update(part.dependencies)
        return provided

    def sessions(self, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
        """Units of work on `engine` whose events reach this composition's subscribers."""
        return session_factory(engine, session_info(self.registry))

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Every package's start-up and shutdown (the search engine's preparation, ...)."""
        async with contextlib.AsyncExitStack() as stack:
            for part in self.contributions:
                for lifespan in part.lifespan:
                    await stack.enter_async_context(lifespan())
            yield


def compose(
    settings: Settings, *, search_engine: SearchEngine | None = None, extra: Sequence[Contribution] = ()
) -> Composition:
    """Every package's contribution. `search_engine` replaces the configured engine and `extra` adds
    parts (subscribers of a test, say) — the same process can hold several compositions."""
    contributions = [
        kernel.wiring.register(),
        marketplace.wiring.register(settings.core, settings.marketplace),
        procurement.wiring.register(
            settings.procurement,
            card_payments=settings.marketplace.stripe_enabled,
            public_url=settings.marketplace.public_url,
        ),
        search.wiring.register(settings.search, search_engine),
        web.wiring.register(settings.web),
        *extra,
    ]
    registry = Registry.of(
        (subscriber for part in contributions for subscriber in part.subscribers),
        (schedule for part in contributions for schedule in part.schedules),
        (reaction for part in contributions for reaction in part.reactions),
    )
    return Composition(contributions=contributions, registry=registry)
