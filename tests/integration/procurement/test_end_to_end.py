"""A coordinator's whole journey through HTTP: pool → commitments → tender → sealed bids → deadline,
with every OCDS package validated against the official schema."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.order import EUR_PLN
from tests.factories.procurement import (
    at,
    bid,
    bid_body,
    build_procurement,
    commit,
    open_pool,
    pass_deadline,
)
from tests.ocds import OcdsSchemas


async def test_pool_to_opened_bids_when_driven_over_http_publishes_valid_ocds(  # noqa: PLR0915 - one journey, in order
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    schemas = OcdsSchemas()
    p = await build_procurement(client, sessions, settings)
    m = p.market

    # The coordinator opens a pool; two buyers on either side of the border commit.
    pool = await open_pool(client, p)
    assert pool["status"] == "open"
    assert pool["accepting_commitments"] is True
    mine = await commit(client, m.buyer, pool, m.buyer_org, 0, "80", max_unit_price="14.00")
    changed = await client.patch(
        f"/api/v1/pools/{pool['id']}/commitments/{mine['id']}", json={"quantity": "120"}, headers=m.buyer.headers
    )
    assert changed.status_code == 200, changed.text
    await commit(client, p.hotel_buyer, pool, p.hotel_org, 1, "60")

    # Participants see running totals per delivery point, never each other.
    seen = (await client.get(f"/api/v1/pools/{pool['id']}", headers=p.hotel_buyer.headers)).json()
    assert [d["committed_quantity"] for d in seen["delivery_points"]] == ["120.000", "60.000"]
    assert m.buyer_org["id"] not in str(seen)
    own = (
        await client.get(
            f"/api/v1/pools/{pool['id']}/commitments",
            params={"organization_id": p.hotel_org["id"]},
            headers=p.hotel_buyer.headers,
        )
    ).json()
    assert [c["organization_id"] for c in own] == [p.hotel_org["id"]]

    closed = await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)
    assert closed.json()["status"] == "closed"

    # A tender with one lot per delivery point, published for anyone to read.
    created = await client.post(
        "/api/v1/tenders",
        json={
            "pool_id": pool["id"],
            "bid_deadline": at(6),
            "award_method": "lowest_evaluated_price",
            "preference_margin_percent": "10",
            "max_share_percent": "70",
            "max_lots_per_supplier": 2,
        },
        headers=p.coordinator.headers,
    )
    assert created.status_code == 201, created.text
    tender = created.json()
    assert tender["status"] == "draft"
    assert [(lot["number"], lot["jurisdiction"], lot["quantity"]) for lot in tender["lots"]] == [
        (1, "DE-SN", "120.000"),
        (2, "PL-02", "60.000"),
    ]
    assert (await client.get(f"/api/v1/tenders/{tender['id']}")).status_code == 404  # drafts are not public
    published = await client.post(f"/api/v1/tenders/{tender['id']}/publish", headers=p.coordinator.headers)
    assert published.status_code == 200, published.text
    public = await client.get(f"/api/v1/tenders/{tender['id']}")  # no sign-in
    assert public.status_code == 200
    assert public.json()["accepting_bids"] is True

    # Two producers bid: one in złoty, one in euro.
    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["46.75", "48.00"], currency="PLN"))
    await bid(client, m.cheese_maker, tender, m.producer_b, bid_body(tender, ["11.40"], total_capacity="150"))
    sealed = await client.get(f"/api/v1/tenders/{tender['id']}/bids", headers=p.coordinator.headers)
    assert sealed.status_code == 403
    assert "46.75" not in sealed.text
    assert "11.4" not in sealed.text

    await pass_deadline(tender, sessions, settings)

    opened = await client.get(f"/api/v1/tenders/{tender['id']}/bids", headers=p.coordinator.headers)
    assert opened.status_code == 200, opened.text
    by_org = {b["organization_id"]: b for b in opened.json()}
    zloty = by_org[m.producer_a["id"]]
    assert zloty["eligible"] is True
    first = zloty["lines"][0]
    assert (first["unit_price"], first["currency"], first["fx_source"]) == ("46.75", "PLN", "ECB")
    assert Decimal(first["tender_unit_price"]) == (Decimal("46.75") / EUR_PLN).quantize(Decimal("0.01"))
    assert by_org[m.producer_b["id"]]["total_capacity"] == "150.000"
    after = (await client.get(f"/api/v1/tenders/{tender['id']}")).json()
    assert (after["status"], after["number_of_bids"]) == ("closed", 2)

    # Open data: the tender's package, the feed and the compiled record, all valid OCDS.
    package = (await client.get(f"/api/v1/ocds/tenders/{tender['id']}")).json()
    schemas.check_release_package(package)
    assert [r["tag"] for r in package["releases"]] == [["tender"], ["tenderUpdate"]]
    last = package["releases"][-1]
    roles = {party["name"]: party["roles"] for party in last["parties"]}
    assert roles["Stadt Görlitz"] == ["buyer"]
    assert roles["Hotel Zgorzelec sp. z o.o."] == ["buyer"]
    assert roles[m.hub["name"]] == ["procuringEntity"]
    assert sorted(r for r in roles.values() if r == ["tenderer"]) == [["tenderer"], ["tenderer"]]
    assert last["tender"]["numberOfTenderers"] == 2
    # Bids are opened but nothing is awarded yet: the tender and its lots are still active, not complete.
    assert last["tender"]["status"] == "active"
    assert [lot["status"] for lot in last["tender"]["lots"]] == ["active", "active"]
    lot_bids = {s["relatedLot"]: s["value"] for s in last["bids"]["statistics"] if s["id"].startswith("bids-lot")}
    assert lot_bids == {"1": 2, "2": 1}
    assert {i["unit"]["scheme"] for i in last["tender"]["items"]} == {"UNCEFACT"}
    assert {i["classification"]["scheme"] for i in last["tender"]["items"]} == {"CPV"}
    assert "46.75" not in str(package)  # statistics, never prices, before the award

    feed = (await client.get("/api/v1/ocds/releases")).json()
    schemas.check_release_package(feed)
    assert [r["id"] for r in feed["releases"]] == [r["id"] for r in package["releases"]]

    schemas.skip_unvalidated()  # compiling a record needs the release schema too
    record = await client.get(f"/api/v1/ocds/records/{tender['ocid']}")
    assert record.status_code == 200, record.text
    schemas.check_record_package(record.json())
    compiled = record.json()["records"][0]["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    assert compiled["tender"]["numberOfTenderers"] == 2
    assert compiled["tender"]["tenderPeriod"]["endDate"] == last["tender"]["tenderPeriod"]["endDate"]
