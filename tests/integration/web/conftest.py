"""The service with card payments on, for the card pages' tests (`card_client`, `card_market`, ...),
as the card payment tests have it (`tests/integration/marketplace/card/conftest.py`): the SDK's API
base is the local Stripe stub, webhooks are posted signed with the test secret and verified for real,
and the worker is drained to mark orders paid and move the money. Only the tests that ask for them
start the stub."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from borderhub.app import create_app
from borderhub.composition import Composition, compose
from borderhub.settings import Settings
from marketplace.payment.stripe_gateway import StripeGateway
from tests.factories.order import Market, build_market
from tests.integration.marketplace.card.support import (
    onboard,
    with_cards,
)
from tests.stripe_stub import StripeStub, fixtures_path
from tests.worker import drain

Client = AsyncTestClient[Any]


@pytest.fixture(scope="module")
def stub() -> Iterator[StripeStub]:
    if not fixtures_path().exists():
        pytest.skip(f"Stripe's fixture objects are not at {fixtures_path()}")
    with StripeStub() as server:
        yield server


@pytest.fixture
def card_settings(settings: Settings, stub: StripeStub) -> Settings:
    stub.reset()
    return with_cards(settings, stub)


@pytest.fixture
def card_composition(card_settings: Settings) -> Composition:
    return compose(card_settings)


@pytest.fixture
def card_sessions(engine: AsyncEngine, card_composition: Composition) -> async_sessionmaker[AsyncSession]:
    return card_composition.sessions(engine)


@pytest.fixture
async def card_client(card_settings: Settings, card_composition: Composition) -> AsyncIterator[Client]:
    app: Litestar = create_app(card_settings, card_composition)
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
def gateway(card_settings: Settings) -> StripeGateway:
    """A Stripe client for jobs the test runs itself, on its own event loop (as the worker's is)."""
    made = StripeGateway.from_settings(card_settings.marketplace)
    assert made is not None
    return made


@pytest.fixture
async def run_jobs(
    database_url: str, card_sessions: async_sessionmaker[AsyncSession], card_settings: Settings
) -> Callable[[], Awaitable[None]]:
    registry = compose(card_settings).registry  # the worker's own, as a worker process has

    async def run() -> None:
        await drain(database_url, card_sessions, registry)

    return run


@pytest.fixture
async def card_market(
    card_client: Client, stub: StripeStub, card_sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> Market:
    """The order tests' market, both producers onboarded with Stripe (they can be paid by card)."""
    m = await build_market(card_client, card_sessions, settings)
    await onboard(card_client, stub, m.honey_maker, m.producer_a)
    await onboard(card_client, stub, m.cheese_maker, m.producer_b)
    return m
