"""The index follows the catalog through the outbox: every change a buyer would notice reaches search
within one worker cycle, repeated or stale events change nothing, and an engine outage only delays it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock, worker
from kernel.db import transaction
from kernel.outbox import Registry
from marketplace.compliance.jobs import announce_validity_changes
from marketplace.compliance.models import Credential
from marketplace.events import ListingChanged
from search.document import SearchDocument
from search.engines.base import SearchUnavailable
from search.engines.postgres import PostgresEngine
from search.indexing import subscribers
from search.indexing.sync import sync_listings
from tests.factories.compliance import add_requirement, days, verified_credential
from tests.factories.identity import Account
from tests.factories.order import Market, build_market, place
from tests.worker import drain

SEARCH = "/api/v1/search/listings"


@pytest.fixture
async def market(
    client: AsyncTestClient[Litestar], app: Litestar, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> Market:
    built = await build_market(client, sessions, settings)
    await cycle(app, sessions, settings)
    return built


async def cycle(app: Litestar, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """One worker cycle: deliver everything queued."""
    assert settings.database_url is not None
    await drain(settings.database_url, sessions, app.state.registry)


async def found(client: AsyncTestClient[Litestar], account: Account, **params: Any) -> list[str]:
    response = await client.get(SEARCH, params={"ships_to": "any", **params}, headers=account.headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_new_and_edited_listing_is_found_by_its_current_words_when_worker_ran(
    client: AsyncTestClient[Litestar], app: Litestar, sessions: async_sessionmaker[AsyncSession], settings: Settings,
    market: Market,
) -> None:  # fmt: skip
    assert await found(client, market.buyer, q="Korycin") == [market.cheese["id"]]

    edited = await client.patch(
        f"/api/v1/listings/{market.cheese['id']}",
        json={"translations": {"pl": {"title": "Oscypek wędzony"}, "de": {"title": "Räucherkäse Oscypek"}}},
        headers=market.cheese_maker.headers,
    )
    assert edited.status_code == 200, edited.text
    await cycle(app, sessions, settings)

    assert await found(client, market.buyer, q="Korycin") == []
    assert await found(client, market.buyer, q="Räucherkäse") == [market.cheese["id"]]
    assert await found(client, market.buyer, q="oscypek", lang="pl") == [market.cheese["id"]]


async def test_paused_and_archived_listings_disappear_within_one_worker_cycle(
    client: AsyncTestClient[Litestar], app: Litestar, sessions: async_sessionmaker[AsyncSession], settings: Settings,
    market: Market,
) -> None:  # fmt: skip
    cheese = market.cheese["id"]
    paused = await client.post(f"/api/v1/listings/{cheese}/pause", headers=market.cheese_maker.headers)
    assert paused.status_code == 200, paused.text
    await cycle(app, sessions, settings)
    assert cheese not in await found(client, market.buyer)
    assert cheese not in await found(client, market.buyer, q="Käse")

    await client.post(f"/api/v1/listings/{cheese}/activate", headers=market.cheese_maker.headers)
    await cycle(app, sessions, settings)
    assert cheese in await found(client, market.buyer, q="Käse")

    await client.post(f"/api/v1/listings/{cheese}/archive", headers=market.cheese_maker.headers)
    await cycle(app, sessions, settings)
    assert cheese not in await found(client, market.buyer)


async def test_producer_is_found_by_its_new_name_when_it_renamed_itself(
    client: AsyncTestClient[Litestar], app: Litestar, sessions: async_sessionmaker[AsyncSession], settings: Settings,
    market: Market,
) -> None:  # fmt: skip
    renamed = await client.patch(
        f"/api/v1/organizations/{market.producer_b['id']}",
        json={"legal_name": "Serowarnia Bogatyńska"},
        headers=market.cheese_maker.headers,
    )
    assert renamed.status_code == 200, renamed.text
    await cycle(app, sessions, settings)

    response = await client.get(SEARCH, params={"q": "Serowarnia"}, headers=market.buyer.headers)
    assert [(i["id"], i["producer_name"]) for i in response.json()["items"]] == [
        (market.cheese["id"], "Serowarnia Bogatyńska")
    ]


async def test_inclusion_filter_shows_producer_only_once_coordinator_verified_it(
    client: AsyncTestClient[Litestar], app: Litestar, sessions: async_sessionmaker[AsyncSession], settings: Settings,
    market: Market,
) -> None:  # fmt: skip
    assert await found(client, market.buyer, inclusion="women_led") == []
    declared = await client.put(
        f"/api/v1/organizations/{market.producer_b['id']}/inclusion",
        json={"women_led": True},
        headers=market.cheese_maker.headers,
    )
    assert declared.status_code == 200, declared.text
    await cycle(app, sessions, settings)
    assert await found(client, market.buyer, inclusion="women_led") == [], "self-declared is not verified"

    verified = await client.put(
        f"/api/v1/hubs/{market.hub['id']}/organizations/{market.producer_b['id']}/inclusion/women_led",
        json={"verified": True},
        headers=market.coordinator.headers,
    )
    assert verified.status_code == 200, verified.text
    await cycle(app, sessions, settings)
    assert await found(client, market.buyer, inclusion="women_led") == [market.cheese["id"]]


async def test_eligibility_filter_follows_rules_credentials_and_their_expiry(
    client: AsyncTestClient[Litestar], app: Litestar, sessions: async_sessionmaker[AsyncSession], settings: Settings,
    market: Market,
) -> None:  # fmt: skip
    honey_and_jam = sorted([market.honey["id"], market.jam["id"]])
    everything = sorted([*honey_and_jam, market.cheese["id"]])
    assert sorted(await found(client, market.buyer, eligible_for="DE-SN")) == everything

    # The hub now requires an organic certificate for honey (CPV 0314...) sold into Saxony.
    await add_requirement(client, market.hub, market.coordinator, classification_prefix="0314", destination="DE-SN")
    await cycle(app, sessions, settings)
    assert await found(client, market.buyer, eligible_for="DE-SN") == [market.cheese["id"]]
    assert sorted(await found(client, market.buyer, eligible_for="PL-02")) == everything

    credential = await verified_credential(
        client, market.hub, market.honey_maker, market.coordinator, market.producer_a, issuing_jurisdiction="DE"
    )
    await cycle(app, sessions, settings)
    assert sorted(await found(client, market.buyer, eligible_for="DE-SN")) == everything

    # Its last valid day passes: the daily job announces it and the listings drop out again.
    async with transaction(sessions) as session:
        await session.execute(
            update(Credential)
            .where(Credential.id == uuid.UUID(credential["id"]))
            .values(valid_from=dt.date.fromisoformat(days(-60)), valid_until=dt.date.fromisoformat(days(-1)))
        )
    async with transaction(sessions) as session:
        await announce_validity_changes(session)
    await cycle(app, sessions, settings)
    assert await found(client, market.buyer, eligible_for="DE-SN") == [market.cheese["id"]]


async def test_credential_verified_ahead_of_its_first_valid_day_counts_from_that_day(
    client: AsyncTestClient[Litestar], app: Litestar, sessions: async_sessionmaker[AsyncSession], settings: Settings,
    market: Market,
) -> None:  # fmt: skip
    await add_requirement(client, market.hub, market.coordinator, classification_prefix="0314", destination="DE-SN")
    credential = await verified_credential(
        client, market.hub, market.honey_maker, market.coordinator, market.producer_a,
        issuing_jurisdiction="DE", valid_from=days(1),
    )  # fmt: skip
    await cycle(app, sessions, settings)
    assert await found(client, market.buyer, eligible_for="DE-SN") == [market.cheese["id"]]

    # The next morning: as time would, the verification moves to yesterday and the first valid day to today.
    async with transaction(sessions) as session:
        now = clock.now()
        await session.execute(
            update(Credential)
            .where(Credential.id == uuid.UUID(credential["id"]))
            .values(valid_from=now.date(), decided_at=now - dt.timedelta(days=1))
        )
    async with transaction(sessions) as session:
        await announce_validity_changes(session)
    await cycle(app, sessions, settings)
    assert sorted(await found(client, market.buyer, eligible_for="DE-SN")) == sorted(
        [market.honey["id"], market.jam["id"], market.cheese["id"]]
    )


async def test_in_stock_filter_drops_sold_out_listing_and_takes_it_back_when_order_is_cancelled(
    client: AsyncTestClient[Litestar], app: Litestar, sessions: async_sessionmaker[AsyncSession], settings: Settings,
    market: Market,
) -> None:  # fmt: skip
    assert market.cheese["id"] in await found(client, market.buyer, in_stock="true")
    order = (await place(client, market.buyer, market.checkout((market.cheese, "40"))))["orders"][0]
    await cycle(app, sessions, settings)
    assert market.cheese["id"] not in await found(client, market.buyer, in_stock="true")
    assert market.cheese["id"] in await found(client, market.buyer), "sold out is still offered"

    cancelled = await client.post(
        f"/api/v1/orders/{order['id']}/cancel", json={"note": "changed plans"}, headers=market.buyer.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    await cycle(app, sessions, settings)
    assert market.cheese["id"] in await found(client, market.buyer, in_stock="true")


async def test_stale_or_repeated_event_leaves_the_current_document_when_delivered_late(
    client: AsyncTestClient[Litestar], app: Litestar, sessions: async_sessionmaker[AsyncSession], settings: Settings,
    market: Market,
) -> None:  # fmt: skip
    listing_id = uuid.UUID(market.jam["id"])
    changed = await client.put(
        f"/api/v1/listings/{listing_id}/prices",
        json={"price_tiers": [{"min_quantity": "1", "unit_price": "9.50"}]},
        headers=market.honey_maker.headers,
    )
    assert changed.status_code == 200, changed.text
    await cycle(app, sessions, settings)
    engine = PostgresEngine()
    async with transaction(sessions) as session:
        current = (await engine.fetch(session, [listing_id]))[listing_id]
    assert (current.version, str(current.unit_price)) == (2, "9.50")

    # The creation event (version 1) arrives again, late, twice.
    reg: Registry = app.state.registry
    late = ListingChanged(
        listing_id=listing_id, organization_id=uuid.UUID(market.producer_a["id"]), version=1, change="created"
    )
    for _ in range(2):
        async with transaction(sessions) as session:
            await reg.subscribers["search_on_ListingChanged"].handler(session, late, uuid.uuid4())

    async with transaction(sessions) as session:
        assert (await engine.fetch(session, [listing_id]))[listing_id] == current


class FlakyEngine(PostgresEngine):
    """The PostgreSQL engine, unreachable for its first `outage` writes (as a Meilisearch outage looks)."""

    def __init__(self, outage: int) -> None:
        self.outage = outage
        self.refused = 0

    async def upsert(
        self, session: AsyncSession, documents: Sequence[SearchDocument], *, rewrite: bool = False
    ) -> None:
        if self.refused < self.outage:
            self.refused += 1
            raise SearchUnavailable("connection refused")
        await super().upsert(session, documents, rewrite=rewrite)


async def test_catalog_keeps_working_and_backlog_drains_when_engine_was_down(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], settings: Settings,
    market: Market, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(worker, "FIRST_RETRY_DELAY", dt.timedelta(0))
    flaky = FlakyEngine(outage=3)
    registry = Registry.of(subscribers.subscribers(flaky), subscribers.schedules(flaky))

    created = await client.post(
        f"/api/v1/organizations/{market.producer_b['id']}/listings",
        json={
            "sku": "SMOKED-1",
            "translations": {"de": {"title": "Geräucherter Quark"}},
            "default_language": "de",
            "classification": {"scheme": "CPV", "code": "15540000-5"},
            "unit": "KGM",
            "pack_size": "1",
            "price_tiers": [{"min_quantity": "1", "unit_price": "30.00"}],
            "stock_on_hand": "10",
            "lead_time_days": 1,
            "ships_to": ["DE-SN"],
        },
        headers=market.cheese_maker.headers,
    )
    assert created.status_code == 201, created.text  # the outage is invisible to the producer

    async def searchable() -> bool:
        return await found(client, market.buyer, q="Quark") == [created.json()["id"]]

    assert settings.database_url is not None
    await drain(settings.database_url, sessions, registry, until=searchable)
    assert flaky.refused == 3
    async with transaction(sessions) as session:
        retried = await session.execute(text("SELECT count(*) FROM pgqueuer"))
        assert retried.scalar_one() == 0, "nothing is left waiting"


async def test_a_sync_of_thousands_of_listings_takes_a_bounded_number_of_locks(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], market: Market
) -> None:
    # One advisory lock per listing made a 10,000-listing import outgrow PostgreSQL's lock table
    # (max_locks_per_transaction x max_connections, ~6,400 here; "out of shared memory") when a few
    # such deliveries ran at once, and the import was never indexed.
    header = (
        "sku,title[de],default_language,classification_scheme,classification_code,unit,pack_size,price_tiers,"
        "stock_on_hand,ships_to,lead_time_days"
    )
    rows = [f"BULK-{n},Waldhonig Los {n},de,HS,0409.00,KGM,1,1:10.00,5,PL|DE-SN,1" for n in range(3000)]
    imported = await client.post(
        f"/api/v1/organizations/{market.producer_a['id']}/listings/import",
        content=("\n".join([header, *rows]) + "\n").encode(),
        headers={**market.honey_maker.headers, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    async with transaction(sessions) as session:
        ids = list((await session.scalars(text("SELECT id FROM marketplace.listing WHERE sku LIKE 'BULK-%'"))).all())
        counts = await sync_listings(session, PostgresEngine(), ids)
        locks = (
            await session.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            )
        ).scalar_one()
    assert counts.upserted == 3000
    assert locks <= 1024
