"""The service with card payments on, against a local Stripe stub answering with Stripe's fixtures.

The service is configured as in production except that the SDK's API base is the stub; webhooks
are called with payloads signed by the test secrets; the worker is drained to run the money moves
(transfers, refunds, reversals) that the outbox hands it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from borderhub.app import create_app
from borderhub.composition import Composition, compose
from borderhub.settings import Settings
from kernel.outbox import Registry
from marketplace.payment.stripe_gateway import StripeGateway
from tests.factories.order import Market, build_market
from tests.integration.marketplace.card.support import (
    Client,
    onboard,
    with_cards,
)
from tests.stripe_stub import StripeStub, fixtures_path
from tests.worker import drain

if not fixtures_path().exists():
    pytest.skip(f"Stripe's fixture objects are not at {fixtures_path()}", allow_module_level=True)


@pytest.fixture(scope="module")
def stub() -> Iterator[StripeStub]:
    with StripeStub() as server:
        yield server


@pytest.fixture
def card_settings(settings: Settings, stub: StripeStub) -> Settings:
    stub.reset()
    return with_cards(settings, stub)


@pytest.fixture
def card_composition(card_settings: Settings) -> Composition:
    """The service with card payments on: its subscribers hold a Stripe client pointed at the stub."""
    return compose(card_settings)


@pytest.fixture
def card_registry(card_settings: Settings) -> Registry:
    """What the worker runs: a composition of its own, as a worker process has (the app runs on the
    test client's event loop, and a Stripe HTTP client belongs to the loop that first used it)."""
    return compose(card_settings).registry


@pytest.fixture
def sessions(engine: AsyncEngine, card_composition: Composition) -> async_sessionmaker[AsyncSession]:
    """Units of work whose events reach the card-paying service's subscribers."""
    return card_composition.sessions(engine)


@pytest.fixture
def gateway(card_settings: Settings) -> StripeGateway:
    """A Stripe client for jobs the test runs itself, on its own event loop (as the worker's is)."""
    made = StripeGateway.from_settings(card_settings.marketplace)
    assert made is not None
    return made


@pytest.fixture
def card_app(card_settings: Settings, card_composition: Composition) -> Litestar:
    return create_app(card_settings, card_composition)


@pytest.fixture
async def card_client(card_app: Litestar) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=card_app) as test_client:
        yield test_client


@pytest.fixture
async def market(card_client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Market:
    return await build_market(card_client, sessions, settings)


@pytest.fixture
async def run_jobs(database_url: str, sessions: async_sessionmaker[AsyncSession], card_registry: Registry) -> Any:
    async def run() -> None:
        await drain(database_url, sessions, card_registry)

    return run


@pytest.fixture
async def onboarded(card_client: Client, stub: StripeStub, market: Market) -> dict[str, str]:
    """Both producers can take card payments: their connected account ids by organisation id."""
    m = market
    return {
        m.producer_a["id"]: await onboard(card_client, stub, m.honey_maker, m.producer_a),
        m.producer_b["id"]: await onboard(card_client, stub, m.cheese_maker, m.producer_b),
    }
