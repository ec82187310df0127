"""The buyer's pooled purchase and after-sale journeys in a real browser, each with JavaScript on a
desktop and without it on a 360 px phone: a Czech-speaking buyer finds a demand pool of the hub,
commits a quantity at a delivery point, sees the running total, changes the commitment before the
window closes, and after the award sees what it received and the order that came of it; a German
town hall disputes a delivered order of a Polish producer, who reads and answers it, orders an
earlier order's goods again and reads an invoice. axe audits every page on the way, the main pages
must fit a phone, and the JavaScript runs write the README's screenshots (docs/screenshots).

Pools, tenders, bids, awards and the orders' earlier moves are made through the API (their own pages
are tested elsewhere). Every text the tests read is looked up in the pages' catalog in the reader's
language (`Words`), so the journeys hold before and after the catalogs are translated.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import httpx
from playwright.async_api import expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from tests.browser.conftest import OffHostRequests, OpenPage
from tests.browser.journeys import NEW_ORDER, PRODUCER, TRACKING, UUID, Market, Person, build_market, person
from tests.factories.identity import register
from tests.factories.order import ADDRESS, place
from tests.factories.organization import admitted_organization
from tests.factories.procurement import (
    Procurement,
    bid,
    bid_body,
    build_procurement,
    commit,
    pass_deadline,
    pool_body,
    published_tender,
)

# --- a demand pool, read in Czech ------------------------------------------------------------------

POOL_TITLE = "Med pro školní jídelny"
CANTEEN = "Stołówka Szkolna nr 2 w Zgorzelcu"
ZGORZELEC = "Zgorzelec, Ratusz"
QUALITY = "Ernte dieses Jahres, in Gläsern"


async def test_a_czech_speaking_buyer_commits_to_a_demand_pool_changes_it_and_sees_what_the_award_gave_it(
    open_page: OpenPage,
    java_script: bool,
    live_server: str,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    off_host_requests: OffHostRequests,
) -> None:
    async with httpx.AsyncClient(base_url=live_server) as http:
        client: Any = http  # the factories take any client of the API
        p = await build_procurement(client, sessions, settings)
        tereza = await register(client, full_name="Tereza Dvořáková", preferred_language="cs")
        canteen = await admitted_organization(
            client, p.hub, tereza, p.coordinator, legal_name=CANTEEN, kind="buyer", languages=["pl", "cs"]
        )
        pool = await open_czech_pool(client, p)
        # Another buyer of the hub committed first: its quantity counts, its name is never shown.
        await commit(client, p.hotel_buyer, pool, p.hotel_org, 1, "25")

    buyer = await person(open_page, live_server, "cs-CZ", java_script=java_script)
    await buyer.sign_in(tereza.email)
    await expect(buyer.page.locator("html")).to_have_attribute("lang", "cs")  # her profile's language
    await find_the_pool(buyer, p)
    await commit_at_zgorzelec_and_change_it(buyer)

    async with httpx.AsyncClient(base_url=live_server) as http:
        await close_tender_and_award(http, p, pool, sessions, settings)
    await see_what_the_award_gave(buyer, p, canteen)
    assert off_host_requests == []


async def open_czech_pool(client: Any, p: Procurement) -> dict[str, Any]:
    """The factory's honey pool, with a Czech title beside the German and Polish ones; no minimum."""
    body = pool_body(p.hub, minimum_total_quantity=None)
    body["item"]["translations"]["cs"] = {"title": POOL_TITLE, "description": "Květový med ve sklenicích po 1 kg"}
    body["item"]["quality_notes"] = QUALITY  # written once, in the pool's own language (German)
    opened = await client.post("/api/v1/pools", json=body, headers=p.coordinator.headers)
    assert opened.status_code == 201, opened.text
    result: dict[str, Any] = opened.json()
    return result


async def find_the_pool(buyer: Person, p: Procurement) -> None:
    """From the header: the hub's open pools, this one with its Czech title, the unit and the reserve
    price in her words; she opens it."""
    cs, page, main = buyer.words, buyer.page, buyer.main
    await page.locator("header").get_by_role("link", name=cs("Demand pools")).click()
    await expect(buyer.heading()).to_have_text(cs("Demand pools"))
    card = main.locator("ul.cards > li").filter(has=page.get_by_role("heading", name=POOL_TITLE))
    await expect(card).to_have_count(1)
    await expect(card.get_by_role("heading").locator("span")).to_have_attribute("lang", "cs")
    await expect(card).to_contain_text(p.hub["name"])
    await expect(card).to_contain_text(cs.f.unit("KGM"))
    await expect(card).to_contain_text(
        cs("%(price)s per %(unit)s", price=cs.f.amount(Decimal("12.00"), "EUR"), unit=cs.f.unit("KGM"))
    )
    await expect(card).to_contain_text(ZGORZELEC)
    await expect(card).not_to_contain_text("KGM")
    await buyer.check("demand pools", phone=True)

    await card.get_by_role("heading").get_by_role("link").click()
    await expect(page).to_have_url(re.compile(rf"/pools/{UUID}$"))
    await expect(buyer.heading()).to_have_text(POOL_TITLE)
    # The title is read in Czech, the quality notes as written: each says its language.
    quality = main.locator("p").filter(has_text=cs("Quality:")).locator("span")
    await expect(quality).to_have_text(QUALITY)
    await expect(quality).to_have_attribute("lang", "de")
    await buyer.check("a demand pool, nothing committed yet", phone=True)


def totals_row(buyer: Person, point: str) -> Any:
    """The running totals' row of a delivery point."""
    return buyer.main.locator("table tbody tr").filter(has=buyer.page.get_by_role("rowheader", name=point))


async def commit_at_zgorzelec_and_change_it(buyer: Person) -> None:
    """40 kg at the town hall of Zgorzelec, where the hotel already committed 25 kg: the running
    total says 65 kg; she changes hers to 55 kg before the window closes, and the total follows."""
    cs, page, main = buyer.words, buyer.page, buyer.main
    needed_by = (clock.today() + dt.timedelta(days=30)).isoformat()
    await expect(main).to_contain_text(cs("For %(organization)s", organization=CANTEEN))
    await page.locator("#f-delivery_point_id").select_option(label=ZGORZELEC)
    await page.locator("#f-quantity").fill("40")
    await page.locator("#f-needed_by").fill(needed_by)
    await buyer.check("a demand pool, the commitment filled in", phone=True)
    await main.get_by_role("button", name=cs("Commit"), exact=True).click()

    await expect(page).to_have_url(re.compile(rf"/pools/{UUID}\?notice=committed$"))
    await expect(buyer.notice()).to_have_text(
        cs("Your commitment is recorded. You can change it until the window closes.")
    )
    zgorzelec = totals_row(buyer, ZGORZELEC).first  # the running totals come first
    await expect(zgorzelec.locator("td").nth(1)).to_have_text(cs.f.quantity(65, "KGM"))  # 25 + 40
    await expect(zgorzelec.locator("td").nth(2)).to_have_text(cs.f.quantity(40, "KGM"))  # hers
    await expect(main.locator("tfoot td").first).to_have_text(cs.f.quantity(65, "KGM"))
    await expect(main).not_to_contain_text("Hotel Zgorzelec")
    await buyer.check("a demand pool, committed", phone=True)

    change = f"{cs('Change')} {cs('the commitment at %(point)s', point=ZGORZELEC)}"
    await main.get_by_role("link", name=change).click()
    await expect(buyer.heading()).to_have_text(cs("Change the commitment"))
    await expect(page.locator("#f-quantity")).to_have_value("40")
    await buyer.check("change the commitment", phone=True)
    await page.locator("#f-quantity").fill("55")
    await main.get_by_role("button", name=cs("Save the change")).click()

    await expect(page).to_have_url(re.compile(rf"/pools/{UUID}\?notice=commitment-changed$"))
    await expect(buyer.notice()).to_have_text(cs("Your commitment is changed."))
    await expect(zgorzelec.locator("td").nth(1)).to_have_text(cs.f.quantity(80, "KGM"))  # 25 + 55
    await expect(zgorzelec.locator("td").nth(2)).to_have_text(cs.f.quantity(55, "KGM"))
    await expect(main.locator("tfoot td").first).to_have_text(cs.f.quantity(80, "KGM"))
    await expect(main).to_contain_text(cs("may be changed until the window closes"))
    await buyer.check("a demand pool, the commitment changed", phone=True, picture="pool")


async def close_tender_and_award(
    http: httpx.AsyncClient,
    p: Procurement,
    pool: dict[str, Any],
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    """The coordinator closes the window and tenders the pool; the honey producer bids 11.00 EUR per
    kg; after the deadline the coordinator evaluates and confirms the award, which places the orders."""
    client: Any = http
    m = p.market
    closed = await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)
    assert closed.json()["status"] == "closed", closed.text
    tender = await published_tender(client, p, closed.json(), deadline_in=2)
    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["11.00"]))
    await pass_deadline(tender, sessions, settings)
    base = f"/api/v1/tenders/{tender['id']}"
    evaluated = await client.post(f"{base}/evaluation", headers=p.coordinator.headers)
    assert evaluated.status_code == 200, evaluated.text
    confirmed = await client.post(f"{base}/award/confirm", headers=p.coordinator.headers)
    assert confirmed.status_code == 200, confirmed.text


async def see_what_the_award_gave(buyer: Person, p: Procurement, canteen: dict[str, Any]) -> None:
    """Back on the pool's page: binding now, 55 kg received from the honey producer at 11.00 EUR, and
    the order that came of it, which she opens."""
    cs, page, main = buyer.words, buyer.page, buyer.main
    supplier = p.market.producer_a["legal_name"]
    await page.reload()
    await expect(main.get_by_role("heading", name=cs("What you received"))).to_be_visible()
    await expect(main.get_by_role("button", name=cs("Commit"), exact=True)).to_have_count(0)
    await expect(main).to_contain_text(cs("binding"))
    received = main.locator("table").first.locator("tbody tr")
    await expect(received).to_have_count(1)
    await expect(received.locator("th")).to_have_text(ZGORZELEC)
    await expect(received.locator("td").nth(0)).to_have_text(cs.f.quantity(55, "KGM"))  # committed
    await expect(received.locator("td").nth(1)).to_have_text(cs.f.quantity(55, "KGM"))  # received
    await expect(received.locator("td").nth(2)).to_have_text(supplier)
    await expect(received.locator("td").nth(3)).to_have_text(cs.f.money(1100, "EUR"))
    await buyer.check("a demand pool, awarded", phone=True)

    await received.get_by_role("link", name=cs("Order from %(supplier)s", supplier=supplier)).click()
    await expect(page).to_have_url(re.compile(rf"/orders/{UUID}$"))
    await expect(buyer.heading()).to_have_text(
        cs("Order from %(buyer)s to %(producer)s", buyer=canteen["legal_name"], producer=supplier)
    )
    await expect(main.locator("dl.facts").first).to_contain_text(cs("From the tender"))
    await buyer.check("the order of the award", phone=True)

    await page.locator("header").get_by_role("link", name=cs("Orders")).click()
    placed = main.locator("section[aria-labelledby=placed-heading] tbody tr")
    await expect(placed).to_have_count(1)
    await expect(placed.get_by_role("link")).to_have_text(cs("Order to %(producer)s", producer=supplier))
    await buyer.check("orders, the award's among them")


# --- a dispute, ordering again, an invoice ---------------------------------------------------------

DAMAGED = "Drei Gläser kamen zerbrochen an, der Karton war nass."
PHOTO = "https://fotos.example.org/lieferung-17.jpg"
ANSWER = "Wysłaliśmy słoiki w całości; kurier potwierdził odbiór bez uwag."


async def test_a_german_town_hall_disputes_a_delivery_the_polish_producer_answers_and_the_town_hall_orders_again(
    open_page: OpenPage,
    java_script: bool,
    live_server: str,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    off_host_requests: OffHostRequests,
) -> None:
    async with httpx.AsyncClient(base_url=live_server) as http:
        market = await build_market(http, sessions, settings)
        # An earlier order of cheese, still new; then honey, accepted, shipped and received.
        cheese_order = await place_order(http, market, market.cheese, "3")
        honey_order = await place_order(http, market, market.honey, "10")
        for account, action, body in (
            (market.beekeeper, "accept", None),
            (market.beekeeper, "ship", {"note": TRACKING}),
            (market.buyer, "deliver", None),
        ):
            moved = await http.post(f"/api/v1/orders/{honey_order['id']}/{action}", json=body, headers=account.headers)
            assert moved.status_code == 200, moved.text

    katrin = await person(open_page, live_server, "de-DE", java_script=java_script)
    await katrin.sign_in(market.buyer.email)
    dispute_path = await open_a_dispute(katrin, market, honey_order)

    ewa = await person(open_page, live_server, "pl-PL", java_script=java_script)
    await ewa.sign_in(market.beekeeper.email)
    await answer_the_dispute(ewa, market, dispute_path)

    await katrin.visit(dispute_path)  # as she comes back to it from the message telling her
    await expect(katrin.main.locator("ol.thread > li")).to_have_count(2)
    await expect(katrin.main.locator("ol.thread > li").nth(1)).to_contain_text(ANSWER)
    await expect(katrin.main).to_contain_text(
        katrin.words("Answered by the producer: waiting for the decision of the hub's coordinators.")
    )
    await katrin.check("a dispute, answered, the buyer's side", phone=True, picture="dispute")

    await order_the_cheese_again(katrin, market, cheese_order)
    await read_the_invoice(katrin, honey_order)
    assert off_host_requests == []


async def place_order(
    http: httpx.AsyncClient, market: Market, listing: dict[str, Any], quantity: str
) -> dict[str, Any]:
    """The town hall's order of `quantity` of `listing`, by invoice, to its address in Görlitz."""
    mine = await http.get("/api/v1/organizations", headers=market.buyer.headers)
    assert mine.status_code == 200, mine.text
    [town_hall] = mine.json()["items"]
    body = {
        "buyer_organization_id": town_hall["id"],
        "lines": [{"listing_id": listing["id"], "quantity": quantity}],
        "delivery": {"jurisdiction": "DE-SN", "address": ADDRESS},
        "payment_method": "invoice",
    }
    client: Any = http
    [order] = (await place(client, market.buyer, body))["orders"]
    result: dict[str, Any] = order
    return result


async def open_a_dispute(katrin: Person, market: Market, order: dict[str, Any]) -> str:
    """From her orders: the delivered honey; she opens a dispute (damaged, with a photo's link) and
    lands on it, waiting for the producer. The dispute's path."""
    de, page, main = katrin.words, katrin.page, katrin.main
    await page.locator("header").get_by_role("link", name=de("Orders")).click()
    placed = main.locator("section[aria-labelledby=placed-heading] tbody tr")
    await expect(placed).to_have_count(2)
    await expect(placed.filter(has_text=PRODUCER).locator("td").nth(1)).to_have_text(de("Delivered"))
    await placed.get_by_role("link", name=de("Order to %(producer)s", producer=PRODUCER)).click()
    await expect(page).to_have_url(f"{katrin.live_server}/orders/{order['id']}")
    await expect(katrin.order_state()).to_have_text(de("Delivered"))
    await katrin.check("order delivered, the buyer's side")

    await main.get_by_role("link", name=de("Something is wrong with the delivery? Open a dispute")).click()
    await expect(katrin.heading()).to_have_text(de("Dispute the order"))
    await expect(main.locator("dl.facts")).to_contain_text(PRODUCER)
    await page.locator("#f-reason").select_option(label=de("The goods arrived damaged"))
    await page.locator("#f-message").fill(DAMAGED)
    await page.locator("#f-evidence_urls").fill(PHOTO)
    await katrin.check("dispute the order, filled in", phone=True)
    await main.get_by_role("button", name=de("Open the dispute")).click()

    await expect(page).to_have_url(re.compile(rf"/disputes/{UUID}\?notice=dispute-opened$"))
    await expect(katrin.heading()).to_have_text(de("Dispute about an order"))
    await expect(katrin.notice()).to_have_text(
        de("Your dispute is opened. The producer and the hub's coordinators are told.")
    )
    await expect(main).to_contain_text(de("Open: waiting for the producer's answer."))
    await expect(main.locator("ol.thread > li")).to_have_count(1)
    await expect(main.locator("ol.thread > li")).to_contain_text(DAMAGED)
    await expect(main.locator("ol.thread > li")).to_contain_text(market.buyer_name)
    await katrin.check("a dispute, opened", phone=True)
    return page.url.split(katrin.live_server, 1)[1].split("?", 1)[0]


async def answer_the_dispute(ewa: Person, market: Market, dispute_path: str) -> None:
    """The honey producer, in Polish: the order says it is disputed and leads to the dispute; she
    reads the town hall's message and its photo's link, and answers."""
    pl, page, main = ewa.words, ewa.page, ewa.main
    await page.locator("header").get_by_role("link", name=pl("Orders")).click()
    received = main.locator("section[aria-labelledby=received-heading] tbody tr")
    await received.get_by_role("link", name=pl("Order from %(buyer)s", buyer=market.buyer_name)).click()
    await expect(ewa.order_state()).to_have_text(pl("Disputed: a coordinator of the hub decides"))
    await ewa.check("order disputed, the producer's side")
    await main.get_by_role("link", name=pl("See the dispute")).click()

    await expect(page).to_have_url(f"{ewa.live_server}{dispute_path}")
    await expect(ewa.heading()).to_have_text(pl("Dispute about an order"))
    first = main.locator("ol.thread > li").first
    await expect(first).to_contain_text(DAMAGED)
    await expect(first.get_by_role("link", name=PHOTO)).to_have_attribute("href", PHOTO)
    await expect(main.locator("dl.facts")).to_contain_text(market.buyer_name)
    await ewa.check("a dispute, the producer's side", phone=True)
    await page.locator("#f-message").fill(ANSWER)
    await main.get_by_role("button", name=pl("Send the message")).click()

    await expect(page).to_have_url(f"{ewa.live_server}{dispute_path}?notice=dispute-message-sent")
    await expect(ewa.notice()).to_have_text(pl("Your message is added to the dispute. The others are told."))
    await expect(main).to_contain_text(
        pl("Answered by the producer: waiting for the decision of the hub's coordinators.")
    )
    await expect(main.locator("ol.thread > li").nth(1)).to_contain_text(ANSWER)
    await ewa.check("a dispute, answered, the producer's side", phone=True)


async def order_the_cheese_again(katrin: Person, market: Market, order: dict[str, Any]) -> None:
    """The earlier cheese order: its goods go back in the cart, 3 kg of them."""
    de, page, main = katrin.words, katrin.page, katrin.main
    await katrin.visit(f"/orders/{order['id']}")
    await expect(katrin.order_state()).to_have_text(de(NEW_ORDER))
    await main.get_by_role("button", name=de("Put these goods in my cart again")).click()

    await expect(page).to_have_url(f"{katrin.live_server}/cart?notice=order-repeated")
    await expect(katrin.notice()).to_have_text(de("The goods of that order are in your cart again."))
    groups = main.locator("section.cart-group")
    await expect(groups).to_have_count(1)
    await expect(groups.get_by_role("heading", level=2)).to_have_text(market.cheese_producer)
    await expect(groups.locator(f"[id='q-{market.cheese['id']}']")).to_have_value("3")
    await katrin.check("cart, the order again", phone=True)


async def read_the_invoice(katrin: Person, order: dict[str, Any]) -> None:
    """The honey order's invoice, from the order's page: not paid yet, and when it is due."""
    de, page, main = katrin.words, katrin.page, katrin.main
    invoice = order["invoice"]
    due_on = de.f.date(dt.date.fromisoformat(invoice["due_on"]))
    await katrin.visit(f"/orders/{order['id']}")
    payment = main.locator("dl.facts").nth(1)
    await expect(payment).to_contain_text(de("Not paid yet"))
    await expect(payment).to_contain_text(due_on)
    await main.get_by_role("link", name=invoice["number"]).click()

    await expect(page).to_have_url(f"{katrin.live_server}/invoices/{invoice['id']}")
    await expect(katrin.heading()).to_have_text(de("Invoice %(number)s", number=invoice["number"]))
    facts = main.locator("dl.facts")
    await expect(facts.locator("dd strong")).to_have_text(de("Not paid yet"))
    await expect(facts).to_contain_text(PRODUCER)
    await expect(facts).to_contain_text(due_on)
    await expect(facts).to_contain_text(de.f.money(48000, "PLN"))  # 10 kg at 48.00 PLN
    await expect(main.get_by_role("button", name=de("Mark the invoice as paid"))).to_have_count(0)
    await katrin.check("invoice, the buyer's side", phone=True)
