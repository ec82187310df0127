"""A hub coordinator runs the hub and a pooled tender in a real browser, with JavaScript on a desktop
and without it on a 360 px phone: she admits a herb business from her work queue, verifies its
women-led declaration with the evidence she saw and its organic certificate; opens a demand pool;
a German town hall and a Polish hotel commit to it on their pages; she closes it, makes a tender of
its two lots and publishes it; three producers make sealed bids on their pages, one changes his (none
sees another's price, nor does she); the deadline passes; she reads the proposal, overrides one line with a
justification and confirms; the buyers see what they receive and their orders; the public portal
shows the result and links to the tender's OCDS record, which is schema-valid. axe audits every
page on the way; the main pages must fit a phone; the JavaScript run writes the README's
screenshots of the coordinator's pages (docs/screenshots).

The people, hub and first organisations are made through the API; the deadline passes by moving
the service's clock two days on (the service runs in this process) and running the minutely job
that opens the bids. Every text the tests read is looked up in the reader's catalog (`Words`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
from playwright.async_api import expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from kernel.db import transaction
from procurement.bid.service import BidService
from tests.browser.conftest import OffHostRequests, OpenPage
from tests.browser.journeys import UUID, Market, Person, build_market, person
from tests.factories.compliance import submit_credential
from tests.factories.identity import Account, register
from tests.factories.organization import admitted_organization, create_organization
from tests.ocds import OcdsSchemas

HERBS = "Ziołowy Zakątek s.c."
HOTEL = "Hotel Nad Nysą"
POOL_DE = "Kräutertee für Schulküchen"
POOL_PL = "Herbata ziołowa dla stołówek"
GOERLITZ = "Görlitz, Schulküche"
ZGORZELEC = "Zgorzelec, Hotel"
EVIDENCE = "Umowa spółki: obie wspólniczki to kobiety (KRS, odpis z 2026-11-02)"
JUSTIFICATION = "Serowarnia keeps a second supplier for the hotel's lot, as the school kitchens asked."


async def test_a_coordinator_runs_a_pooled_tender_from_admission_to_a_confirmed_award(
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
        hotelier = await register(client, full_name="Tomasz Zieliński", preferred_language="pl")
        await admitted_organization(
            client, market.hub, hotelier, market.coordinator, legal_name=HOTEL, kind="buyer", languages=["pl"]
        )
        marta, herbs = await herb_business_applies(client, market)

    jana = await person(open_page, live_server, "cs-CZ", java_script=java_script)
    await jana.sign_in(market.coordinator.email)
    await admit_the_herb_business_from_the_work_queue(jana, herbs)
    await add_the_hubs_word_for_honey(jana)
    pool_path = await open_a_pool(jana)

    katrin = await person(open_page, live_server, "de-DE", java_script=java_script)
    await katrin.sign_in(market.buyer.email)
    await commit_on_the_pool_page(katrin, pool_path, GOERLITZ, "120")
    tomasz = await person(open_page, live_server, "pl-PL", java_script=java_script)
    await tomasz.sign_in(hotelier.email)
    await commit_on_the_pool_page(tomasz, pool_path, ZGORZELEC, "60")

    tender_path = await close_the_pool_and_publish_a_tender(jana, pool_path)
    tender_id = tender_path.rsplit("/", 1)[1]

    ewa = await person(open_page, live_server, "pl-PL", java_script=java_script)
    await ewa.sign_in(market.beekeeper.email)
    await bid_on_both_lots(ewa, tender_id, "9.40")
    piotr = await person(open_page, live_server, "pl-PL", java_script=java_script)
    await piotr.sign_in(market.cheesemaker.email)
    await bid_on_both_lots(piotr, tender_id, "9.90")
    await change_the_bid_on_lot_two(piotr, "9.85")
    await nobody_else_sees_a_sealed_price(piotr, jana, tender_id, tender_path, "9,40", "9.40")
    marta_at_her_browser = await person(open_page, live_server, "pl-PL", java_script=java_script)
    await marta_at_her_browser.sign_in(marta.email)
    await bid_on_both_lots(marta_at_her_browser, tender_id, "9.60")

    with clock.travel(dt.timedelta(days=2)):  # past the deadline
        async with transaction(sessions) as session:
            assert await BidService(session, settings.procurement.sealing_secret).close_due() >= 1
        await review_override_and_confirm(jana, tender_path, market)
        await the_buyers_see_what_they_receive(katrin, pool_path, market)
        public = await person(open_page, live_server, "en-GB", java_script=java_script)
        await the_public_portal_shows_the_result(public, market, tender_id)
    assert off_host_requests == []


async def herb_business_applies(client: Any, market: Market) -> tuple[Account, dict[str, Any]]:
    """A women-led herb business of Zgorzelec applies to the hub, declaring it is women-led, and
    records its organic certificate: the three wait in the coordinator's work queue."""
    marta = await register(client, full_name="Marta Wójcik", preferred_language="pl")
    herbs = await create_organization(client, marta, legal_name=HERBS, inclusion={"women_led": True})
    applied = await client.post(
        f"/api/v1/hubs/{market.hub['id']}/memberships", json={"organization_id": herbs["id"]}, headers=marta.headers
    )
    assert applied.status_code == 201, applied.text
    await submit_credential(client, marta, herbs)
    return marta, herbs


async def admit_the_herb_business_from_the_work_queue(jana: Person, herbs: dict[str, Any]) -> None:
    """From the header to her hub's work queue: the application, the declaration and the certificate
    each lead to the organisation's page, where she decides all three."""
    cs, page, main = jana.words, jana.page, jana.main
    await page.locator("header").get_by_role("link", name=cs("My hubs")).click()
    await expect(jana.heading()).to_have_text(cs("Work queue"))
    await jana.check("work queue", phone=True, picture="hub-work-queue")
    await expect(main.get_by_role("link", name=HERBS).first).to_be_visible()
    await main.get_by_role("link", name=HERBS).first.click()
    await expect(jana.heading()).to_have_text(HERBS)
    await jana.check("an applicant", phone=True, picture="hub-organisation")

    await main.get_by_role("button", name=cs("Admit the organisation")).click()
    await expect(page.locator(".notice[role=status]")).to_be_visible()
    women_led = cs("Women-led")
    await main.get_by_label(cs("The evidence you saw")).fill(EVIDENCE)
    await main.get_by_role("button", name=cs("Verify the declaration: %(attribute)s", attribute=women_led)).click()
    await expect(page.locator(".notice[role=status]")).to_be_visible()
    await expect(main).to_contain_text(EVIDENCE)
    organic = cs("Organic certificate")
    await main.get_by_role("button", name=cs("Verify: %(credential)s", credential=organic)).click()
    await expect(page.locator(".notice[role=status]")).to_be_visible()
    await jana.check("the admitted organisation")

    await page.get_by_role("navigation", name=cs("The hub")).get_by_role("link", name=cs("Work queue")).click()
    await expect(jana.heading()).to_have_text(cs("Work queue"))
    await expect(main.get_by_role("link", name=HERBS)).to_have_count(0)  # all three decided


async def add_the_hubs_word_for_honey(jana: Person) -> None:
    """The hub's words for goods: she looks up which goods `miód` names and adds a German word of the
    region for honey; the page says it finds the goods from the next search on."""
    cs, page, main = jana.words, jana.page, jana.main
    await page.get_by_role("navigation", name=cs("The hub")).get_by_role("link", name=cs("Words for goods")).click()
    await expect(jana.heading()).to_have_text(cs("Words for goods"))
    await page.locator("#f-term").fill("miód")
    await main.get_by_role("button", name=cs("Look it up")).click()
    await expect(main.get_by_role("heading", name=cs("Goods named “%(word)s”", word="miód"))).to_be_visible()
    await jana.check("the goods a word names", phone=True)
    await page.locator("#f-language-honey").select_option("de")
    await page.locator("#f-terms-honey").fill("Bienengold")
    await main.locator("form[action$='/concepts/honey/terms'] button[type=submit]").click()
    await expect(jana.notice()).to_have_text(cs("The words are added: from the next search on, they find these goods."))
    await expect(main.locator("strong[lang=de]", has_text="Bienengold").first).to_be_visible()
    await jana.check("the hub's words for goods", phone=True, picture="hub-vocabulary")


async def open_a_pool(jana: Person) -> str:
    """The pool form: titles in German and Polish, herbal tea by name, kilograms, two delivery points
    by region name, a window of three days and a minimum. Returns the pool page's path."""
    cs, page, main = jana.words, jana.page, jana.main
    await page.get_by_role("navigation", name=cs("The hub")).get_by_role("link", name=cs("Demand pools")).click()
    await main.get_by_role("link", name=cs("Open a new pool")).click()
    await expect(jana.heading()).to_have_text(cs("Open a demand pool"))
    await page.locator("#f-title-de").fill(POOL_DE)
    await page.locator("#f-title-pl").fill(POOL_PL)
    await page.locator("#f-code").fill("CPV 15865000-9")  # as picking the herbal teas from the suggestions does
    await page.locator("#f-unit").select_option("KGM")
    await page.locator("#f-point-0-name").fill(GOERLITZ)
    await page.locator("#f-point-0-jurisdiction").select_option("DE-SN")
    await page.locator("#f-point-1-name").fill(ZGORZELEC)
    await page.locator("#f-point-1-jurisdiction").select_option("PL-02")
    closes = clock.today() + dt.timedelta(days=3)
    await page.locator("#f-closes_date").fill(closes.isoformat())
    await page.locator("#f-closes_time").fill("12:00")
    await page.locator("#f-currency").select_option("EUR")
    await page.locator("#f-minimum_total_quantity").fill("100")
    await jana.check("the pool form", phone=True, picture="hub-pool-form")
    await main.get_by_role("button", name=cs("Open the pool")).click()
    await expect(page).to_have_url(re.compile(rf"/hubs/{UUID}/pools/{UUID}(\?|$)"))
    return page.url.split("?")[0].removeprefix(jana.live_server)


async def commit_on_the_pool_page(buyer: Person, pool_path: str, point: str, quantity: str) -> None:
    """A buyer commits on the pool's page (the buyers' pages of the pool)."""
    words, page, main = buyer.words, buyer.page, buyer.main
    pool_id = pool_path.rsplit("/", 1)[1]
    await buyer.visit(f"/pools/{pool_id}")
    await page.locator("#f-delivery_point_id").select_option(label=point)
    await page.locator("#f-quantity").fill(quantity)
    await page.locator("#f-needed_by").fill((clock.today() + dt.timedelta(days=30)).isoformat())
    await main.get_by_role("button", name=words("Commit"), exact=True).click()
    await expect(page.locator(".notice[role=status]")).to_be_visible()


async def close_the_pool_and_publish_a_tender(jana: Person, pool_path: str) -> str:
    """She watches the commitments come in, closes the window early, makes a tender of the pool's two
    lots with a 10 % preference for inclusive suppliers, and publishes it. Returns its page's path."""
    cs, page, main = jana.words, jana.page, jana.main
    await jana.visit(pool_path)
    await expect(main).to_contain_text(HOTEL)  # who committed, by name, for the coordinator
    await jana.check("the pool's commitments", phone=True, picture="hub-pool")
    await main.get_by_role("button", name=cs("Close the window now")).click()
    await main.get_by_role("link", name=cs("Create a tender from this pool")).click()
    deadline = clock.today() + dt.timedelta(days=1)
    await page.locator("#f-bid_deadline_date").fill(deadline.isoformat())
    await page.locator("#f-bid_deadline_time").fill("12:00")
    await main.locator("input[name=award_method][value=lowest_evaluated_price]").check()
    await page.locator("#f-preference_margin_percent").fill("10")
    await jana.check("the tender form", phone=True, picture="hub-tender-form")
    await main.get_by_role("button", name=cs("Save the tender as a draft")).click()
    await expect(page).to_have_url(re.compile(rf"/hubs/{UUID}/tenders/{UUID}(\?|$)"))
    await main.get_by_role("button", name=cs("Publish the tender")).click()
    await expect(page.locator(".notice[role=status]")).to_be_visible()
    await jana.check("the published tender", phone=True, picture="hub-tender")
    return page.url.split("?")[0].removeprefix(jana.live_server)


async def bid_on_both_lots(producer: Person, tender_id: str, price: str) -> None:
    """From the producer's tenders: the tender, a sealed bid on both lots at `price` per kg."""
    words, page, main = producer.words, producer.page, producer.main
    await producer.visit("/tenders")
    await main.get_by_role("link", name=POOL_PL).first.click()
    await expect(page).to_have_url(re.compile(rf"/tenders/{tender_id}"))
    shown = price.replace(".", ",")  # as a Polish reader writes it
    for lot in (1, 2):
        await page.locator(f"#f-price-{lot}").fill(shown)
        await page.locator(f"#f-quantity-{lot}").fill("100")
        await page.locator(f"#f-lead_time-{lot}").fill("5")
    await producer.check("a sealed bid", phone=True, picture="bid-form")
    await main.get_by_role("button", name=words("Submit the sealed bid")).click()
    await expect(page.locator(".notice[role=status]")).to_be_visible()
    await expect(main.get_by_role("button", name=words("Replace the bid"))).to_be_visible()
    await expect(page.locator("#f-price-1")).to_have_value(shown)  # her own bid, and only hers, read back


async def change_the_bid_on_lot_two(producer: Person, price: str) -> None:
    """Before the deadline a bid is changed on the same page: the new price replaces the old."""
    words, page, main = producer.words, producer.page, producer.main
    shown = price.replace(".", ",")
    await page.locator("#f-price-2").fill(shown)
    await main.get_by_role("button", name=words("Replace the bid")).click()
    await expect(page.locator(".notice[role=status]")).to_be_visible()
    await expect(page.locator("#f-price-2")).to_have_value(shown)


async def nobody_else_sees_a_sealed_price(
    rival: Person, jana: Person, tender_id: str, tender_path: str, *prices: str
) -> None:
    """Before the deadline Ewa's price is on no page a rival producer or the coordinator opens (the
    coordinator's tender page names every producer of the hub, bidder or not, under who may bid)."""
    for reader, path in ((rival, f"/tenders/{tender_id}"), (jana, tender_path), (jana, f"{tender_path}/award")):
        await reader.visit(path)
        html = await reader.page.content()
        for price in prices:
            assert price not in html, f"{path} shows a sealed price before the deadline"


async def review_override_and_confirm(jana: Person, tender_path: str, market: Market) -> None:
    """After the deadline: the offers with their scores, the proposal; she gives the cheese dairy
    10 kg of the hotel's lot, says why, and the award is confirmed as she entered it."""
    cs, main = jana.words, jana.main
    await jana.visit(f"{tender_path}/award")
    await expect(jana.heading()).to_have_text(cs("Evaluation and award"))
    evaluate = main.get_by_role("button", name=cs("Evaluate now"))
    if await evaluate.count():
        await evaluate.click()
    await expect(main.get_by_role("heading", name=cs("Decide"))).to_be_visible()
    await jana.check("the proposed award", phone=True, picture="hub-award")
    lot_two = main.get_by_label(
        cs("Lot %(lot)s, %(supplier)s: quantity to award", lot="2", supplier=market.cheese_producer)
    )
    await lot_two.fill("10")
    herbs_on_lot_two = main.get_by_label(cs("Lot %(lot)s, %(supplier)s: quantity to award", lot="2", supplier=HERBS))
    await herbs_on_lot_two.fill("50")
    await main.get_by_label(cs("Why you award differently")).fill("too short")
    await main.get_by_role("button", name=cs("Award as entered")).click()
    await expect(main.locator("#f-justification-error")).to_be_visible()  # at least 20 characters
    await jana.check("the override refused")
    await main.get_by_label(cs("Why you award differently")).fill(JUSTIFICATION)
    await main.get_by_role("button", name=cs("Award as entered")).click()
    await expect(main.get_by_role("heading", name=cs("What each buyer receives"))).to_be_visible()
    await expect(main).to_contain_text(market.buyer_name)
    await expect(main).to_contain_text(HOTEL)
    await jana.check("the confirmed award", phone=True, picture="hub-award-confirmed")


async def the_buyers_see_what_they_receive(katrin: Person, pool_path: str, market: Market) -> None:
    de, main = katrin.words, katrin.main
    pool_id = pool_path.rsplit("/", 1)[1]
    await katrin.visit(f"/pools/{pool_id}")
    await expect(main.get_by_role("heading", name=de("What you received"))).to_be_visible()
    order = main.get_by_role("link", name=re.compile(re.escape(de("Order from %(supplier)s", supplier=""))))
    await expect(order.first).to_be_visible()
    await katrin.check("what the town hall received")


async def the_public_portal_shows_the_result(public: Person, market: Market, tender_id: str) -> None:
    """Without signing in: the hub's portal, the tender's result, and its OCDS record (schema-valid)."""
    en, page, main = public.words, public.page, public.main
    await public.visit("/portal")
    await main.get_by_role("link", name=market.hub["name"]).click()
    await main.get_by_role("link", name=re.compile(re.escape(POOL_DE) + "|" + re.escape(POOL_PL))).first.click()
    await expect(page).to_have_url(re.compile(rf"/portal/{UUID}/tenders/{tender_id}$"))
    await expect(main.get_by_role("heading", name=en("Result"))).to_be_visible()
    await expect(main).to_contain_text(HERBS)
    await expect(main).to_contain_text(JUSTIFICATION)
    await public.check("the public tender", phone=True, picture="portal-tender")
    record_link = main.get_by_role("link", name=en("The tender's OCDS record (JSON)"))
    href = await record_link.get_attribute("href")
    assert href is not None
    async with httpx.AsyncClient(base_url=public.live_server) as http:
        record = await http.get(href)
    assert record.status_code == 200, record.text
    [compiled] = [r["compiledRelease"] for r in record.json()["records"]]
    assert HERBS in {supplier["name"] for award in compiled["awards"] for supplier in award["suppliers"]}
    schemas = OcdsSchemas()
    schemas.check_record_package(record.json())
