"""`borderhub search check` finds drift document by document; `borderhub search reindex` repairs it."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.cli import main
from borderhub.settings import Settings
from kernel.db import asyncpg_dsn, transaction
from search.engines.base import SearchQuery
from search.engines.postgres import PostgresEngine
from search.indexing.maintenance import check, reindex, repair_drift
from tests.factories.order import Market, build_market
from tests.worker import drain


async def corrupt(sessions: async_sessionmaker[AsyncSession], market: Market) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """Drop the honey's document, mark the cheese out of stock in the index only, and index a listing
    that does not exist; returns (honey, cheese, orphan)."""
    honey, cheese, jam = (uuid.UUID(market.honey["id"]), uuid.UUID(market.cheese["id"]), uuid.UUID(market.jam["id"]))
    orphan = uuid.uuid4()
    async with transaction(sessions) as session:
        await session.execute(text("DELETE FROM search.listing_document WHERE listing_id = :id"), {"id": honey})
        await session.execute(
            text(
                "UPDATE search.listing_document SET document = jsonb_set(document, '{in_stock}', 'false')"
                " WHERE listing_id = :id"
            ),
            {"id": cheese},
        )
        await session.execute(
            text(
                "INSERT INTO search.listing_document (listing_id, organization_id, document, tsv,"
                " classification_digits, origin_country, origin_subdivision, ships_to, eligible_in, inclusion,"
                " price_ref, in_stock, created_at, indexed_at)"
                " SELECT CAST(:orphan AS uuid), organization_id,"
                " jsonb_set(document, '{id}', to_jsonb(CAST(:orphan_text AS text))), tsv,"
                " classification_digits, origin_country, origin_subdivision, ships_to, eligible_in, inclusion,"
                " price_ref, in_stock, created_at, indexed_at FROM search.listing_document WHERE listing_id = :id"
            ),
            {"orphan": orphan, "orphan_text": str(orphan), "id": jam},
        )

    return honey, cheese, orphan


async def test_check_names_missing_stale_and_unexpected_documents_and_reindex_repairs_them(
    client: AsyncTestClient[Litestar], app: Litestar, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    market = await build_market(client, sessions, settings)
    assert settings.database_url is not None
    await drain(settings.database_url, sessions, app.state.registry)
    engine = PostgresEngine()
    assert (await check(sessions, engine)).clean

    honey, cheese, orphan = await corrupt(sessions, market)

    drift = await check(sessions, engine)
    assert (drift.checked, drift.missing, drift.stale, drift.unexpected) == (
        3,
        [honey],
        {cheese: ["in_stock"]},
        [orphan],
    )

    counts = await reindex(sessions, engine)
    assert (counts.upserted, counts.deleted) == (3, 1)
    assert (await check(sessions, engine)).clean


async def test_reindex_rebuilds_a_listings_search_vectors_when_its_document_is_unchanged(
    client: AsyncTestClient[Litestar], app: Litestar, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    """A rebuild after the engine's own indexing changed (a stemmer, the weights) must reach listings
    whose document is as stored; here their vectors are emptied, as a changed configuration would
    leave them wrong, and the listing is found again only after `reindex`."""
    market = await build_market(client, sessions, settings)
    assert settings.database_url is not None
    await drain(settings.database_url, sessions, app.state.registry)
    engine = PostgresEngine()
    honey = uuid.UUID(market.honey["id"])
    async with transaction(sessions) as session:
        document = (await engine.fetch(session, [honey]))[honey]
        title = document.translations[document.default_language].title
        await session.execute(text("UPDATE search.listing_text SET tsv = '' WHERE listing_id = :id"), {"id": honey})
        await session.execute(text("UPDATE search.listing_document SET tsv = '' WHERE listing_id = :id"), {"id": honey})

    async def found() -> bool:
        async with transaction(sessions) as session:
            result = await engine.search(session, SearchQuery(text=title))
        return honey in {hit.document.id for hit in result.hits}

    assert not await found()
    assert (await check(sessions, engine)).clean  # the documents are as they should be
    await reindex(sessions, engine)
    assert await found()


async def test_hourly_repair_resyncs_exactly_the_drifted_listings_when_deliveries_were_lost(
    client: AsyncTestClient[Litestar], app: Litestar, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    market = await build_market(client, sessions, settings)
    assert settings.database_url is not None
    await drain(settings.database_url, sessions, app.state.registry)
    engine = PostgresEngine()
    honey, cheese, orphan = await corrupt(sessions, market)

    async with transaction(sessions) as session:
        repaired = await repair_drift(session, engine)
    assert (repaired.missing, list(repaired.stale), repaired.unexpected) == ([honey], [cheese], [orphan])
    assert (await check(sessions, engine)).clean
    async with transaction(sessions) as session:
        assert (await repair_drift(session, engine)).clean  # nothing left to do


def test_cli_check_fails_on_drift_until_reindex_when_run_against_the_database(database_url: str) -> None:
    async def plant_orphan() -> None:
        connection = await asyncpg.connect(asyncpg_dsn(database_url))
        try:
            await connection.execute(
                "INSERT INTO search.listing_document (listing_id, organization_id, document, tsv,"
                " classification_digits, origin_country, ships_to, eligible_in, inclusion, in_stock, created_at)"
                " VALUES ($1, $1, '{}', '', '03', 'PL', '{}', '{}', '{}', true, now())",
                uuid.uuid4(),
            )
        finally:
            await connection.close()

    asyncio.run(plant_orphan())
    runner = CliRunner()
    env = {"DATABASE_URL": database_url}

    drifted = runner.invoke(main, ["search", "check"], env=env)
    assert drifted.exit_code == 1, drifted.output
    assert "1 indexed but not offered" in drifted.output

    rebuilt = runner.invoke(main, ["search", "reindex"], env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "0 documents indexed, 1 removed (postgres)" in rebuilt.output

    clean = runner.invoke(main, ["search", "check"], env=env)
    assert clean.exit_code == 0, clean.output
    assert "index and database agree" in clean.output
