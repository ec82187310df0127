"""Every OCDS package the service publishes — each tender's release package and record package
after each step, and every page of the release feed — checked by libcoveocds, the OCDS
community's own checker, offline against the shared 1.1.5 schemas and the three extensions
(`tests.ocds`): along a whole tender (amendment, bids, award, contracts), a tender cancelled
after its bids were opened, and one that ends unsuccessful because nothing could be awarded.

A package fails on a schema error, a field that neither OCDS 1.1.5 nor a declared extension
defines, a code outside a closed codelist, an empty field or a malformed ocid.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.procurement import (
    bid,
    bid_body,
    build_procurement,
    commit,
    open_pool,
    pass_deadline,
    priced_out_tender,
    published_tender,
)
from tests.ocds import OcdsSchemas


@pytest.fixture
def schemas() -> OcdsSchemas:
    checker = OcdsSchemas()
    if not checker.available:
        pytest.skip(f"the OCDS schemas are not in {checker.folder} (set BORDERHUB_SHARED_DATA)")
    return checker


async def packages_of(client: AsyncTestClient[Any], tender: dict[str, Any]) -> list[dict[str, Any]]:
    """The tender's release package and its record package, as anyone reads them now."""
    package = await client.get(f"/api/v1/ocds/tenders/{tender['id']}")
    record = await client.get(f"/api/v1/ocds/records/{tender['ocid']}")
    assert (package.status_code, record.status_code) == (200, 200), record.text
    return [package.json(), record.json()]


async def feed_pages(client: AsyncTestClient[Any]) -> list[dict[str, Any]]:
    """Every page of the release feed, two releases a page (the Link header leads on)."""
    pages = []
    response = await client.get("/api/v1/ocds/releases", params={"limit": 2})
    pages.append(response.json())
    while "next" in response.links:
        response = await client.get(response.links["next"]["url"])
        pages.append(response.json())
    return pages


def check_all(schemas: OcdsSchemas, packages: list[dict[str, Any]]) -> None:
    for package in packages:
        if "records" in package:
            schemas.check_record_package(package)
        else:
            schemas.check_release_package(package)


def stages(package: dict[str, Any]) -> list[tuple[list[str], str, list[str]]]:
    """Each release's tags, tender status and lot statuses."""
    return [
        (r["tag"], r["tender"]["status"], [lot["status"] for lot in r["tender"]["lots"]]) for r in package["releases"]
    ]


async def test_every_package_conforms_from_publication_through_amendment_and_bids_to_contracts(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings, schemas: OcdsSchemas
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    pool = await open_pool(client, p, minimum_total_quantity=None)
    await commit(client, m.buyer, pool, m.buyer_org, 0, "80", max_unit_price="12.00")
    await commit(client, p.hotel_buyer, pool, p.hotel_org, 1, "60")
    closed = await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)
    assert closed.json()["status"] == "closed", closed.text
    tender = await published_tender(
        client,
        p,
        closed.json(),
        deadline_in=6,
        award_method="lowest_evaluated_price",
        preference_margin_percent="10",
        max_share_percent="70",
        max_lots_per_supplier=2,
    )
    packages = await packages_of(client, tender)
    amended = await client.post(
        f"/api/v1/tenders/{tender['id']}/amendments",
        json={"rationale": "Delivery hours", "description": "Deliveries between 7 and 11 am"},
        headers=p.coordinator.headers,
    )
    assert amended.status_code == 201, amended.text
    packages += await packages_of(client, tender)
    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["10.50", "10.80"]))
    await bid(client, m.cheese_maker, tender, m.producer_b, bid_body(tender, ["11.00", "10.90"]))
    await pass_deadline(tender, sessions, settings)
    packages += await packages_of(client, tender)
    base = f"/api/v1/tenders/{tender['id']}"
    assert (await client.post(f"{base}/evaluation", headers=p.coordinator.headers)).json()["state"] == "proposed"
    confirmed = await client.post(f"{base}/award/confirm", headers=p.coordinator.headers)
    assert confirmed.json()["state"] == "confirmed", confirmed.text
    packages += await packages_of(client, tender)

    assert stages(packages[-2]) == [
        (["tender"], "active", ["active", "active"]),
        (["tenderAmendment"], "active", ["active", "active"]),
        (["tenderUpdate"], "active", ["active", "active"]),  # bids opened: evaluated, not yet complete
        (["award", "contract"], "complete", ["complete", "complete"]),
    ]
    awarded = packages[-2]["releases"][-1]
    assert {c["buyer"]["name"] for c in awarded["contracts"]} == {"Stadt Görlitz", "Hotel Zgorzelec sp. z o.o."}
    check_all(schemas, packages + await feed_pages(client))


async def test_every_package_of_a_tender_cancelled_after_its_bids_were_opened_conforms(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings, schemas: OcdsSchemas
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    pool = await open_pool(client, p, minimum_total_quantity=None)
    await commit(client, m.buyer, pool, m.buyer_org, 0, "50")
    closed = (await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)).json()
    tender = await published_tender(client, p, closed, deadline_in=2)
    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["11.00"]))
    await pass_deadline(tender, sessions, settings)
    packages = await packages_of(client, tender)
    cancelled = await client.post(
        f"/api/v1/tenders/{tender['id']}/cancel",
        json={"reason": "The schools changed supplier policy"},
        headers=p.coordinator.headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    packages += await packages_of(client, tender)

    assert stages(packages[-2]) == [
        (["tender"], "active", ["active"]),
        (["tenderUpdate"], "active", ["active"]),
        (["tenderCancellation"], "cancelled", ["cancelled"]),
    ]
    [document] = packages[-2]["releases"][-1]["tender"]["documents"]
    assert (document["documentType"], document["description"]) == (
        "cancellationDetails",
        "The schools changed supplier policy",
    )
    check_all(schemas, packages + await feed_pages(client))


async def test_every_package_of_a_tender_ending_unsuccessful_with_nothing_to_award_conforms(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings, schemas: OcdsSchemas
) -> None:
    p, tender = await priced_out_tender(client, sessions, settings)
    packages = await packages_of(client, tender)
    ended = await client.post(f"/api/v1/tenders/{tender['id']}/award/confirm", headers=p.coordinator.headers)
    assert ended.json()["state"] == "unsuccessful", ended.text
    packages += await packages_of(client, tender)

    assert stages(packages[-2]) == [
        (["tender"], "active", ["active"]),
        (["tenderUpdate"], "active", ["active"]),
        (["tenderUpdate"], "unsuccessful", ["unsuccessful"]),
    ]
    assert "awards" not in packages[-2]["releases"][-1]
    compiled = packages[-1]["records"][0]["compiledRelease"]
    assert (compiled["tender"]["status"], "awards" in compiled) == ("unsuccessful", False)
    check_all(schemas, packages + await feed_pages(client))
