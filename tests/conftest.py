"""Test harness: one embedded PostgreSQL per test session, migrated with Alembic, truncated after each test.

Every test that touches data runs against this real server. Tests commit for
real (as the service does), and `_clean_database` empties every table afterwards,
so tests are independent and commit behaviour is tested. It runs after every test
under tests/integration/ (autouse there) and after any test using a fixture that
reaches the database (`app`, `client`, `engine`, `sessions`, `db`); unit tests have
no database (tests/unit/conftest.py) and pay nothing for one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from borderhub.app import create_app
from borderhub.composition import Composition, compose
from borderhub.settings import Settings
from kernel import embedded, migrate
from kernel.db import asyncpg_dsn, create_engine, transaction
from marketplace.settings import MarketplaceSettings
from procurement.settings import ProcurementSettings
from tests.shared_data import shared_data

TEST_JWT_SECRET = "test-only-signing-key-" + "x" * 24


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        # Every table is emptied after each test: refuse anything not plainly a test database.
        if "test" not in external.rsplit("/", 1)[-1].split("?", 1)[0]:
            pytest.exit("TEST_DATABASE_URL must name a database whose name contains 'test' (it gets truncated)")
        migrate.upgrade(external)
        yield external
        return
    root = Path(tempfile.mkdtemp(prefix="borderhub-test-"))
    url = embedded.start(root / "pgdata", database="borderhub_test", cleanup="delete")
    migrate.upgrade(url)
    yield url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        jwt_secret=TEST_JWT_SECRET,
        procurement=ProcurementSettings(
            bid_sealing_secret="test-only-sealing-secret-" + "y" * 24,
            ocds_release_schema=str(shared_data("ocds", "release-schema.json")),
        ),
        run_worker_in_process=False,
        login_max_failures=5,
        # No SMTP server: mail is kept in the local mailbox, which tests read as the demo does.
        marketplace=MarketplaceSettings(demo_mailbox=True),
    )


@pytest.fixture(scope="session")
def composition(settings: Settings) -> Composition:
    """Every package's parts, as the service composes them (its outbox registry included)."""
    return compose(settings)


#: Tables that migrations fill with reference data (the starter vocabulary, 0031): not truncated, only
#: the rows tests added are deleted (loading the vocabulary again would cost each test ~0.2 s).
SEEDED = {"search.concept_term": "hub_id IS NOT NULL", "search.concept": "hub_id IS NOT NULL"}


@pytest.fixture(scope="session")
async def _table_names(database_url: str, composition: Composition) -> list[str]:
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        rows = await connection.fetch(
            """
            SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
            WHERE schemaname = ANY($1::text[])
               OR (schemaname = 'public' AND tablename LIKE 'pgqueuer%' AND tablename <> 'pgqueuer_schedules')
            """,
            composition.schemas,
        )
        return [row["name"] for row in rows if row["name"] not in SEEDED]
    finally:
        await connection.close()


@pytest.fixture
async def _clean_database(database_url: str, _table_names: list[str]) -> AsyncIterator[None]:
    """Empty every table once the test is over (set up first, so torn down after the fixtures using it)."""
    yield
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await connection.execute(f"TRUNCATE {', '.join(_table_names)} RESTART IDENTITY CASCADE")
        for table, added in SEEDED.items():
            await connection.execute(f"DELETE FROM {table} WHERE {added}")  # noqa: S608 - constants only
    finally:
        await connection.close()


@pytest.fixture
def app(settings: Settings, composition: Composition, _clean_database: None) -> Litestar:
    return create_app(settings, composition)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
async def engine(database_url: str, _clean_database: None) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine, composition: Composition) -> async_sessionmaker[AsyncSession]:
    """Units of work whose events reach the service's subscribers, as the app's do."""
    return composition.sessions(engine)


@pytest.fixture
async def db(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A committed unit of work for service-level tests (committed when the test ends)."""
    async with transaction(sessions) as session:
        yield session
