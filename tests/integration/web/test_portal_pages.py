"""The public tender portal: anyone, signed in or not, reads a hub's tenders in their language, never
a price before the deadline, the result once the award is confirmed, and follows the links to the
tender's OCDS record; drafts and other hubs' tenders are not there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from tests.factories.identity import register
from tests.factories.organization import create_hub, platform_admin
from tests.factories.procurement import (
    at,
    bid,
    bid_body,
    build_procurement,
    closed_pool,
    pass_deadline,
    published_tender,
)
from tests.ocds import OcdsSchemas

Client = AsyncTestClient[Litestar]


async def test_the_public_reads_an_open_tender_in_their_language_without_any_price_of_an_offer(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    tender = await published_tender(client, p, await closed_pool(client, p))
    await bid(client, p.market.honey_maker, tender, p.market.producer_a, bid_body(tender, ["13.37", "13.37"]))
    client.cookies.clear()

    hubs = await client.get("/portal", headers={"Accept-Language": "en"})
    assert hubs.status_code == 200, hubs.text
    assert f'href="/portal/{p.hub["id"]}"' in hubs.text

    portal = await client.get(f"/portal/{p.hub['id']}", headers={"Accept-Language": "pl"})
    assert portal.status_code == 200, portal.text
    assert '<html lang="pl">' in portal.text
    assert "Miód dla stołówek szkolnych" in portal.text  # the pool's Polish title for a Polish reader

    page = await client.get(f"/portal/{p.hub['id']}/tenders/{tender['id']}", headers={"Accept-Language": "de"})
    assert page.status_code == 200, page.text
    assert "Honig für Schulküchen" in page.text
    assert "Görlitz, Bauhof" in page.text
    assert "(Sachsen, Deutschland)" in page.text  # lots by place name
    assert "DE-SN" not in page.text
    assert "KGM" not in page.text
    assert "120 kg" in page.text
    assert f'href="/api/v1/ocds/records/{tender["ocid"]}"' in page.text
    for shown in (portal.text, page.text):
        assert "13.37" not in shown  # sealed until the deadline
        assert "13,37" not in shown


async def test_after_the_award_the_portal_shows_who_supplies_what_and_links_to_a_valid_ocds_record(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    tender = await published_tender(client, p, await closed_pool(client, p), deadline_in=2)
    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["11.50", "11.50"]))
    await pass_deadline(tender, sessions, settings)
    base = f"/api/v1/tenders/{tender['id']}"
    client.cookies.clear()
    tender_page = f"/portal/{p.hub['id']}/tenders/{tender['id']}"

    evaluated = await client.post(f"{base}/evaluation", headers=p.coordinator.headers)
    assert evaluated.status_code == 200, evaluated.text
    waiting = await client.get(tender_page, headers={"Accept-Language": "en"})
    assert "are being evaluated" in waiting.text
    assert m.producer_a["legal_name"] not in waiting.text  # the proposal is the coordinators' until confirmed

    assert (await client.post(f"{base}/award/confirm", headers=p.coordinator.headers)).status_code == 200
    shown = await client.get(tender_page, headers={"Accept-Language": "en"})
    assert shown.status_code == 200, shown.text
    assert "Awarded" in shown.text
    assert m.producer_a["legal_name"] in shown.text
    assert "€11.50" in shown.text  # currency units, never 1150

    record_link = f"/api/v1/ocds/records/{tender['ocid']}"
    assert f'href="{record_link}"' in shown.text
    record = await client.get(record_link)
    assert record.status_code == 200, record.text
    [compiled] = [r["compiledRelease"] for r in record.json()["records"]]
    assert compiled["awards"], "the record the portal links to has no award"
    schemas = OcdsSchemas()
    schemas.check_record_package(record.json())
    schemas.skip_unvalidated()


async def test_drafts_and_other_hubs_tenders_are_not_on_a_hubs_portal(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await closed_pool(client, p)
    draft = await client.post(
        "/api/v1/tenders", json={"pool_id": pool["id"], "bid_deadline": at(3600)}, headers=p.coordinator.headers
    )
    assert draft.status_code == 201, draft.text
    admin = await platform_admin(client, sessions, settings)
    other_hub = await create_hub(client, admin, [await register(client)])
    client.cookies.clear()

    assert (await client.get(f"/portal/{p.hub['id']}/tenders/{draft.json()['id']}")).status_code == 404
    portal = await client.get(f"/portal/{p.hub['id']}")
    assert "No tender takes offers now." in portal.text

    draft_again = await client.post(f"/api/v1/tenders/{draft.json()['id']}/publish", headers=p.coordinator.headers)
    assert draft_again.status_code == 200, draft_again.text
    elsewhere = await client.get(f"/portal/{other_hub['id']}/tenders/{draft.json()['id']}")
    assert elsewhere.status_code == 404
    assert "text/html" in elsewhere.headers["content-type"]


async def test_the_become_a_supplier_page_names_the_hubs_requirements_and_places(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    requirement: dict[str, Any] = {
        "classification_scheme": "CPV",
        "classification_prefix": "0314",
        "destination": "DE-SN",
        "credential_type": "veterinary_approval",
    }
    added = await client.post(
        f"/api/v1/hubs/{p.hub['id']}/requirements", json=requirement, headers=p.coordinator.headers
    )
    assert added.status_code == 201, added.text
    client.cookies.clear()

    shown = await client.get(f"/portal/{p.hub['id']}/become-a-supplier", headers={"Accept-Language": "en"})
    assert shown.status_code == 200, shown.text
    assert "Veterinary approval" in shown.text
    assert "Sachsen, Germany" in shown.text  # the region by name (as the region calls itself)
    assert 'href="/register"' in shown.text


async def test_the_portal_names_the_preferred_suppliers_and_moves_a_tender_past_its_deadline_out_of_the_open_ones(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    terms = {"award_method": "lowest_evaluated_price", "preference_margin_percent": "12.5"}
    tender = await published_tender(
        client, p, await closed_pool(client, p), preferred_attributes=["women_led"], **terms
    )
    client.cookies.clear()
    english = {"Accept-Language": "en"}
    portal = f"/portal/{p.hub['id']}"

    shown = await client.get(f"{portal}/tenders/{tender['id']}", headers=english)
    assert "count as if 12.5% cheaper: Women-led." in shown.text  # only the kind the tender prefers
    assert "Cooperative" not in shown.text
    before = await client.get(portal, headers=english)
    assert before.text.index(tender["title"]) < before.text.index("Past tenders")

    with clock.travel(dt.timedelta(hours=2)):  # past the deadline; the job that opens the bids has not run
        after = await client.get(portal, headers=english)
    assert "No tender takes offers now." in after.text
    assert after.text.index("Past tenders") < after.text.index(tender["title"])
    assert "Deadline passed: the offers are being opened" in after.text
