"""The demo hub a new user sees with `borderhub serve --demo`."""

from __future__ import annotations

import io
from typing import Any

import pypdf
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.cli import load_demo_data
from borderhub.settings import Settings
from kernel.db import transaction
from marketplace.demo import COORDINATOR_EMAIL, DEMO_PASSWORD, HUB_NAME, load_demo
from marketplace.demo_financing import CONSORTIUM_NAME, OFFICERS
from marketplace.invoicing.validation import errors, validate
from marketplace.invoicing.wording import note_text
from marketplace.tax.decision import VatNote
from tests.ocds import OcdsSchemas


async def test_demo_hub_is_usable_by_its_coordinator_and_loading_twice_changes_nothing(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    async with transaction(sessions) as session:
        first = await load_demo(session, settings, public_url=settings.marketplace.public_url)
    async with transaction(sessions) as session:
        second = await load_demo(session, settings, public_url=settings.marketplace.public_url)
    assert first.created is True
    assert second.created is False
    login = await client.post("/api/v1/auth/login", json={"email": COORDINATOR_EMAIL, "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    hubs = (await client.get("/api/v1/hubs", headers=headers)).json()["items"]
    assert [(h["name"], h["i_coordinate"]) for h in hubs] == [(HUB_NAME, True)]
    members = (await client.get(f"/api/v1/hubs/{hubs[0]['id']}/memberships?status=admitted", headers=headers)).json()
    assert members["total"] == 6  # four producers, two buyers; the herb business waits for admission
    waiting = await client.get(f"/api/v1/hubs/{hubs[0]['id']}/memberships?status=pending", headers=headers)
    assert [m["organization_name"] for m in waiting.json()["items"]] == ["Ziołowy Zakątek s.c."]
    assert {m["country"] for m in members["items"]} == {"DE", "PL"}
    bakery = next(m for m in members["items"] if m["organization_name"] == "Piekarnia Nowak s.c.")
    profile = (await client.get(f"/api/v1/organizations/{bakery['organization_id']}", headers=headers)).json()
    assert profile["inclusion"]["women_led"]["verified_by_hub"] is True


async def test_demo_listings_are_readable_in_each_side_language(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    async with transaction(sessions) as session:
        await load_demo(session, settings, public_url=settings.marketplace.public_url)
    login = await client.post("/api/v1/auth/login", json={"email": "einkauf@goerlitz.demo", "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}", "Accept-Language": "de-DE"}
    hub = (await client.get("/api/v1/hubs", headers=headers)).json()["items"][0]
    coordinator = await client.post("/api/v1/auth/login", json={"email": COORDINATOR_EMAIL, "password": DEMO_PASSWORD})
    coordinator_headers = {"Authorization": f"Bearer {coordinator.json()['access_token']}"}
    members = await client.get(f"/api/v1/hubs/{hub['id']}/memberships?per_page=10", headers=coordinator_headers)
    bakery = next(m for m in members.json()["items"] if m["organization_name"] == "Piekarnia Nowak s.c.")
    listings = await client.get(f"/api/v1/organizations/{bakery['organization_id']}/listings", headers=headers)
    bread = listings.json()["items"][0]
    assert (bread["language"], bread["title"]) == ("de", "Roggen-Sauerteigbrot 800 g")
    assert bread["currency"] == "PLN"


async def test_demo_accounts_are_verified_and_read_their_side_of_the_border_language(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    async with transaction(sessions) as session:
        await load_demo(session, settings, public_url=settings.marketplace.public_url)
    profiles = {}
    for email in ("einkauf@goerlitz.demo", "anna@piekarnia-nowak.demo", COORDINATOR_EMAIL):
        login = await client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        profiles[email] = (await client.get("/api/v1/me", headers=headers)).json()
    assert profiles["einkauf@goerlitz.demo"]["preferred_language"] == "de"
    assert profiles["anna@piekarnia-nowak.demo"]["preferred_language"] == "pl"
    assert profiles[COORDINATOR_EMAIL]["preferred_language"] == "de"
    assert all(profile["email_verified"] for profile in profiles.values())


async def test_demo_shows_one_listing_eligible_across_the_border_and_one_explained_not(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    async with transaction(sessions) as session:
        await load_demo(session, settings, public_url=settings.marketplace.public_url)
    login = await client.post("/api/v1/auth/login", json={"email": COORDINATOR_EMAIL, "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    hub = (await client.get("/api/v1/hubs", headers=headers)).json()["items"][0]
    members = (await client.get(f"/api/v1/hubs/{hub['id']}/memberships?per_page=10", headers=headers)).json()["items"]
    by_name = {m["organization_name"]: m["organization_id"] for m in members}
    verdicts = {}
    for name in ("Piekarnia Nowak s.c.", "Spółdzielnia Mleczarska Nysa"):
        listing = (await client.get(f"/api/v1/organizations/{by_name[name]}/listings", headers=headers)).json()[
            "items"
        ][0]
        verdicts[name] = (
            await client.get(f"/api/v1/listings/{listing['id']}/eligibility?destination=DE-SN", headers=headers)
        ).json()
    assert verdicts["Piekarnia Nowak s.c."]["eligible"] is True
    cheese = verdicts["Spółdzielnia Mleczarska Nysa"]
    assert cheese["eligible"] is False
    assert "veterinary_approval" in cheese["unmet"][0]["message"]
    expiring = (
        await client.get(f"/api/v1/hubs/{hub['id']}/credentials/expiring?within_days=30", headers=headers)
    ).json()
    assert [c["organization_name"] for c in expiring["items"]] == ["Spółdzielnia Mleczarska Nysa"]


async def test_a_fresh_demo_publishes_a_tender_and_has_a_pool_open_for_commitments(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    schemas = OcdsSchemas()
    async with transaction(sessions) as session:
        summary = await load_demo_data(session, settings)
    assert any("tender open for bids" in line for line in summary.lines)
    feed = (await client.get("/api/v1/ocds/releases")).json()  # public: no sign-in
    schemas.check_release_package(feed)
    milk, bread, bread_opened = feed["releases"]
    assert (milk["tag"], bread["tag"], bread_opened["tag"]) == (["tender"], ["tender"], ["tenderUpdate"])
    assert len([p for p in milk["parties"] if p["roles"] == ["buyer"]]) == 2
    assert bread_opened["ocid"] == bread["ocid"]
    assert bread_opened["tender"]["numberOfTenderers"] == 2  # both bakeries offered before the deadline
    coordinator = await client.post("/api/v1/auth/login", json={"email": COORDINATOR_EMAIL, "password": DEMO_PASSWORD})
    award = await client.get(
        f"/api/v1/tenders/{bread['tender']['id']}/award",
        headers={"Authorization": f"Bearer {coordinator.json()['access_token']}"},
    )
    assert award.status_code == 200, award.text
    assert award.json()["state"] == "proposed"  # waiting for the coordinator to confirm or override
    login = await client.post(
        "/api/v1/auth/login", json={"email": "zakupy@hotel-zgorzelec.demo", "password": DEMO_PASSWORD}
    )
    pools = await client.get(
        "/api/v1/pools", params={"status": "open"}, headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    [honey] = pools.json()["items"]
    assert honey["accepting_commitments"] is True
    assert honey["total_quantity"] == "80.000"
    schemas.skip_unvalidated()


async def test_demo_town_receives_an_xrechnung_and_a_bilingual_intra_community_invoice(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    async with transaction(sessions) as session:
        await load_demo(session, settings, public_url=settings.marketplace.public_url)
    login = await client.post("/api/v1/auth/login", json={"email": "einkauf@goerlitz.demo", "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    [town] = (await client.get("/api/v1/organizations", headers=headers)).json()["items"]
    invoices = (await client.get(f"/api/v1/organizations/{town['id']}/invoices", headers=headers)).json()["items"]
    orders = {
        invoice["id"]: (await client.get(f"/api/v1/orders/{invoice['order_id']}", headers=headers)).json()
        for invoice in invoices
    }
    by_sku = {order["lines"][0]["sku"]: (invoice_id, order) for invoice_id, order in orders.items()}
    honey_invoice, honey = by_sku["HONIG-LINDE-500"]
    bread_invoice, bread = by_sku["CHLEB-ZYTNI-800"]
    # Honey from Görlitz: a domestic sale at the reduced 7 %; bread from Zgorzelec: intra-Community, no VAT.
    assert [(g["category"], g["rate"]) for g in honey["vat_breakdown"]] == [("S", "7")]
    assert honey["vat"]["amount_minor"] > 0
    assert [(g["category"], g["rate"]) for g in bread["vat_breakdown"]] == [("K", "0")]
    xrechnung = await client.get(f"/api/v1/invoices/{honey_invoice}/xrechnung", headers=headers)
    assert errors(validate(xrechnung.content)) == []
    assert b"14626110-GOE01-31" in xrechnung.content  # the town's Leitweg-ID
    assert (
        errors(validate((await client.get(f"/api/v1/invoices/{bread_invoice}/xrechnung", headers=headers)).content))
        == []
    )
    pdf = await client.get(f"/api/v1/invoices/{bread_invoice}/pdf", headers=headers)
    text = " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages).split())
    for language in ("pl", "de"):  # the bakery's language, then the town's
        assert " ".join(note_text(VatNote.intra_community, "PL", language).split()) in text


async def test_demo_consortium_lends_in_euro_and_zloty_and_offers_the_bakery_an_advance_on_its_bread_order(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    async with transaction(sessions) as session:
        await load_demo(session, settings, public_url=settings.marketplace.public_url)

    async def login(email: str) -> dict[str, str]:
        response = await client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    officer = await login(OFFICERS[0][0])
    [consortium] = (await client.get("/api/v1/consortia/mine", headers=officer)).json()
    assert consortium["name"] == CONSORTIUM_NAME
    assert {funder["name"] for funder in consortium["funders"]} == {"Stadt Görlitz", "Miasto Zgorzelec"}
    for currency in ("EUR", "PLN"):
        book = (
            await client.get(f"/api/v1/consortia/{consortium['id']}/books?currency={currency}", headers=officer)
        ).json()
        assert book["cash_available"]["amount_minor"] > 0, currency
    anna = await login("anna@piekarnia-nowak.demo")
    [bakery] = (await client.get("/api/v1/organizations", headers=anna)).json()["items"]
    organization = bakery["id"]
    orders = (await client.get(f"/api/v1/organizations/{organization}/orders?side=producer", headers=anna)).json()
    [bread] = orders["items"]
    accepted = await client.post(f"/api/v1/orders/{bread['id']}/accept", headers=anna)
    assert accepted.status_code == 200, accepted.text
    offer = (await client.get(f"/api/v1/advances/offer?order_id={bread['id']}", headers=anna)).json()
    # Anna's bakery is a hub-verified women-led enterprise: 80 % instead of 70 %, and half the flat fee.
    assert (offer["possible"], offer["share_percent"], offer["flat_fee_percent"]) == (True, "80", "0.5")
