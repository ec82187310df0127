"""A producer's photos and certificates in a real browser, with JavaScript on a desktop and without it
on a 360 px phone: the Polish beekeeper uploads a phone's photo of her honey and describes it in
Polish and German, records her organic certificate with its PDF, and sees it verified by the hub
and what it opens to her (selling into Germany, the hub's open tender that asks for one); the
German town hall then sees the photo (its description as the picture's text) and that the producer
holds what Germany requires. axe audits every page, the main ones must fit a phone, and the
JavaScript run writes the screenshots `listing-photos` and `credentials` (docs/screenshots).

The hub's rules, the tender and the coordinator's verification are made through the API (their
pages are tested elsewhere); every text is looked up in the pages' catalog in the reader's language
(`Words`).
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import httpx
from playwright.async_api import FilePayload, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from tests.browser.conftest import OffHostRequests, OpenPage
from tests.browser.journeys import HUB, UUID, Market, Person, build_market, person
from tests.factories.compliance import PDF, add_recognition, add_requirement, days
from tests.factories.photos import phone_jpeg
from tests.factories.procurement import commit, pool_body, published_tender
from web.places import place_name

SHOWN_PL = "Słoik miodu lipowego na drewnianym stole"
SHOWN_DE = "Ein Glas Lindenhonig auf einem Holztisch"
CERTIFICATE = "PL-EKO-07-04321"
ISSUER = "Polskie Centrum Badań i Certyfikacji"
#: The tender's title as the pool names it in Polish (the producer's language; it is German first).
TENDER_TITLE = "Miód dla stołówek szkolnych"
ORGANIC_INTO_GERMANY = "Bio-Lebensmittel nach Deutschland brauchen ein Bio-Zertifikat"


async def test_a_producer_adds_a_photo_and_a_verified_certificate_and_a_buyer_in_germany_sees_both(
    open_page: OpenPage,
    java_script: bool,
    live_server: str,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    off_host_requests: OffHostRequests,
) -> None:
    async with httpx.AsyncClient(base_url=live_server) as http:
        market = await build_market(http, sessions, settings)
        client: Any = http  # the factories take any client of the API
        # The hub's rules: organic honey sold into Germany needs an organic certificate, and the
        # hub recognises Polish ones there.
        await add_requirement(
            client,
            market.hub,
            market.coordinator,
            classification_prefix="0314",
            destination="DE",
            description=ORGANIC_INTO_GERMANY,
        )
        await add_recognition(client, market.hub, market.coordinator, issued_in="PL", recognised_in="DE")
        await open_a_tender_asking_for_organic_honey(client, market)
    ewa = await person(open_page, live_server, "pl-PL", java_script=java_script)
    await ewa.sign_in(market.beekeeper.email)

    await add_a_described_photo(ewa, market)
    credential_id = await record_the_organic_certificate(ewa, market)
    async with httpx.AsyncClient(base_url=live_server) as http:
        verified = await http.post(
            f"/api/v1/hubs/{market.hub['id']}/credentials/{credential_id}/verify", headers=market.coordinator.headers
        )
        assert verified.status_code == 200, verified.text
    await see_it_verified_and_what_it_opens(ewa, market)

    katrin = await person(open_page, live_server, "de-DE", java_script=java_script)
    await katrin.sign_in(market.buyer.email)
    await see_the_photo_and_the_certificate_that_counts_in_germany(katrin, market)
    assert off_host_requests == []


async def open_a_tender_asking_for_organic_honey(client: Any, market: Market) -> None:
    """The town hall's honey for school kitchens, pooled and tendered by the hub: bids only from
    producers with an organic certificate."""
    mine = await client.get("/api/v1/organizations", headers=market.buyer.headers)
    assert mine.status_code == 200, mine.text
    [town_hall] = [o for o in _items(mine.json()) if o["legal_name"] == market.buyer_name]
    opened = await client.post(
        "/api/v1/pools", json=pool_body(market.hub, minimum_total_quantity=None), headers=market.coordinator.headers
    )
    assert opened.status_code == 201, opened.text
    await commit(client, market.buyer, opened.json(), town_hall, 0, "120")
    closed = await client.post(f"/api/v1/pools/{opened.json()['id']}/close", headers=market.coordinator.headers)
    assert closed.status_code == 200, closed.text
    hub = SimpleNamespace(coordinator=market.coordinator)  # all `published_tender` needs of a procurement
    await published_tender(client, hub, closed.json(), required_credential_types=["organic"])  # type: ignore[arg-type]


def _items(answer: Any) -> list[dict[str, Any]]:
    return answer["items"] if isinstance(answer, dict) else answer  # type: ignore[no-any-return]


async def add_a_described_photo(ewa: Person, market: Market) -> None:
    """On the listing's photos page: a phone's JPEG (stored sideways, with its GPS position), described
    in both of the listing's languages; the page shows its upright thumbnail with the Polish text."""
    pl, page, main = ewa.words, ewa.page, ewa.main
    listing_id = market.honey["id"]
    await ewa.visit(f"/listings/{listing_id}/photos")
    await expect(ewa.heading()).to_have_text(pl("Photos of %(title)s", title="Miód lipowy"))
    await expect(main).to_contain_text(pl("This listing has no photos yet."))
    await ewa.check("listing photos, none yet")

    photo = FilePayload(name="IMG_0042.JPG", mimeType="image/jpeg", buffer=phone_jpeg(2000, 1500))
    await page.locator("#f-file").set_input_files(photo)
    await page.locator("#f-new-alt-pl").fill(SHOWN_PL)
    await page.locator("#f-new-alt-de").fill(SHOWN_DE)
    await main.get_by_role("button", name=pl("Upload the photo")).click()

    await expect(page).to_have_url(f"{ewa.live_server}/listings/{listing_id}/photos?notice=photo-added")
    await expect(ewa.notice()).to_have_text(pl("The photo is added."))
    thumbnail = main.locator("ol.photos li.photo img")
    await expect(thumbnail).to_have_count(1)
    await expect(thumbnail).to_have_attribute("alt", SHOWN_PL)
    await thumbnail.scroll_into_view_if_needed()
    # Turned upright (1500 x 2000), then at most 400 px high: the picture the browser got.
    await expect(thumbnail).to_have_js_property("naturalWidth", 300)
    await expect(thumbnail).to_have_js_property("naturalHeight", 400)
    await expect(page.locator("#f-alt-1-de")).to_have_value(SHOWN_DE)
    await ewa.check("listing photos, one", phone=True, picture="listing-photos")


async def record_the_organic_certificate(ewa: Person, market: Market) -> str:
    """On the organisation's credentials page: the kind, number, issuer, region, validity and the PDF;
    the page lists it, waiting for the hub. Its id."""
    pl, page, main = ewa.words, ewa.page, ewa.main
    organization_id = market.honey["organization_id"]
    await ewa.visit(f"/organizations/{organization_id}/credentials")
    await expect(main).to_contain_text(pl("No permits or certificates are recorded yet."))
    await ewa.check("credentials, none yet")

    await page.locator("#f-credential_type").select_option("organic")
    await page.locator("#f-number").fill(CERTIFICATE)
    await page.locator("#f-issuer").fill(ISSUER)
    await page.locator("#f-issuing_country").select_option("PL")
    await page.locator("#f-issuing_region").select_option("PL-02")
    await page.locator("#f-valid_from").fill(days(-30))
    await page.locator("#f-valid_until").fill(days(335))
    await page.locator("#f-file").set_input_files(
        FilePayload(name="Certyfikat ekologiczny 2026.pdf", mimeType="application/pdf", buffer=PDF)
    )
    await main.get_by_role("button", name=pl("Record the permit or certificate")).click()

    path = f"/organizations/{organization_id}/credentials"
    await expect(page).to_have_url(f"{ewa.live_server}{path}?notice=credential-recorded")
    await expect(ewa.notice()).to_have_text(pl("It is recorded. A coordinator of each of your hubs checks it."))
    card = main.locator("section.card")
    await expect(card).to_have_count(1)
    await expect(card.get_by_role("heading")).to_have_text(f"{pl('Organic certificate')} {CERTIFICATE}")
    await expect(card.locator(".badge")).to_have_text(pl("Waiting for a hub's coordinators to check it"))
    await expect(card).to_contain_text(ISSUER)
    await expect(card).to_contain_text(pl("%(place)s, where it was issued", place=place_name("PL-02", "pl")))
    document = card.locator(f"a[href^='{path}/']")
    await expect(document).to_have_attribute("href", re.compile(rf"^{path}/{UUID}/document$"))
    await ewa.check("credentials, one recorded")
    href = await document.get_attribute("href")
    assert href is not None
    return href.split("/")[-2]


async def see_it_verified_and_what_it_opens(ewa: Person, market: Market) -> None:
    """Back on the credentials page: which hub verified it, and where it lets her sell."""
    pl, main = ewa.words, ewa.main
    await ewa.visit(f"/organizations/{market.honey['organization_id']}/credentials")
    card = main.locator("section.card")
    # Verified a moment ago: the day in her time zone (Warsaw), which is not UTC's from 23:00 UTC on.
    verified = pl("Verified by %(hub)s on %(day)s", hub=HUB, day=pl.f.day(clock.now()))
    await expect(card.locator(".badge")).to_have_text(verified)
    germany = place_name("DE", "pl")
    await expect(card).to_contain_text(pl("%(place)s, recognised there by %(hub)s", place=germany, hub=HUB))
    opens = pl("Selling into %(place)s under the rules of %(hub)s", place=germany, hub=HUB)
    await expect(card).to_contain_text(f"{opens}: {ORGANIC_INTO_GERMANY}")
    await expect(card).to_contain_text(pl("Open tenders that ask for it"))
    await expect(card.locator("li span[lang=pl]")).to_have_text(TENDER_TITLE)
    await ewa.check("credentials, verified", phone=True, picture="credentials")


async def see_the_photo_and_the_certificate_that_counts_in_germany(katrin: Person, market: Market) -> None:
    """The listing's page, in German: the photo in its large size, its German description as the
    picture's text, and that the producer holds what selling into Saxony requires."""
    de, main = katrin.words, katrin.main
    await katrin.visit(f"/listings/{market.honey['id']}")
    await expect(katrin.heading()).to_have_text("Lindenhonig")
    photo = main.locator(".listing-photos img")
    await expect(photo).to_have_count(1)
    await expect(photo).to_have_attribute("alt", SHOWN_DE)
    await photo.scroll_into_view_if_needed()
    await expect(photo).to_have_js_property("naturalWidth", 1200)  # upright, at most 1600 px high
    await expect(main).to_contain_text(
        de(
            "May be sold and delivered to %(place)s: the producer holds the credentials required there.",
            place=place_name("DE-SN", "de"),
        )
    )
    await katrin.check("the listing, with its photo", phone=True)
