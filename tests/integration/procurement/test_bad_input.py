"""Bad input and wrong callers in pooled procurement: each gets a clear 4xx and nothing is written."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from alembic import command
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock, migrate
from kernel.db import transaction
from tests.factories.compliance import submit_credential, verified_credential
from tests.factories.identity import register, sign_in_again
from tests.factories.organization import admitted_organization, create_hub, platform_admin
from tests.factories.procurement import (
    at,
    bid,
    bid_body,
    build_procurement,
    closed_pool,
    commit,
    open_pool,
    pass_deadline,
    published_tender,
)


def problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    if field is not None:
        assert any(e["field"] == f"$.{field}" for e in body["errors"]), body
    return body


async def count(sessions: async_sessionmaker[AsyncSession], table: str) -> int:
    async with transaction(sessions) as session:
        return int((await session.execute(text(f"SELECT count(*) FROM procurement.{table}"))).scalar_one())  # noqa: S608


async def test_commitments_are_refused_when_the_input_or_the_caller_is_wrong(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    pool = await open_pool(client, p)
    url = f"/api/v1/pools/{pool['id']}/commitments"
    point = pool["delivery_points"][0]["id"]
    base = {
        "organization_id": m.buyer_org["id"],
        "delivery_point_id": point,
        "needed_by": str(clock.today() + dt.timedelta(days=30)),
    }

    for quantity in ("0", "-5"):
        problem(await client.post(url, json={**base, "quantity": quantity}, headers=m.buyer.headers), 422, "quantity")
    problem(
        await client.post(
            url, json={**base, "quantity": "1.5", "delivery_point_id": m.hub["id"]}, headers=m.buyer.headers
        ),
        422,
        "delivery_point_id",
    )
    problem(
        await client.post(url, json={**base, "quantity": "5", "needed_by": "2020-01-01"}, headers=m.buyer.headers),
        422,
        "needed_by",
    )
    problem(
        await client.post(url, json={**base, "quantity": "5", "max_unit_price": "0"}, headers=m.buyer.headers),
        422,
        "max_unit_price",
    )
    # A producer of the hub is no buyer.
    problem(
        await client.post(
            url, json={**base, "quantity": "5", "organization_id": m.producer_a["id"]}, headers=m.honey_maker.headers
        ),
        403,
    )
    # Acting for someone else's organisation.
    problem(await client.post(url, json={**base, "quantity": "5"}, headers=p.hotel_buyer.headers), 404)

    # A buyer of another hub does not even see the pool.
    admin = await platform_admin(client, sessions, settings)
    elsewhere_coordinator, elsewhere_buyer = await register(client), await register(client)
    other_hub = await create_hub(
        client,
        admin,
        [elsewhere_coordinator],
        jurisdictions=["PL-02", "CZ-51"],
        municipalities=[{"name": "Bogatynia", "jurisdiction": "PL-02"}, {"name": "Liberec", "jurisdiction": "CZ-51"}],
    )
    outsider = await admitted_organization(client, other_hub, elsewhere_buyer, elsewhere_coordinator, kind="buyer")
    problem(
        await client.post(
            url, json={**base, "quantity": "5", "organization_id": outsider["id"]}, headers=elsewhere_buyer.headers
        ),
        404,
    )
    problem(await client.get(f"/api/v1/pools/{pool['id']}", headers=elsewhere_buyer.headers), 404)
    # Nor does another hub's coordinator, who cannot tender it either.
    problem(
        await client.post(
            "/api/v1/tenders",
            json={"pool_id": pool["id"], "bid_deadline": at(3600)},
            headers=elsewhere_coordinator.headers,
        ),
        404,
    )
    assert await count(sessions, "commitment") == 0

    # After the window closes, commitments are binding: no new ones, no changes, no withdrawals.
    mine = await commit(client, m.buyer, pool, m.buyer_org, 0, "150")
    closed = (await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)).json()
    body = problem(
        await client.post(
            url, json={**base, "quantity": "5", "organization_id": p.hotel_org["id"]}, headers=p.hotel_buyer.headers
        ),
        409,
    )
    assert body["type"].endswith("/pool-not-open")
    # Closed early: the answer says when the coordinator closed it, not the window's planned end (ahead still).
    closed_at = dt.datetime.fromisoformat(closed["closed_at"]).isoformat()
    assert body["detail"] == f"the pool closed at {closed_at}; commitments are now binding"
    problem(await client.patch(f"{url}/{mine['id']}", json={"quantity": "1"}, headers=m.buyer.headers), 409)
    problem(await client.delete(f"{url}/{mine['id']}", headers=m.buyer.headers), 409)
    assert (await client.get(f"{url}", params={"organization_id": m.buyer_org["id"]}, headers=m.buyer.headers)).json()[
        0
    ]["binding"] is True


async def test_coordinator_endpoints_refuse_buyers_and_tenders_need_a_closed_pool(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    problem(await client.post("/api/v1/pools", json={"hub_id": m.hub["id"]}, headers=m.buyer.headers), 422)
    from tests.factories.procurement import pool_body

    problem(await client.post("/api/v1/pools", json=pool_body(m.hub), headers=m.buyer.headers), 403)
    problem(
        await client.post(
            "/api/v1/pools",
            json=pool_body(m.hub, delivery_points=[{"name": "Praha", "jurisdiction": "CZ-10"}]),
            headers=p.coordinator.headers,
        ),
        422,
        "delivery_points[0].jurisdiction",
    )
    problem(
        await client.post("/api/v1/pools", json=pool_body(m.hub, closes_at=at(-60)), headers=p.coordinator.headers),
        422,
        "closes_at",
    )

    pool = await open_pool(client, p)
    problem(await client.post(f"/api/v1/pools/{pool['id']}/close", headers=m.buyer.headers), 403)
    problem(await client.get(f"/api/v1/pools/{pool['id']}/commitments", headers=m.buyer.headers), 403)
    problem(
        await client.post(
            "/api/v1/tenders", json={"pool_id": pool["id"], "bid_deadline": at(3600)}, headers=p.coordinator.headers
        ),
        409,
    )

    # Below the minimum the pool fails, and a failed pool cannot be tendered.
    await commit(client, m.buyer, pool, m.buyer_org, 0, "20")
    failed = await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)
    assert failed.json()["status"] == "failed"
    # A failed pool binds nobody, and says so.
    late_body = {
        "organization_id": m.buyer_org["id"],
        "delivery_point_id": pool["delivery_points"][0]["id"],
        "quantity": "5",
        "needed_by": str(clock.today() + dt.timedelta(days=30)),
    }
    late = problem(
        await client.post(f"/api/v1/pools/{pool['id']}/commitments", json=late_body, headers=m.buyer.headers), 409
    )
    assert late["detail"].endswith("less than its minimum was committed, so nothing is binding"), late
    body = problem(
        await client.post(
            "/api/v1/tenders", json={"pool_id": pool["id"], "bid_deadline": at(3600)}, headers=p.coordinator.headers
        ),
        409,
    )
    assert "failed" in body["detail"]

    good = await closed_pool(client, p)
    tender_body = {"pool_id": good["id"], "bid_deadline": at(3600)}
    problem(await client.post("/api/v1/tenders", json=tender_body, headers=m.buyer.headers), 403)
    problem(
        await client.post(
            "/api/v1/tenders", json={**tender_body, "bid_deadline": at(-1)}, headers=p.coordinator.headers
        ),
        422,
        "bid_deadline",
    )
    problem(
        await client.post(
            "/api/v1/tenders",
            json={**tender_body, "award_method": "lowest_evaluated_price"},
            headers=p.coordinator.headers,
        ),
        422,
        "preference_margin_percent",
    )
    problem(
        await client.post(
            "/api/v1/tenders", json={**tender_body, "max_share_percent": "120"}, headers=p.coordinator.headers
        ),
        422,
        "max_share_percent",
    )
    for share in ("NaN", "0.001", "Infinity", "1E+30"):
        problem(
            await client.post(
                "/api/v1/tenders", json={**tender_body, "max_share_percent": share}, headers=p.coordinator.headers
            ),
            422,
            "max_share_percent",
        )
    assert await count(sessions, "tender") == 0
    tender = await published_tender(client, p, good)
    problem(await client.post(f"/api/v1/tenders/{tender['id']}/publish", headers=m.buyer.headers), 403)
    problem(
        await client.post(
            f"/api/v1/tenders/{tender['id']}/amendments",
            json={"rationale": "x", "description": "y"},
            headers=m.buyer.headers,
        ),
        403,
    )
    problem(
        await client.post(f"/api/v1/tenders/{tender['id']}/cancel", json={"reason": "no"}, headers=m.buyer.headers), 403
    )
    problem(await client.get(f"/api/v1/hubs/{m.hub['id']}/tenders", headers=m.buyer.headers), 403)


async def test_bids_are_refused_when_the_tender_or_the_offer_is_wrong(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    pool = await closed_pool(client, p)
    draft = await client.post(
        "/api/v1/tenders", json={"pool_id": pool["id"], "bid_deadline": at(4)}, headers=p.coordinator.headers
    )
    draft_tender = draft.json()
    url = f"/api/v1/tenders/{draft_tender['id']}/bids/{m.producer_a['id']}"
    problem(await client.put(url, json=bid_body(draft_tender, ["10"]), headers=m.honey_maker.headers), 404)

    await client.post(f"/api/v1/tenders/{draft_tender['id']}/publish", headers=p.coordinator.headers)
    tender = draft_tender
    for price in ("0", "-1"):
        problem(
            await client.put(url, json=bid_body(tender, [price]), headers=m.honey_maker.headers),
            422,
            "lines[0].unit_price",
        )
    problem(
        await client.put(url, json=bid_body(tender, ["10.001"]), headers=m.honey_maker.headers),
        422,
        "lines[0].unit_price",
    )
    # No recorded rate from francs to euro: the bid could never be compared, so it is refused now.
    problem(
        await client.put(url, json=bid_body(tender, ["10"], currency="CHF"), headers=m.honey_maker.headers),
        422,
        "currency",
    )
    problem(
        await client.put(url, json=bid_body(tender, ["10"], total_capacity="0"), headers=m.honey_maker.headers),
        422,
        "total_capacity",
    )
    zero = bid_body(tender, ["10"])
    zero["lines"][0]["max_quantity"] = "0"
    problem(await client.put(url, json=zero, headers=m.honey_maker.headers), 422, "lines[0].max_quantity")
    twice = bid_body(tender, ["10"])
    twice["lines"].append(twice["lines"][0])
    problem(await client.put(url, json=twice, headers=m.honey_maker.headers), 422, "lines[1].lot_id")
    # A buyer is no producer; a producer cannot bid for another.
    problem(
        await client.put(
            f"/api/v1/tenders/{tender['id']}/bids/{m.buyer_org['id']}",
            json=bid_body(tender, ["10"]),
            headers=m.buyer.headers,
        ),
        403,
    )
    problem(await client.put(url, json=bid_body(tender, ["10"]), headers=m.cheese_maker.headers), 404)
    assert await count(sessions, "bid") == 0

    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["10"]))
    await pass_deadline(tender, sessions, settings)
    late = problem(await client.put(url, json=bid_body(tender, ["9"]), headers=m.honey_maker.headers), 409)
    assert "deadline" in late["detail"]
    problem(await client.delete(url, headers=m.honey_maker.headers), 409)


async def test_an_ineligible_supplier_is_told_every_missing_credential_per_lot(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    pool = await closed_pool(client, p)
    tender = await published_tender(client, p, pool, required_credential_types=["organic", "food_safety"])
    url = f"/api/v1/tenders/{tender['id']}/bids/{m.producer_a['id']}"
    body = problem(await client.put(url, json=bid_body(tender, ["10", "11"]), headers=m.honey_maker.headers), 422)
    assert body["type"].endswith("/supplier-ineligible")
    messages = [e["message"] for e in body["errors"]]
    assert len(messages) == 4  # two credential types, two lots
    assert any("lot 1 (Görlitz, Bauhof)" in msg and "organic" in msg and "DE-SN" in msg for msg in messages)
    assert any("lot 2 (Zgorzelec, Ratusz)" in msg and "food_safety" in msg for msg in messages)

    # A Polish organic certificate counts in Poland but not in Saxony (no recognition): lot 2 only.
    await verified_credential(client, m.hub, m.honey_maker, p.coordinator, m.producer_a, credential_type="organic")
    await verified_credential(client, m.hub, m.honey_maker, p.coordinator, m.producer_a, credential_type="food_safety")
    problem(await client.put(url, json=bid_body(tender, ["10", "11"]), headers=m.honey_maker.headers), 422)
    only_poland = bid_body(tender, ["10", "11"])
    only_poland["lines"] = only_poland["lines"][1:]
    accepted = await bid(client, m.honey_maker, tender, m.producer_a, only_poland)
    assert [line["lot_number"] for line in accepted["lines"]] == [2]


async def test_pool_times_are_refused_naming_the_field_when_outside_the_sane_window(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    """Year 1 and year 9999 were stored as ±infinity and broke every read of the hub's pools."""
    from tests.factories.procurement import pool_body

    p = await build_procurement(client, sessions, settings)
    m = p.market
    pool = await open_pool(client, p)
    for field, value in [
        ("opens_at", "0001-01-01T00:00:00Z"),
        ("opens_at", "1999-12-31T23:59:59Z"),
        ("opens_at", 0),  # 1970 as a Unix time
        ("opens_at", "2026-12-01T12:00:00"),  # no time zone
        ("closes_at", "9999-12-31T23:59:59.999999Z"),
        ("closes_at", 253402300799),  # 9999-12-31 as a Unix time
        ("closes_at", at(6 * 366 * 24 * 3600)),
    ]:
        body = problem(
            await client.post("/api/v1/pools", json=pool_body(m.hub, **{field: value}), headers=p.coordinator.headers),
            422,
            field,
        )
        assert body["type"].endswith("invalid-input"), body
    url = f"/api/v1/pools/{pool['id']}/commitments"
    base = {
        "organization_id": m.buyer_org["id"],
        "delivery_point_id": pool["delivery_points"][0]["id"],
        "quantity": "5",
    }
    problem(await client.post(url, json={**base, "needed_by": "9999-12-31"}, headers=m.buyer.headers), 422, "needed_by")
    assert await count(sessions, "demand_pool") == 1
    listed = await client.get("/api/v1/pools", headers=m.buyer.headers)
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["items"]] == [pool["id"]]
    assert (await client.get(f"/api/v1/pools/{pool['id']}", headers=m.buyer.headers)).status_code == 200


async def test_a_pool_takes_as_many_delivery_points_as_the_award_benchmark_measures_and_no_more(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    """One lot per delivery point: 100 lots is what benchmarks/award.py measures (and the API used to stop at 50)."""
    from tests.factories.procurement import pool_body

    p = await build_procurement(client, sessions, settings)

    def points(n: int) -> list[dict[str, str]]:
        return [{"name": f"Görlitz, Schule {i}", "jurisdiction": "DE-SN"} for i in range(1, n + 1)]

    accepted = await client.post(
        "/api/v1/pools", json=pool_body(p.hub, delivery_points=points(100)), headers=p.coordinator.headers
    )
    assert accepted.status_code == 201, accepted.text
    assert len(accepted.json()["delivery_points"]) == 100
    body = problem(
        await client.post(
            "/api/v1/pools", json=pool_body(p.hub, delivery_points=points(101)), headers=p.coordinator.headers
        ),
        422,
        "delivery_points",
    )
    assert body["errors"] == [{"field": "$.delivery_points", "message": "must have at most 100 items"}]
    assert await count(sessions, "demand_pool") == 1


HOSTILE_TERMS: list[tuple[str, Any]] = [
    ("max_share_percent", "1E+999999999"),  # abs() of it overflowed the decimal context: a 500
    ("preference_margin_percent", "1E+999999999"),
    ("max_share_percent", "NaN"),
    ("min_award_quantity", "1E-400"),  # rounded to 0 by arithmetic
    ("bid_deadline", "9999-12-31T23:59:59.999999Z"),  # stored as infinity
    ("bid_deadline", 4102444800),  # a Unix time, not an RFC 3339 string
]


async def test_tender_terms_are_refused_naming_the_field_when_a_decimal_or_deadline_is_hostile(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await closed_pool(client, p)
    base = {"pool_id": pool["id"], "bid_deadline": at(3600)}
    for field, value in HOSTILE_TERMS:
        problem(
            await client.post("/api/v1/tenders", json={**base, field: value}, headers=p.coordinator.headers), 422, field
        )
    assert await count(sessions, "tender") == 0

    tender = await published_tender(client, p, pool)
    url = f"/api/v1/tenders/{tender['id']}/amendments"
    for field, value in HOSTILE_TERMS:
        problem(
            await client.post(url, json={"rationale": "hostile input", field: value}, headers=p.coordinator.headers),
            422,
            field,
        )
    unchanged = await client.get(f"/api/v1/tenders/{tender['id']}", headers=p.coordinator.headers)
    assert unchanged.status_code == 200, unchanged.text
    assert (unchanged.json()["bid_deadline"], unchanged.json()["amendments"]) == (tender["bid_deadline"], [])


async def test_stored_infinite_times_are_repaired_and_then_refused_by_the_database(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings, database_url: str
) -> None:
    """Rows stored with ±infinity before migration 0018 (year 1 and 9999 became that) are repaired by
    it, keep their other rules, read back, and the database refuses infinity from then on."""
    p = await build_procurement(client, sessions, settings)
    m = p.market
    pool = await open_pool(client, p)
    await commit(client, m.buyer, pool, m.buyer_org, 0, "150")
    tendered = await closed_pool(client, p)
    tender = await published_tender(client, p, tendered)
    credential = await submit_credential(client, m.honey_maker, m.producer_a)
    infinite = {
        "procurement.demand_pool": "opens_at = '-infinity', closes_at = 'infinity'",
        "procurement.commitment": "needed_by = 'infinity'",
        "procurement.tender": "bid_deadline = 'infinity'",
        "marketplace.credential": "valid_from = '-infinity', valid_until = 'infinity'",
    }
    config = migrate.alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "0017")
    try:
        async with transaction(sessions) as session:
            for table, values in infinite.items():
                await session.execute(text(f"UPDATE {table} SET {values}"))  # noqa: S608 - the test's own SQL
    finally:
        await asyncio.to_thread(command.upgrade, config, "head")

    async with transaction(sessions) as session:
        repaired = (
            await session.execute(
                text(
                    """SELECT
                         (SELECT bool_and(opens_at = created_at AND closes_at = created_at + interval '1830 days')
                            FROM procurement.demand_pool WHERE id = :pool),
                         (SELECT bool_and(needed_by = (created_at + interval '1830 days')::date)
                            FROM procurement.commitment WHERE pool_id = :pool),
                         (SELECT bool_and(bid_deadline = created_at + interval '1830 days')
                            FROM procurement.tender WHERE id = :tender),
                         (SELECT bool_and(valid_from = '1900-01-01'
                                          AND valid_until = (created_at + interval '100 years')::date)
                            FROM marketplace.credential WHERE id = :credential)"""
                ),
                {"pool": pool["id"], "tender": tender["id"], "credential": credential["id"]},
            )
        ).one()
    assert tuple(repaired) == (True, True, True, True)
    # The app's connections hold statements prepared against the tables as they were, and going back
    # past 0021 ended every session (its table went): sign in again.
    await client.app.state.engine.dispose()
    buyer, coordinator = await sign_in_again(client, m.buyer), await sign_in_again(client, p.coordinator)
    listed = await client.get("/api/v1/pools", headers=buyer.headers)
    assert listed.status_code == 200, listed.text
    assert (await client.get(f"/api/v1/tenders/{tender['id']}", headers=coordinator.headers)).status_code == 200

    for table, values in infinite.items():
        async with sessions() as session:
            with pytest.raises(IntegrityError, match="_finite"):
                await session.execute(text(f"UPDATE {table} SET {values}"))  # noqa: S608 - the test's own SQL
    async with sessions() as session:  # no invoice here to try it on: its check is there all the same
        checks = "SELECT count(*) FROM pg_constraint WHERE conname = 'ck_invoice_paid_on_finite'"
        assert (await session.execute(text(checks))).scalar_one() == 1
