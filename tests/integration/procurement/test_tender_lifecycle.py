"""Sealing, amendments, cancellation, pool windows and the deadline's re-check, through HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from kernel.db import transaction
from kernel.errors import Unavailable
from kernel.outbox import OutboxEvent
from procurement.ocds import service as ocds
from procurement.pool.jobs import close_due_pools
from tests.factories.compliance import add_requirement
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
from tests.ocds import OcdsSchemas


async def events(sessions: async_sessionmaker[AsyncSession], topic: str) -> list[dict[str, Any]]:
    async with transaction(sessions) as session:
        rows = await session.execute(
            select(OutboxEvent.payload).where(OutboxEvent.topic == topic).order_by(OutboxEvent.created_at)
        )
        return list(rows.scalars())


def shows_in_minor_units(text: str) -> bool:
    """Whether the bid's 37.15 appears in minor units (3715) as a number of its own: ids, hashes and
    sealed bytes (hex, base64) hold those digits now and then."""
    return re.search(r"(?<![0-9A-Za-z+/=-])3715(?![0-9A-Za-z+/=-])", text) is not None


async def test_bid_prices_are_in_no_response_and_not_in_the_database_before_the_deadline(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    tender = await published_tender(client, p, await closed_pool(client, p))
    mine = await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["37.15", "38.25"]))
    assert [line["unit_price"] for line in mine["lines"]] == ["37.15", "38.25"]
    own = f"/api/v1/tenders/{tender['id']}/bids/{m.producer_a['id']}"
    assert (await client.get(own, headers=m.honey_maker.headers)).json()["lines"][0]["unit_price"] == "37.15"

    responses = [
        await client.get(f"/api/v1/tenders/{tender['id']}/bids", headers=p.coordinator.headers),  # 403: sealed
        await client.get(own, headers=p.coordinator.headers),  # 404: not the coordinator's bid
        await client.get(own, headers=m.cheese_maker.headers),  # 404: a rival
        await client.get(f"/api/v1/tenders/{tender['id']}/draft", headers=p.coordinator.headers),
        await client.get(f"/api/v1/hubs/{m.hub['id']}/tenders", headers=p.coordinator.headers),
        await client.get(f"/api/v1/tenders/{tender['id']}"),
        await client.get("/api/v1/ocds/releases"),
        await client.get(f"/api/v1/pools/{tender['pool_id']}", headers=p.coordinator.headers),
    ]
    assert [r.status_code for r in responses] == [403, 404, 404, 200, 200, 200, 200, 200]
    for response in responses:
        assert "37.15" not in response.text
        assert not shows_in_minor_units(response.text)
    assert responses[3].json()["number_of_bids"] is None  # not even how many bids there are

    async with transaction(sessions) as session:
        dump = str((await session.execute(text("SELECT row_to_json(b)::text FROM procurement.bid b"))).scalars().all())
        lines = (await session.execute(text("SELECT count(*) FROM procurement.bid_line"))).scalar_one()
        audit = str((await session.execute(text("SELECT after::text FROM kernel.audit_entry"))).scalars().all())
    assert not shows_in_minor_units(dump)
    assert "37.15" not in dump
    assert lines == 0
    assert not shows_in_minor_units(audit)
    assert "37.15" not in audit
    # No audit view tells the coordinator that anyone bid.
    hub_audit = await client.get(
        f"/api/v1/hubs/{m.hub['id']}/audit", params={"per_page": 100}, headers=p.coordinator.headers
    )
    assert hub_audit.status_code == 200
    assert not [e for e in hub_audit.json()["items"] if e["action"].startswith("bid.")]


async def test_a_withdrawn_bid_is_erased_and_not_opened(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    tender = await published_tender(client, p, await closed_pool(client, p), deadline_in=4)
    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["10"]))
    await bid(client, m.cheese_maker, tender, m.producer_b, bid_body(tender, ["11"]))
    withdrawn = await client.delete(
        f"/api/v1/tenders/{tender['id']}/bids/{m.producer_a['id']}", headers=m.honey_maker.headers
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["lines"] == []
    await pass_deadline(tender, sessions, settings)
    opened = (await client.get(f"/api/v1/tenders/{tender['id']}/bids", headers=p.coordinator.headers)).json()
    assert [b["organization_id"] for b in opened] == [m.producer_b["id"]]


async def test_a_material_amendment_extends_the_deadline_and_notifies_bidders(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    schemas = OcdsSchemas()
    p = await build_procurement(client, sessions, settings)
    m = p.market
    tender = await published_tender(client, p, await closed_pool(client, p))
    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["10"]))
    url = f"/api/v1/tenders/{tender['id']}/amendments"
    later = at(7200)

    editorial = await client.post(
        url,
        json={"rationale": "Delivery hours", "description": "Deliveries 7-11 am", "bid_deadline": later},
        headers=p.coordinator.headers,
    )
    assert editorial.status_code == 201, editorial.text
    assert editorial.json()["amendments"][0]["material"] is False
    assert dt.datetime.fromisoformat(editorial.json()["bid_deadline"]) == dt.datetime.fromisoformat(later).replace(
        microsecond=0
    )

    shorter = await client.post(
        url, json={"rationale": "Hurry", "bid_deadline": at(600)}, headers=p.coordinator.headers
    )
    assert shorter.status_code == 422
    assert shorter.json()["errors"][0]["field"] == "$.bid_deadline"

    material = await client.post(
        url, json={"rationale": "Spread the risk", "max_share_percent": "50"}, headers=p.coordinator.headers
    )
    assert material.status_code == 201, material.text
    amended = material.json()
    assert amended["max_share_percent"] == "50"
    assert amended["amendments"][1]["material"] is True
    deadline = dt.datetime.fromisoformat(amended["bid_deadline"])
    assert deadline > clock.now() + dt.timedelta(days=3) - dt.timedelta(minutes=1)

    notices = await events(sessions, "procurement.TenderAmended")
    assert [(n["amendment"], n["material"], n["bidder_ids"]) for n in notices] == [
        (1, False, [m.producer_a["id"]]),
        (2, True, [m.producer_a["id"]]),
    ]
    package = (await client.get(f"/api/v1/ocds/tenders/{tender['id']}")).json()
    schemas.check_release_package(package)
    assert [r["tag"] for r in package["releases"]] == [["tender"], ["tenderAmendment"], ["tenderAmendment"]]
    assert [a["rationale"] for a in package["releases"][-1]["tender"]["amendments"]] == [
        "Delivery hours",
        "Spread the risk",
    ]
    assert package["releases"][-1]["tender"]["tenderPeriod"]["endDate"].startswith(amended["bid_deadline"][:16])

    # The public feed pages in publication order; the Link header's next continues it, the last page has none.
    first_page = await client.get("/api/v1/ocds/releases", params={"limit": 2})
    first = first_page.json()
    schemas.check_release_package(first)  # the next page's URL is no field OCDS 1.1 defines, so not in there
    last_page = await client.get(first_page.links["next"]["url"])
    rest = last_page.json()
    schemas.check_release_package(rest)
    assert [r["id"] for r in first["releases"] + rest["releases"]] == [r["id"] for r in package["releases"]]
    assert "next" not in last_page.links
    since_then = await client.get("/api/v1/ocds/releases", params={"since": "2026-01-01T00:00:00Z"})
    schemas.check_release_package(since_then.json())
    assert len(since_then.json()["releases"]) == 3
    not_yet = await client.get("/api/v1/ocds/releases", params={"since": at(3600)})
    assert not_yet.status_code == 200
    assert not_yet.json()["releases"] == []  # no OCDS package has no releases: nothing to validate
    for bad in (
        {"limit": 0},
        {"cursor": "x"},
        {"cursor": "9" * 20},
        {"cursor": "-1"},
        {"since": "2026-01-01T00:00:00"},
        {"since": "0001-01-01T00:00:00Z"},  # was a 500: far outside any instant a release can have
        {"since": "9999-12-31T23:59:59Z"},
    ):
        assert (await client.get("/api/v1/ocds/releases", params=bad)).status_code == 422
    schemas.skip_unvalidated()


async def test_cancelling_publishes_a_cancellation_and_frees_the_pool_for_a_new_tender(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    schemas = OcdsSchemas()
    p = await build_procurement(client, sessions, settings)
    m = p.market
    pool = await closed_pool(client, p)
    tender = await published_tender(client, p, pool)
    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["10"]))
    cancelled = await client.post(
        f"/api/v1/tenders/{tender['id']}/cancel",
        json={"reason": "Specification error in lot 2"},
        headers=p.coordinator.headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    late = await client.put(
        f"/api/v1/tenders/{tender['id']}/bids/{m.producer_b['id']}",
        json=bid_body(tender, ["9"]),
        headers=m.cheese_maker.headers,
    )
    assert late.status_code == 409
    package = (await client.get(f"/api/v1/ocds/tenders/{tender['id']}")).json()
    schemas.check_release_package(package)
    last = package["releases"][-1]
    assert last["tag"] == ["tenderCancellation"]
    assert last["tender"]["status"] == "cancelled"
    assert {lot["status"] for lot in last["tender"]["lots"]} == {"cancelled"}
    # Why, in the document OCDS 1.1 has for it (it has no field for a status's reason).
    [document] = last["tender"]["documents"]
    assert (document["documentType"], document["description"]) == (
        "cancellationDetails",
        "Specification error in lot 2",
    )
    [notice] = await events(sessions, "procurement.TenderCancelled")
    assert notice["bidder_ids"] == [m.producer_a["id"]]
    again = await client.post(
        "/api/v1/tenders", json={"pool_id": pool["id"], "bid_deadline": at(3600)}, headers=p.coordinator.headers
    )
    assert again.status_code == 201, again.text

    # Without the release schema there is no compiling a record: a clear 503, not a 500.
    missing = str(Path(settings.data_dir) / "missing.json")
    offline = msgspec.structs.replace(settings.procurement, ocds_release_schema=missing)
    async with transaction(sessions) as session:
        with pytest.raises(Unavailable, match="OCDS release schema"):
            await ocds.record_package(session, offline, tender["ocid"], "http://test/")
    schemas.skip_unvalidated()


async def test_pools_close_or_fail_when_their_window_ends_and_participants_are_told(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    enough = await open_pool(client, p, closes_at=at(2))
    short = await open_pool(client, p, closes_at=at(2))
    await commit(client, m.buyer, enough, m.buyer_org, 0, "100")
    withdrawn = await commit(client, p.hotel_buyer, enough, p.hotel_org, 1, "10")
    gone = await client.delete(
        f"/api/v1/pools/{enough['id']}/commitments/{withdrawn['id']}", headers=p.hotel_buyer.headers
    )
    assert gone.json()["withdrawn"] is True
    await commit(client, p.hotel_buyer, short, p.hotel_org, 1, "40")
    await asyncio.sleep(2.1)
    async with transaction(sessions) as session:
        await close_due_pools(session)

    read = {
        pool["id"]: (await client.get(f"/api/v1/pools/{pool['id']}", headers=m.buyer.headers)).json()
        for pool in (enough, short)
    }
    assert read[enough["id"]]["status"] == "closed"
    assert read[enough["id"]]["total_quantity"] == "100.000"
    assert read[short["id"]]["status"] == "failed"
    [closed] = await events(sessions, "procurement.PoolClosed")
    assert closed["participant_ids"] == [m.buyer_org["id"]]  # the withdrawn hotel is not bound
    [failed] = await events(sessions, "procurement.PoolFailed")
    assert failed["participant_ids"] == [p.hotel_org["id"]]
    assert (failed["total_quantity"], failed["minimum_total_quantity"]) == ("40.000", "100.000")


async def test_eligibility_is_checked_again_at_the_deadline(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    schemas = OcdsSchemas()
    p = await build_procurement(client, sessions, settings)
    m = p.market
    tender = await published_tender(client, p, await closed_pool(client, p), deadline_in=4)
    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["10", "11"]))
    # After the bid, the hub starts requiring an organic certificate for honey sold into Saxony.
    await add_requirement(client, m.hub, p.coordinator, classification_prefix="0314", destination="DE-SN")
    await pass_deadline(tender, sessions, settings)

    [opened] = (await client.get(f"/api/v1/tenders/{tender['id']}/bids", headers=p.coordinator.headers)).json()
    assert opened["eligible"] is False
    assert [(i["lot"], i["credential_type"]) for i in opened["ineligibility"]] == [(1, "organic")]
    package = (await client.get(f"/api/v1/ocds/tenders/{tender['id']}")).json()
    schemas.check_release_package(package)
    statistics = {s["id"]: s["value"] for s in package["releases"][-1]["bids"]["statistics"]}
    assert statistics["bids-lot-1"] == 1
    assert statistics["valid-bids-lot-1"] == 0
    schemas.skip_unvalidated()
