"""What producers do with their listings and the orders they receive, in a real browser, each with
JavaScript on a desktop and without it on a 360 px phone: a Polish beekeeper changes a price and the
German description of her honey and reads both versions in its history, pauses it (a German town
hall no longer finds it, and its page is not found), offers it again and archives another listing;
a Polish cheese maker rejects the town hall's order with a reason the town hall reads, while the
beekeeper accepts, ships and marks the invoice of hers paid, which the town hall sees on its order.
axe audits every page on the way, the main pages must fit a phone, and the JavaScript runs write the
README's screenshots (docs/screenshots).

The market, the listing to archive and the orders are made through the API (their own pages are
tested elsewhere). Every text the tests read is looked up in the pages' catalog in the reader's
language (`Words`), so the journeys hold before and after the catalogs are translated.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from playwright.async_api import Locator, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from tests.browser.conftest import OffHostRequests, OpenPage
from tests.browser.journeys import NEW_ORDER, PRODUCER, TRACKING, Market, Person, RunWorker, build_market, person
from tests.browser.test_pool_and_dispute_journeys import place_order
from tests.factories.catalog import create_listing

# --- the beekeeper's listings ----------------------------------------------------------------------

HONEY = "Miód lipowy"
WAX = "Wosk pszczeli"
NEW_DESCRIPTION = "Honig von den Linden an der Neiße, jetzt auch im Eimer zu 5 kg."


async def test_a_producer_changes_a_price_and_a_description_reads_the_versions_pauses_offers_again_and_archives(
    open_page: OpenPage,
    java_script: bool,
    live_server: str,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    run_worker: RunWorker,
    off_host_requests: OffHostRequests,
) -> None:
    async with httpx.AsyncClient(base_url=live_server) as http:
        market = await build_market(http, sessions, settings)
        client: Any = http  # the factories take any client of the API
        wax = await create_listing(
            client,
            market.beekeeper,
            {"id": market.honey["organization_id"]},
            translations={
                "pl": {"title": WAX, "description": "Wosk z naszych uli, w blokach po kilogramie."},
                "de": {"title": "Bienenwachs", "description": "Wachs aus unseren Bienenstöcken, in Blöcken zu 1 kg."},
            },
            classification={"scheme": "HS", "code": "1521.90"},  # beeswax: no search for honey finds it
        )
    await run_worker()  # the listings reach the search index, as the worker does after each change
    katrin = await person(open_page, live_server, "de-DE", java_script=java_script)
    await katrin.sign_in(market.buyer.email)
    await find_the_honey(katrin, market, "Honig")

    ewa = await person(open_page, live_server, "pl-PL", java_script=java_script)
    await ewa.sign_in(market.beekeeper.email)
    await open_the_listings(ewa)
    await change_a_price_and_the_german_description(ewa, market)
    await read_both_versions(ewa)

    await pause_the_honey(ewa)
    await run_worker()
    await find_the_honey_no_longer(katrin, market)

    await offer_the_honey_again(ewa)
    await run_worker()
    await find_the_honey(katrin, market, "Eimer")  # the new German description is searched too
    await archive_the_wax(ewa, wax)
    assert off_host_requests == []


def listing_row(ewa: Person, title: str) -> Locator:
    """The row of the listing titled `title` (in Polish) in the producer's list."""
    return ewa.main.locator("tbody tr").filter(has=ewa.page.get_by_role("link", name=title, exact=True))


async def find_the_honey(katrin: Person, market: Market, words: str) -> None:
    """The town hall searches with `words` and finds the honey, which it opens."""
    de, main = katrin.words, katrin.main
    await katrin.visit(f"/search?q={words}")
    await expect(main.locator("#results-count")).to_have_text(de.counted("%(num)s result", "%(num)s results", 1))
    result = main.locator("ol.results > li")
    await expect(result.get_by_role("heading")).to_have_text("Lindenhonig")
    await katrin.check(f"search results for {words}", phone=True)
    await result.get_by_role("link", name="Lindenhonig").click()
    await expect(katrin.page).to_have_url(f"{katrin.live_server}/listings/{market.honey['id']}")
    await expect(katrin.heading()).to_have_text("Lindenhonig")
    await katrin.check("the honey's page")


async def open_the_listings(ewa: Person) -> None:
    """From the header: her organisations, hers, its listings: the honey and the wax, both offered."""
    pl, page, main = ewa.words, ewa.page, ewa.main
    await page.locator("header").get_by_role("link", name=pl("My organisations")).click()
    await expect(page).to_have_url(f"{ewa.live_server}/organizations")
    await ewa.check("my organisations")
    await main.get_by_role("link", name=PRODUCER).click()
    await expect(ewa.heading()).to_have_text(PRODUCER)
    await ewa.check("the organisation")
    await main.get_by_role("navigation").get_by_role("link", name=pl("Listings")).click()
    await expect(ewa.heading()).to_have_text(pl("Listings of %(organization)s", organization=PRODUCER))
    await expect(main.locator("tbody tr")).to_have_count(2)
    for title in (HONEY, WAX):
        await expect(listing_row(ewa, title).locator("td").nth(0)).to_have_text(pl("active"))
    await ewa.check("listings", phone=True)


async def change_a_price_and_the_german_description(ewa: Person, market: Market) -> None:
    """The honey's form: 46,50 zł from 1 kg instead of 48,00, and a new German description; the
    list shows the new price."""
    pl, page, main = ewa.words, ewa.page, ewa.main
    await listing_row(ewa, HONEY).get_by_role("link", name=pl("Change")).click()
    await expect(page).to_have_url(f"{ewa.live_server}/listings/{market.honey['id']}/edit")
    await expect(ewa.heading()).to_have_text(pl("Change the listing"))
    await expect(page.locator("#f-description-de")).to_have_value(market.honey["translations"]["de"]["description"])
    await expect(page.locator("#f-description-de")).to_have_attribute("lang", "de")
    await ewa.check("change the listing", phone=True)
    await page.locator("#f-tier-0-unit_price").fill("46,50")
    await page.locator("#f-description-de").fill(NEW_DESCRIPTION)
    await main.get_by_role("button", name=pl("Save the changes")).click()

    organization_id = market.honey["organization_id"]
    await expect(page).to_have_url(f"{ewa.live_server}/organizations/{organization_id}/listings?notice=listing-saved")
    await expect(ewa.notice()).to_have_text(pl("Your changes to the listing are saved."))
    price = pl("%(price)s per %(unit)s", price=pl.f.amount(Decimal("46.50"), "PLN"), unit=pl.f.unit("KGM"))
    await expect(listing_row(ewa, HONEY).locator("td").nth(2)).to_have_text(price)
    await ewa.check("listings, the honey changed")


def price_line(person_: Person, quantity: int, price: str) -> str:
    """A price tier as the history page says it (`from 1 kg: 48,00 zł per kg`)."""
    w = person_.words
    return w(
        "from %(quantity)s: %(price)s per %(unit)s",
        quantity=w.f.quantity(quantity, "KGM"),
        price=w.f.amount(Decimal(price), "PLN"),
        unit=w.f.unit("KGM"),
    )


async def read_both_versions(ewa: Person) -> None:
    """The honey's versions, newest first: the new prices, the new texts, and the first version
    with the price as it was."""
    pl, main = ewa.words, ewa.main
    await listing_row(ewa, HONEY).get_by_role("link", name=pl("Versions")).click()
    await expect(ewa.heading()).to_have_text(pl("Versions of %(title)s", title=HONEY))
    versions = main.locator("tbody tr")
    await expect(versions).to_have_count(3)
    newest, texts, first = versions.nth(0), versions.nth(1), versions.nth(2)
    await expect(newest.locator("th")).to_have_text("3")
    await expect(newest.locator("td").nth(1)).to_have_text(pl("Prices changed"))
    await expect(newest.locator("td").nth(2).locator("li")).to_have_text(
        [price_line(ewa, 1, "46.50"), price_line(ewa, 20, "44.00")]
    )
    await expect(texts.locator("th")).to_have_text("2")
    await expect(texts.locator("td").nth(1)).to_have_text(pl("Texts or details changed"))
    await expect(first.locator("th")).to_have_text("1")
    await expect(first.locator("td").nth(1)).to_have_text(pl("Listed"))
    await expect(first.locator("td").nth(2).locator("li")).to_have_text(
        [price_line(ewa, 1, "48.00"), price_line(ewa, 20, "44.00")]
    )
    await ewa.check("the honey's versions", phone=True, picture="listing-history")
    await main.get_by_role("link", name=pl("Back to the listings")).click()


async def pause_the_honey(ewa: Person) -> None:
    """From the list: the honey paused, offered again by its other button."""
    pl = ewa.words
    honey = listing_row(ewa, HONEY)
    await honey.get_by_role("button", name=pl("Pause")).click()
    await expect(ewa.notice()).to_have_text(pl("The listing is paused: buyers do not see it until you offer it again."))
    await expect(honey.locator("td").nth(0)).to_have_text(pl("paused"))
    await expect(honey.get_by_role("button", name=pl("Offer again"))).to_be_visible()
    await expect(listing_row(ewa, WAX).locator("td").nth(0)).to_have_text(pl("active"))
    await ewa.check("listings, the honey paused", phone=True)


async def find_the_honey_no_longer(katrin: Person, market: Market) -> None:
    """The honey paused: no search finds it, and its page is not found."""
    de, page, main = katrin.words, katrin.page, katrin.main
    await katrin.visit("/search?q=Honig")
    await expect(main.locator("#results-count")).to_have_text(de.counted("%(num)s result", "%(num)s results", 0))
    await expect(main).to_contain_text(de("Nothing matches this search. Try other or fewer words, or remove a filter."))
    await katrin.check("search, the honey paused", phone=True)
    answered = await page.goto(f"{katrin.live_server}/listings/{market.honey['id']}")
    assert answered is not None
    assert answered.status == 404
    await expect(katrin.heading()).to_have_text(de("Not found"))
    await expect(main).to_contain_text(de("This page does not exist, or it is not yours to see."))
    await expect(main).not_to_contain_text("Lindenhonig")
    await katrin.check("the paused honey's page")


async def offer_the_honey_again(ewa: Person) -> None:
    pl = ewa.words
    honey = listing_row(ewa, HONEY)
    await honey.get_by_role("button", name=pl("Offer again")).click()
    await expect(ewa.notice()).to_have_text(pl("The listing is offered to buyers again."))
    await expect(honey.locator("td").nth(0)).to_have_text(pl("active"))
    await expect(honey.get_by_role("button", name=pl("Pause"))).to_be_visible()
    await ewa.check("listings, the honey offered again")


async def archive_the_wax(ewa: Person, wax: dict[str, Any]) -> None:
    """The wax archived: no button is left on its row, and its form says it can no longer change."""
    pl, page, main = ewa.words, ewa.page, ewa.main
    wax_row = listing_row(ewa, WAX)
    await wax_row.get_by_role("button", name=pl("Archive")).click()
    await expect(ewa.notice()).to_have_text(pl("The listing is archived: buyers no longer see it."))
    await expect(wax_row.locator("td").nth(0)).to_have_text(pl("archived"))
    await expect(wax_row.get_by_role("button")).to_have_count(0)
    await expect(listing_row(ewa, HONEY).locator("td").nth(0)).to_have_text(pl("active"))
    await ewa.check("listings, the wax archived", phone=True)

    await wax_row.get_by_role("link", name=WAX, exact=True).click()
    await expect(page).to_have_url(f"{ewa.live_server}/listings/{wax['id']}/edit")
    await expect(main).to_contain_text(
        pl("This listing is archived: buyers no longer see it and it can no longer change. Its versions are kept.")
    )
    await expect(main.get_by_role("button", name=pl("Save the changes"))).to_have_count(0)
    await ewa.check("the archived wax")


# --- orders rejected, shipped and paid -------------------------------------------------------------

REASON = "Der Käse dieser Woche ist ausverkauft; ab Montag liefern wir wieder."


async def test_a_producer_rejects_an_order_with_a_reason_another_ships_and_marks_its_invoice_paid_the_buyer_sees_both(
    open_page: OpenPage,
    java_script: bool,
    live_server: str,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    off_host_requests: OffHostRequests,
) -> None:
    async with httpx.AsyncClient(base_url=live_server) as http:
        market = await build_market(http, sessions, settings)
        cheese_order = await place_order(http, market, market.cheese, "3")
        honey_order = await place_order(http, market, market.honey, "10")

    piotr = await person(open_page, live_server, "pl-PL", java_script=java_script)
    await piotr.sign_in(market.cheesemaker.email)
    await reject_the_cheese_order(piotr, market)

    katrin = await person(open_page, live_server, "de-DE", java_script=java_script)
    await katrin.sign_in(market.buyer.email)
    await read_the_rejection(katrin, market, cheese_order)

    ewa = await person(open_page, live_server, "pl-PL", java_script=java_script)
    await ewa.sign_in(market.beekeeper.email)
    await accept_ship_and_mark_the_invoice_paid(ewa, market, honey_order)
    await see_the_invoice_paid(katrin, honey_order)
    assert off_host_requests == []


def payment_state(person_: Person) -> Locator:
    """The state of an order's invoice on the order's page (the second of the payment's facts)."""
    return person_.main.locator("dl.facts").nth(1).locator("dd").nth(1)


async def reject_the_cheese_order(piotr: Person, market: Market) -> None:
    """The cheese maker, in Polish: the town hall's new order; rejecting it without a reason is
    refused, with one it is rejected."""
    pl, page, main = piotr.words, piotr.page, piotr.main
    await page.locator("header").get_by_role("link", name=pl("Orders")).click()
    received = main.locator("section[aria-labelledby=received-heading] tbody tr")
    await expect(received).to_have_count(1)
    await expect(received.locator("td strong")).to_have_text(pl(NEW_ORDER))
    await piotr.check("orders received, the cheese maker's", phone=True)
    await received.get_by_role("link", name=pl("Order from %(buyer)s", buyer=market.buyer_name)).click()
    await expect(piotr.heading()).to_have_text(
        pl("Order from %(buyer)s to %(producer)s", buyer=market.buyer_name, producer=market.cheese_producer)
    )
    await expect(piotr.order_state()).to_have_text(pl(NEW_ORDER))
    await piotr.check("order received, the cheese maker's", phone=True)

    await page.locator("#f-reason").fill(REASON)
    await main.get_by_role("button", name=pl("Reject the order")).click()
    await expect(piotr.notice()).to_have_text(pl("You rejected the order. The buyer is told why."))
    await expect(piotr.order_state()).to_have_text(pl("Rejected by the producer"))
    await expect(main.locator("dl.facts").first).to_contain_text(REASON)
    await expect(main.get_by_role("button", name=pl("Accept the order"))).to_have_count(0)
    await piotr.check("order rejected, the cheese maker's", phone=True)


async def read_the_rejection(katrin: Person, market: Market, order: dict[str, Any]) -> None:
    """The town hall, in German: its orders say the cheese is rejected; the order's page says why,
    and that its invoice is void."""
    de, page, main = katrin.words, katrin.page, katrin.main
    await page.locator("header").get_by_role("link", name=de("Orders")).click()
    placed = main.locator("section[aria-labelledby=placed-heading] tbody tr")
    await expect(placed).to_have_count(2)
    await expect(placed.filter(has_text=market.cheese_producer).locator("td").nth(1)).to_have_text(
        de("Rejected by the producer")
    )
    await expect(placed.filter(has_text=PRODUCER).locator("td").nth(1)).to_have_text(de(NEW_ORDER))
    await katrin.check("orders placed, one rejected", phone=True)

    await placed.get_by_role("link", name=de("Order to %(producer)s", producer=market.cheese_producer)).click()
    await expect(page).to_have_url(f"{katrin.live_server}/orders/{order['id']}")
    await expect(katrin.order_state()).to_have_text(de("Rejected by the producer"))
    await expect(main.locator("dl.facts").first).to_contain_text(REASON)
    await expect(payment_state(katrin)).to_have_text(de("Void: nothing is owed"))
    await expect(main.get_by_role("button", name=de("Cancel the order"))).to_have_count(0)
    await katrin.check("order rejected, the buyer's side", phone=True)


async def accept_ship_and_mark_the_invoice_paid(ewa: Person, market: Market, order: dict[str, Any]) -> None:
    """The beekeeper accepts and ships the honey, then, the money arrived, marks its invoice paid."""
    pl, page, main = ewa.words, ewa.page, ewa.main
    invoice = order["invoice"]
    await ewa.visit(f"/orders/{order['id']}")  # as she opens it from the message telling her
    await expect(ewa.order_state()).to_have_text(pl(NEW_ORDER))
    await main.get_by_role("button", name=pl("Accept the order")).click()
    await expect(ewa.notice()).to_have_text(pl("You accepted the order. The buyer is told."))
    await page.locator("#f-tracking").fill(TRACKING)
    await main.get_by_role("button", name=pl("Mark as shipped")).click()
    await expect(ewa.notice()).to_have_text(pl("The order is marked as shipped. The buyer is told."))
    await expect(ewa.order_state()).to_have_text(pl("Shipped"))
    await expect(payment_state(ewa)).to_have_text(pl("Not paid yet"))
    await ewa.check("order shipped, the invoice not paid yet")

    await main.get_by_role("link", name=invoice["number"]).click()
    await expect(page).to_have_url(f"{ewa.live_server}/invoices/{invoice['id']}")
    await expect(ewa.heading()).to_have_text(pl("Invoice %(number)s", number=invoice["number"]))
    facts = main.locator("dl.facts")
    await expect(facts.locator("dd strong")).to_have_text(pl("Not paid yet"))
    await expect(facts).to_contain_text(pl.f.money(48000, "PLN"))  # 10 kg at 48.00 PLN
    await ewa.check("invoice, not paid yet", phone=True)
    await main.get_by_role("button", name=pl("Mark the invoice as paid")).click()  # the day left empty: today

    await expect(page).to_have_url(f"{ewa.live_server}/invoices/{invoice['id']}?notice=invoice-paid")
    await expect(ewa.notice()).to_have_text(pl("The invoice is marked as paid."))
    await expect(facts.locator("dd strong")).to_have_text(pl("Paid"))
    await expect(facts).to_contain_text(pl.f.date(clock.today()))
    await expect(main.get_by_role("button", name=pl("Mark the invoice as paid"))).to_have_count(0)
    await ewa.check("invoice, paid", phone=True, picture="invoice")


async def see_the_invoice_paid(katrin: Person, order: dict[str, Any]) -> None:
    """The town hall's honey order: shipped, its invoice paid."""
    de, page, main = katrin.words, katrin.page, katrin.main
    await page.locator("header").get_by_role("link", name=de("Orders")).click()
    placed = main.locator("section[aria-labelledby=placed-heading] tbody tr")
    await placed.get_by_role("link", name=de("Order to %(producer)s", producer=PRODUCER)).click()
    await expect(page).to_have_url(f"{katrin.live_server}/orders/{order['id']}")
    await expect(katrin.order_state()).to_have_text(de("Shipped"))
    await expect(payment_state(katrin)).to_have_text(de("Paid"))
    await katrin.check("order shipped and paid, the buyer's side", phone=True)
    await main.get_by_role("link", name=order["invoice"]["number"]).click()
    await expect(main.locator("dl.facts dd strong")).to_have_text(de("Paid"))
    await expect(main.locator("dl.facts")).to_contain_text(de.f.date(clock.today()))
    await katrin.check("invoice, paid, the buyer's side")
