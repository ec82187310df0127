"""Trade journeys in a real browser, each with JavaScript on a desktop and without it on a 360 px
phone: a Polish producer registers, creates the organisation, is admitted to the hub, lists goods in
Polish and German and imports fifty more from a workbook whose two bad rows she fixes; a German town
hall finds two Polish producers' goods in German, asks a price, orders from both by invoice and sees
two orders; the producer accepts and ships; the town hall marks the delivery received. axe audits
every page on the way, the main pages must fit a phone, and the JavaScript runs write the README's
screenshots (docs/screenshots).

Hubs, coordinators' decisions and the other side's goods are made through the API (their own pages
are tested elsewhere). Every text the tests read is looked up in the pages' catalog in the reader's
language (`Words`), so the journeys hold before and after the catalogs are translated.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
from playwright.async_api import expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from tests.browser.conftest import OffHostRequests, OpenPage
from tests.browser.journeys import (
    HUB,
    NEW_ORDER,
    PRODUCER,
    TRACKING,
    UUID,
    XLSX,
    Market,
    Person,
    RunWorker,
    build_market,
    person,
)
from tests.browser.test_account_journeys import prove_the_address, register_on_the_page
from tests.factories.identity import Account, register
from tests.factories.organization import create_hub, platform_admin
from tests.factories.spreadsheets import workbook

# --- the producer --------------------------------------------------------------------------------


SHEET_COLUMNS = [
    "sku",
    "title[pl]",
    "description[pl]",
    "title[de]",
    "default_language",
    "classification_scheme",
    "classification_code",
    "unit",
    "price_tiers",
    "stock_on_hand",
    "ships_to",
    "lead_time_days",
]


def tea_row(number: int, **changes: object) -> list[object]:
    """Herbal tea number `number`, as a person types it in a spreadsheet."""
    row: dict[str, object] = {
        "sku": f"ZIOLA-{number:03d}",
        "title[pl]": f"Herbata ziołowa nr {number}",
        "description[pl]": "Zioła z Łużyc, suszone w cieniu",
        "title[de]": f"Kräutertee Nr. {number}",
        "default_language": "pl",
        "classification_scheme": "HS",
        "classification_code": "1211.90",
        "unit": "XPK",
        "price_tiers": "1:12.50|20:11",
        "stock_on_hand": 40 + number,
        "ships_to": "PL-02|DE-SN",
        "lead_time_days": 2,
    }
    row.update(changes)
    return [row[column] for column in SHEET_COLUMNS]


async def test_a_producer_registers_creates_the_organisation_is_admitted_lists_goods_in_two_languages_and_imports_fifty(
    open_page: OpenPage,
    java_script: bool,
    live_server: str,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    off_host_requests: OffHostRequests,
) -> None:
    async with httpx.AsyncClient(base_url=live_server) as http:
        client: Any = http  # the factories take any client of the API
        admin = await platform_admin(client, sessions, settings)
        coordinator = await register(client, full_name="Jana Horáková")
        hub = await create_hub(client, admin, [coordinator], name=HUB)
    ewa = await person(open_page, live_server, "pl-PL", java_script=java_script)
    email = "ewa@ziola-luzyckie.example"

    # She registers (in Polish, her browser's language), proves the address and signs in.
    await ewa.visit("/")
    await register_on_the_page(ewa.page, live_server, "Ewa Nowak", email, pictures=False)
    await prove_the_address(ewa.page, live_server, email)
    await ewa.sign_in(email)
    await expect(ewa.page.locator("html")).to_have_attribute("lang", "pl")  # now her profile's language
    await ewa.check("start page, no organisation yet")

    organization_id = await create_the_organisation(ewa)
    await apply_to_the_hub_and_be_admitted(ewa, organization_id, hub, coordinator)
    await list_goods_in_polish_and_german(ewa, organization_id)
    await import_fifty_listings_fixing_two_bad_rows(ewa, organization_id)
    assert off_host_requests == []


async def create_the_organisation(ewa: Person) -> str:
    """From the start page: places and languages picked by name, a women-led business. Its id."""
    pl, page = ewa.words, ewa.page
    await ewa.main.get_by_role("link", name=pl("Create your business or agency")).click()
    await expect(ewa.heading()).to_have_text(pl("Create an organisation"))
    await ewa.check("create an organisation", phone=True)
    await page.locator("#f-legal_name").fill(PRODUCER)
    await page.locator("#f-kind-producer").check()
    await page.locator("#f-registration_scheme").fill("PL-KRS")
    await page.locator("#f-registration_id").fill("0000412345")
    await page.locator("#f-country").select_option("PL")
    await page.locator("#f-subdivision").select_option("PL-02")
    await page.locator("#f-municipality").fill("Zgorzelec")
    await expect(page.locator("#f-languages-pl")).to_be_checked()  # the language she reads
    await page.locator("#f-languages-de").check()
    await page.locator("#f-default_currency").select_option("PLN")
    await page.locator("#f-employee_count").fill("3")
    await page.locator("#f-women_led").check()
    await ewa.main.get_by_role("button", name=pl("Create the organisation")).click()

    created = re.compile(rf"/organizations/({UUID})\?notice=organization-created$")
    await expect(page).to_have_url(created)
    await expect(ewa.heading()).to_have_text(PRODUCER)
    await expect(ewa.notice()).to_have_text(
        pl("The organisation is created. Apply to a hub next, so that it can trade there.")
    )
    await ewa.check("the organisation, created")
    found = created.search(page.url)
    assert found is not None
    return found.group(1)


async def apply_to_the_hub_and_be_admitted(
    ewa: Person, organization_id: str, hub: dict[str, Any], coordinator: Account
) -> None:
    """On the organisation's page; a coordinator admits it (through the API), and the page says so."""
    pl = ewa.words
    await ewa.page.locator("#f-hub_id").select_option(hub["id"])
    await ewa.page.locator("#f-note").fill("Zioła i herbaty z Łużyc, trzy osoby.")
    await ewa.main.get_by_role("button", name=pl("Apply to join the hub")).click()
    await expect(ewa.notice()).to_have_text(
        pl("The application is sent. The hub's coordinators decide, and we tell you when they have.")
    )
    hubs = ewa.page.locator("section[aria-labelledby=hubs-heading] tbody tr")
    await expect(hubs).to_have_count(1)
    await expect(hubs.locator("td")).to_have_text(pl("Applied: waiting for the hub's coordinators to decide"))
    await ewa.check("the organisation, applied to a hub")

    async with httpx.AsyncClient(base_url=ewa.live_server) as http:
        admitted = await http.post(
            f"/api/v1/hubs/{hub['id']}/memberships/{organization_id}/admit", headers=coordinator.headers
        )
        assert admitted.status_code == 200, admitted.text
    await ewa.visit(f"/organizations/{organization_id}")  # as she comes back to it later
    await expect(hubs.locator("th")).to_have_text(HUB)
    await expect(hubs.locator("td")).to_have_text(pl("Admitted: trades in the hub"))
    await ewa.check("the organisation, admitted", phone=True, picture="organisation")


async def list_goods_in_polish_and_german(ewa: Person, organization_id: str) -> None:
    """From the organisation's page: the form with the texts side by side, prices typed the Polish
    way; the list shows the listing, and its form shows both texts again."""
    pl, page, main = ewa.words, ewa.page, ewa.main
    await main.get_by_role("navigation").get_by_role("link", name=pl("Listings")).click()
    await expect(page).to_have_url(f"{ewa.live_server}/organizations/{organization_id}/listings")
    await expect(main).to_contain_text(pl("You have not listed any goods yet."))
    await ewa.check("listings, none yet")
    await main.get_by_role("link", name=pl("List new goods"), exact=True).click()
    await expect(ewa.heading()).to_have_text(pl("List new goods"))
    # Nothing written yet: both languages the hub's buyers read are marked as lacking.
    await expect(main.locator(".notice.warning li")).to_have_count(2)
    await page.locator("#f-title-pl").fill("Herbata z mięty pieprzowej")
    await page.locator("#f-description-pl").fill("Liście mięty z naszego ogrodu w Zgorzelcu, suszone w cieniu.")
    await page.locator("#f-title-de").fill("Pfefferminztee")
    await page.locator("#f-description-de").fill("Tee aus Minzblättern aus unserem Garten in Zgorzelec.")
    await page.locator("#f-sku").fill("MIETA-100")
    await page.locator("#f-code").fill("CPV 15865000-9")  # as picking "Herbaty ziołowe" from the suggestions does
    await page.locator("#f-unit").select_option("XPK")
    await page.locator("#f-min_order_quantity").fill("5")
    await page.locator("#f-lead_time_days").fill("2")
    await page.locator("#f-stock_on_hand").fill("120")
    await page.locator("#f-tier-0-min_quantity").fill("5")
    await page.locator("#f-tier-0-unit_price").fill("14,50")
    await page.locator("#f-tier-1-min_quantity").fill("50")
    await page.locator("#f-tier-1-unit_price").fill("12,90")
    await expect(page.locator("#f-ships_to-PL-02")).to_be_checked()  # where the organisation is
    await page.locator("#f-ships_to-DE-SN").check()
    await ewa.check("list new goods, filled in", phone=True, picture="listing-form")
    await main.get_by_role("button", name=pl("Create the listing")).click()

    await expect(page).to_have_url(f"{ewa.live_server}/organizations/{organization_id}/listings?notice=listing-created")
    await expect(ewa.notice()).to_have_text(pl("The listing is created."))
    row = main.locator("tbody tr")
    await expect(row).to_have_count(1)
    await expect(row.locator("th a")).to_have_text("Herbata z mięty pieprzowej")
    await expect(row.locator("td").nth(0)).to_have_text(pl("active"))
    await expect(row.locator("td").nth(1)).to_have_text(pl.f.quantity(120, "XPK"))
    price = pl("%(price)s per %(unit)s", price=pl.f.amount(Decimal("14.50"), "PLN"), unit=pl.f.unit("XPK"))
    await expect(row.locator("td").nth(2)).to_have_text(price)
    await ewa.check("listings, one", phone=True, picture="producer-listings")

    await row.locator("th a").click()
    await expect(ewa.heading()).to_have_text(pl("Change the listing"))
    await expect(page.locator("#f-title-pl")).to_have_value("Herbata z mięty pieprzowej")
    await expect(page.locator("#f-title-de")).to_have_value("Pfefferminztee")
    await expect(main.locator(".notice.warning")).to_have_count(0)  # no language the hub reads is lacking
    await ewa.check("change the listing")


async def import_fifty_listings_fixing_two_bad_rows(ewa: Person, organization_id: str) -> None:
    """From the listings: a workbook of fifty with two bad rows is refused, both rows named in a
    table; the fixed workbook imports all fifty."""
    pl, page, main = ewa.words, ewa.page, ewa.main
    listings = f"{ewa.live_server}/organizations/{organization_id}/listings"
    await main.get_by_role("link", name=pl("Back to the listings of %(organization)s", organization=PRODUCER)).click()
    await main.get_by_role("link", name=pl("Import or export a spreadsheet")).click()
    await expect(page).to_have_url(f"{listings}/import")
    await expect(ewa.heading()).to_have_text(pl("Import listings from a spreadsheet"))
    await ewa.check("import listings", phone=True)
    rows = [tea_row(number) for number in range(1, 51)]
    rows[17] = tea_row(18, **{"title[pl]": None})  # spreadsheet row 19: a description, but no title
    rows[39] = tea_row(40, price_tiers="1:-4.50")  # row 41
    await upload(ewa, workbook(SHEET_COLUMNS, rows))

    alert = page.get_by_role("alert")
    await expect(alert.get_by_role("heading")).to_have_text(pl("Nothing was imported"))
    if ewa.java_script:  # the script moves the focus to the summary, so it is read out first
        await expect(alert).to_be_focused()
    problems = main.locator("#problems + .table-scroll tbody tr")
    await expect(problems).to_have_count(2)
    await expect(problems.nth(0).locator("th")).to_have_text("19")
    await expect(problems.nth(0).locator("code")).to_have_text("title[pl]")
    await expect(problems.nth(0).locator("td").nth(1)).to_have_text(pl("Please fill this in."))
    await expect(problems.nth(1).locator("th")).to_have_text("41")
    await expect(problems.nth(1).locator("code")).to_have_text("price_tiers")
    await expect(problems.nth(1).locator("td").nth(1)).to_have_text(
        pl("Price tier %(n)s, unit price: %(problem)s", n=1, problem=pl("Enter a price above zero."))
    )
    await ewa.check("import listings, two bad rows", phone=True, picture="import-errors")

    rows[17], rows[39] = tea_row(18), tea_row(40)
    await upload(ewa, workbook(SHEET_COLUMNS, rows))
    await expect(page).to_have_url(f"{listings}?notice=listings-imported&count=50")
    await expect(ewa.notice()).to_have_text(
        pl.counted("%(num)s listing is imported.", "%(num)s listings are imported.", 50)
    )
    await expect(main.get_by_text(pl.counted("%(num)s listing", "%(num)s listings", 51), exact=True)).to_be_visible()
    await expect(main.locator("tbody tr")).to_have_count(50)  # a page of the list; the rest on the next
    await expect(main.get_by_role("navigation", name=pl("Pages"))).to_contain_text(
        pl("Page %(page)s of %(pages)s", page=1, pages=2)
    )
    await ewa.check("listings, imported", phone=True)


async def upload(ewa: Person, body: bytes) -> None:
    await ewa.page.locator("#f-file").set_input_files(files=[{"name": "ziola.xlsx", "mimeType": XLSX, "buffer": body}])
    await ewa.main.get_by_role("button", name=ewa.words("Import the listings")).click()


# --- the buyer and the producers -------------------------------------------------------------------


async def test_a_german_town_hall_orders_from_two_polish_producers_the_producer_ships_and_the_town_hall_receives(
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
    await run_worker()  # the listings reach the search index, as the worker does after each change
    katrin = await person(open_page, live_server, "de-DE", java_script=java_script)
    await katrin.sign_in(market.buyer.email)
    await expect(katrin.page.locator("html")).to_have_attribute("lang", "de")  # her profile's language
    await katrin.check("start page, buyer")

    await find_honey_in_german_ask_its_price_and_put_it_in_the_cart(katrin, market)
    await find_cheese_and_put_it_in_the_cart(katrin, market)
    await check_out_by_invoice(katrin, market)

    ewa = await person(open_page, live_server, "pl-PL", java_script=java_script)
    await ewa.sign_in(market.beekeeper.email)
    await accept_and_ship(ewa, market)
    await receive(katrin, market)
    await ewa.page.reload()
    await expect(ewa.order_state()).to_have_text(ewa.words("Delivered"))  # the producer's page says so too
    await ewa.check("order delivered, the producer's side")
    assert off_host_requests == []


async def find_honey_in_german_ask_its_price_and_put_it_in_the_cart(katrin: Person, market: Market) -> None:
    """From the start page's search box: the Polish producer's honey in its German words, priced in
    euro with the producer's own price and the rate's date beside it; 10 kg priced, then ordered."""
    de, page, main = katrin.words, katrin.page, katrin.main
    yesterday = de.f.date(clock.today() - dt.timedelta(days=1))
    await page.locator("#home-q").fill("Honig")
    await page.locator("#home-q").press("Enter")
    await expect(page).to_have_url(f"{katrin.live_server}/search?q=Honig")
    await expect(main.locator("#results-count")).to_have_text(de.counted("%(num)s result", "%(num)s results", 1))
    honey = main.locator("ol.results > li")
    await expect(honey).to_have_count(1)
    await expect(honey.get_by_role("heading")).to_have_text("Lindenhonig")
    await expect(honey).to_contain_text(PRODUCER)
    await expect(honey).to_contain_text(
        de(
            "The producer asks %(price)s; converted at the exchange rate of %(date)s.",
            price=de.per_unit(Decimal("48.00"), "PLN", "KGM"),
            date=yesterday,
        )
    )
    await katrin.check("search results", phone=True, picture="search-results")
    await the_results_come_before_the_filters(katrin)

    await honey.get_by_role("link", name="Lindenhonig").click()
    await expect(page).to_have_url(f"{katrin.live_server}/listings/{market.honey['id']}")
    await expect(katrin.heading()).to_have_text("Lindenhonig")
    await expect(katrin.heading()).to_have_attribute("lang", "de")
    await katrin.check("listing")
    await page.locator("#f-quantity").fill("10")
    await main.get_by_role("button", name=de("Show the price")).click()
    quote = main.locator("p.quote")
    await expect(quote).to_contain_text(
        de(
            "%(quantity)s cost %(total)s (%(price)s).",
            quantity=de.f.quantity(10, "KGM"),
            total=de.f.money(48000, "PLN"),
            price=de.per_unit(Decimal("48.00"), "PLN", "KGM"),
        )
    )
    await expect(quote).to_contain_text(
        de(
            "That is about %(amount)s at the exchange rate of %(date)s.",
            amount=de.f.money(11294, "EUR"),  # 480 PLN at 4.25 PLN to the euro
            date=yesterday,
        )
    )
    await katrin.check("listing with a quote", phone=True, picture="listing")
    await expect(page.locator("#cart-quantity")).to_have_value("10")  # the quantity just priced
    await main.get_by_role("button", name=de("Add to cart")).click()
    await expect(katrin.notice()).to_have_text(de("Added to your cart."))
    await katrin.check("listing, added to the cart")


async def the_results_come_before_the_filters(katrin: Person) -> None:
    """On a phone the first result shows without scrolling past the filters (a link leads to them);
    on a desktop the filters stand to the left of the results."""
    result = await katrin.main.locator("ol.results > li").first.bounding_box()
    filters = await katrin.page.locator("#filters").bounding_box()
    assert result is not None
    assert filters is not None
    if katrin.java_script:  # the desktop
        assert filters["x"] + filters["width"] <= result["x"]
        await expect(katrin.main.get_by_role("link", name=katrin.words("Narrow the results"))).to_be_hidden()
    else:  # the phone
        viewport = katrin.page.viewport_size
        assert viewport is not None
        assert result["y"] < viewport["height"] < filters["y"]
        await katrin.main.get_by_role("link", name=katrin.words("Narrow the results")).click()
        await expect(katrin.page).to_have_url(re.compile("#filters$"))


async def find_cheese_and_put_it_in_the_cart(katrin: Person, market: Market) -> None:
    """From the search page: with JavaScript the results follow her typing (and the address with
    them); without it, the button sends the search."""
    de, page, main = katrin.words, katrin.page, katrin.main
    await page.locator("header").get_by_role("link", name=de("Find goods")).click()
    await expect(page).to_have_url(f"{katrin.live_server}/search")
    await katrin.check("search, no words yet")
    await page.locator("#f-q").fill("Käse")
    if katrin.java_script:
        await expect(page).to_have_url(re.compile(r"[?&]" + re.escape(urlencode({"q": "Käse"})) + "(&|$)"))
    else:
        await main.locator(".search-box").get_by_role("button", name=de("Search")).click()
    cheese = main.locator("ol.results > li")
    await expect(cheese).to_have_count(1)
    await expect(cheese.get_by_role("heading")).to_have_text("Korycin-Käse")
    await expect(cheese).to_contain_text(market.cheese_producer)
    await katrin.check("search results for cheese")

    await cheese.get_by_role("link", name="Korycin-Käse").click()
    await expect(page).to_have_url(f"{katrin.live_server}/listings/{market.cheese['id']}")
    await page.locator("#cart-quantity").fill("3")
    await main.get_by_role("button", name=de("Add to cart")).click()
    await expect(katrin.notice()).to_have_text(de("Added to your cart."))
    await katrin.check("another listing, added to the cart")


async def check_out_by_invoice(katrin: Person, market: Market) -> None:
    """The cart by producer; checked out by invoice; the confirmation's two orders, each waiting
    for its producer."""
    de, page, main = katrin.words, katrin.page, katrin.main
    await page.locator("header").get_by_role("link", name=de("Cart")).click()
    groups = main.locator("section.cart-group")
    await expect(groups).to_have_count(2)
    subtotals = {PRODUCER: de.f.money(48000, "PLN"), market.cheese_producer: de.f.money(18000, "PLN")}
    for producer, subtotal in subtotals.items():
        group = groups.filter(has=page.get_by_role("heading", name=producer))
        await expect(group.locator("tfoot td").first).to_have_text(subtotal)
    await katrin.check("cart", phone=True, picture="cart")

    await main.get_by_role("link", name=de("Check out")).click()
    await expect(katrin.heading()).to_have_text(de("Check out"))
    await expect(page.locator("#f-recipient")).to_have_value(market.buyer_name)  # proposed: the town hall
    await expect(page.locator("#f-city")).to_have_value("Görlitz")
    await page.locator("#f-street").fill("Untermarkt 6")
    await page.locator("#f-postal_code").fill("02826")
    await katrin.check("checkout", phone=True, picture="checkout")
    await main.get_by_role("button", name=de("Place the orders")).click()

    await expect(page).to_have_url(re.compile(rf"/checkouts/{UUID}\?notice=checkout-placed$"))
    await expect(katrin.heading()).to_have_text(de("Your orders are placed"))
    await expect(main).to_contain_text(
        de.counted(
            "You placed %(num)s order: each producer confirms its own.",
            "You placed %(num)s orders: each producer confirms its own.",
            2,
        )
    )
    orders = main.locator("section[aria-labelledby^=order-]")
    await expect(orders).to_have_count(2)
    for producer in subtotals:
        order = orders.filter(has=page.get_by_role("heading", name=de("Order to %(producer)s", producer=producer)))
        await expect(order).to_contain_text(de(NEW_ORDER))
    await katrin.check("orders placed", phone=True, picture="orders-placed")


async def accept_and_ship(ewa: Person, market: Market) -> None:
    """The honey producer, in Polish: the new order first among those received; she accepts it and
    ships it with a tracking number."""
    pl, page = ewa.words, ewa.page
    await page.locator("header").get_by_role("link", name=pl("Orders")).click()
    received = page.locator("section[aria-labelledby=received-heading] tbody tr")
    await expect(received).to_have_count(1)
    await expect(received.locator("td strong")).to_have_text(pl(NEW_ORDER))
    await ewa.check("orders received", phone=True)
    await received.get_by_role("link", name=pl("Order from %(buyer)s", buyer=market.buyer_name)).click()
    await expect(ewa.heading()).to_have_text(
        pl("Order from %(buyer)s to %(producer)s", buyer=market.buyer_name, producer=PRODUCER)
    )
    await expect(ewa.order_state()).to_have_text(pl(NEW_ORDER))
    await ewa.check("order received")

    await ewa.main.get_by_role("button", name=pl("Accept the order")).click()
    await expect(ewa.notice()).to_have_text(pl("You accepted the order. The buyer is told."))
    await expect(ewa.order_state()).to_have_text(pl("Accepted: the producer prepares it"))
    await ewa.check("order accepted")
    await page.locator("#f-tracking").fill(TRACKING)
    await ewa.main.get_by_role("button", name=pl("Mark as shipped")).click()
    await expect(ewa.notice()).to_have_text(pl("The order is marked as shipped. The buyer is told."))
    await expect(ewa.order_state()).to_have_text(pl("Shipped"))
    await expect(ewa.main.locator("dl.facts").first).to_contain_text(TRACKING)
    await ewa.check("order shipped", phone=True, picture="order-producer")


async def receive(katrin: Person, market: Market) -> None:
    """The town hall's orders: the honey shipped (with its tracking number), the cheese still new;
    she marks the honey received."""
    de, page, main = katrin.words, katrin.page, katrin.main
    await page.locator("header").get_by_role("link", name=de("Orders")).click()
    placed = main.locator("section[aria-labelledby=placed-heading] tbody tr")
    await expect(placed).to_have_count(2)
    await expect(placed.filter(has_text=PRODUCER).locator("td").nth(1)).to_have_text(de("Shipped"))
    await expect(placed.filter(has_text=market.cheese_producer).locator("td").nth(1)).to_have_text(de(NEW_ORDER))
    await katrin.check("orders placed, one shipped", phone=True)

    await placed.get_by_role("link", name=de("Order to %(producer)s", producer=PRODUCER)).click()
    await expect(katrin.order_state()).to_have_text(de("Shipped"))
    await expect(main.locator("dl.facts").first).to_contain_text(TRACKING)
    await katrin.check("order shipped, the buyer's side", phone=True, picture="order-buyer")
    await main.get_by_role("button", name=de("Mark as received")).click()
    await expect(katrin.notice()).to_have_text(de("The order is marked as delivered."))
    await expect(katrin.order_state()).to_have_text(de("Delivered"))
    await katrin.check("order delivered, the buyer's side")
