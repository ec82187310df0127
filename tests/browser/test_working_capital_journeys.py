"""Working capital in a real browser, with JavaScript on a desktop and without it on a 360 px phone: a
Polish beekeeper, on the page of an order she accepted, sees what the hub's microfinance consortium
can advance against it, asks for less than the most, typed the Polish way, and lands on the advance's
page; a loan officer of the consortium, reading in German, finds the request in the queue she reaches
from the header, approves it with her reason and confirms the payout. axe audits every page on the
way, the main pages must fit a phone, and the JavaScript run writes the README's screenshots
(docs/screenshots).

The market, the consortium (set up by the hub's coordinator, its funders' capital recorded by an
officer) and the order are made through the API. Every text the tests read is looked up in the pages'
catalog in the reader's language (`Words`).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.async_api import expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.browser.conftest import OffHostRequests, OpenPage
from tests.browser.journeys import PRODUCER, UUID, Market, Person, build_market, person
from tests.factories.financing import CAPITAL, GUARANTEE, consortium_body
from tests.factories.identity import Account, register
from tests.factories.order import ADDRESS, place

CONSORTIUM = "Mikrofinanz Neiße–Nysa"
REASON = "Drei Jahre pünktliche Lieferungen an die Stadt; die Rechnung ist in 30 Tagen fällig."
PAYOUT = "SEPA 2026-12-07 0042"


async def test_a_polish_producer_asks_for_an_advance_and_a_german_officer_approves_and_pays_it_out(
    open_page: OpenPage,
    java_script: bool,
    live_server: str,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    off_host_requests: OffHostRequests,
) -> None:
    async with httpx.AsyncClient(base_url=live_server) as http:
        market = await build_market(http, sessions, settings)
        officer = await set_up_consortium(http, market)
        order = await accepted_order(http, market)

    ewa = await person(open_page, live_server, "pl-PL", java_script=java_script)
    await ewa.sign_in(market.beekeeper.email)
    advance_path = await ask_for_an_advance(ewa, market, order)

    sabine = await person(open_page, live_server, "de-DE", java_script=java_script)
    await sabine.sign_in(officer.email)
    await approve_and_pay_out(sabine, advance_path)

    await ewa.visit(advance_path)  # as she comes back to it
    await expect(ewa.main.locator("p.notice").first).to_contain_text(
        ewa.words("Paid out: the buyer's payment repays it")
    )
    assert off_host_requests == []


async def set_up_consortium(http: httpx.AsyncClient, market: Market) -> Account:
    """The hub's consortium, lending 70 % of what a buyer owes in euro and złoty, with a German and a
    Polish loan officer; the towns' capital recorded. The German officer."""
    client: Any = http  # the factories take any client of the API
    sabine = await register(client, full_name="Sabine Krüger", preferred_language="de")
    piotr = await register(client, full_name="Piotr Zieliński", preferred_language="pl")
    body = consortium_body(client_market(market), [sabine, piotr], name=CONSORTIUM)
    created = await http.post("/api/v1/consortia", json=body, headers=market.coordinator.headers)
    assert created.status_code == 201, created.text
    consortium = created.json()
    for funder in consortium["funders"]:
        for currency, capital in CAPITAL.items():
            committed = await http.post(
                f"/api/v1/consortia/{consortium['id']}/commitments",
                json={
                    "funder_id": funder["id"],
                    "currency": currency,
                    "capital_minor": capital,
                    "guarantee_minor": GUARANTEE[currency],
                    "reference": f"{funder['name']} {currency}",
                },
                headers=sabine.headers,
            )
            assert committed.status_code == 201, committed.text
    return sabine


def client_market(market: Market) -> Any:
    """The journeys' market as the financing factory reads it (it needs only the hub)."""
    return market


async def accepted_order(http: httpx.AsyncClient, market: Market) -> dict[str, Any]:
    """The town hall's 20 kg of honey (880,00 zł), by invoice, accepted by the beekeeper."""
    mine = await http.get("/api/v1/organizations", headers=market.buyer.headers)
    assert mine.status_code == 200, mine.text
    [town_hall] = mine.json()["items"]
    body = {
        "buyer_organization_id": town_hall["id"],
        "lines": [{"listing_id": market.honey["id"], "quantity": "20"}],
        "delivery": {"jurisdiction": "DE-SN", "address": ADDRESS},
        "payment_method": "invoice",
    }
    client: Any = http
    [order] = (await place(client, market.buyer, body))["orders"]
    accepted = await http.post(f"/api/v1/orders/{order['id']}/accept", headers=market.beekeeper.headers)
    assert accepted.status_code == 200, accepted.text
    result: dict[str, Any] = accepted.json()
    return result


async def ask_for_an_advance(ewa: Person, market: Market, order: dict[str, Any]) -> str:
    """From her orders: the accepted honey order, its Working capital section, the offer (616,00 zł
    at most, the fee, the due date); she asks for 600,00 zł typed the Polish way. The advance's path."""
    pl, page, main = ewa.words, ewa.page, ewa.main
    await page.locator("header").get_by_role("link", name=pl("Orders")).click()
    received = main.locator("section[aria-labelledby=received-heading] tbody tr")
    await received.get_by_role("link", name=pl("Order from %(buyer)s", buyer=market.buyer_name)).click()
    await expect(page).to_have_url(f"{ewa.live_server}/orders/{order['id']}")
    capital = main.locator("section[aria-labelledby=capital-heading]")
    await expect(capital.get_by_role("heading")).to_have_text(pl("Working capital"))
    await expect(capital).to_contain_text(CONSORTIUM)
    await capital.get_by_role("link", name=pl("Advance against this order")).click()

    await expect(page).to_have_url(f"{ewa.live_server}/orders/{order['id']}/advance")
    await expect(ewa.heading()).to_have_text(pl("Working capital for the order of %(buyer)s", buyer=market.buyer_name))
    most = pl.f.money(61_600, "PLN")  # 70 % of 880,00 zł
    await expect(main).to_contain_text(pl("Up to %(maximum)s can be advanced against this order.", maximum=most))
    await expect(main.locator("dl.facts")).to_contain_text(pl.f.money(88_000, "PLN"))  # what the town hall owes
    await expect(page.locator("#f-amount")).to_have_value("616,00")
    await ewa.check("working capital for an order, the offer", phone=True, picture="advance-offer")

    await page.locator("#f-amount").fill("600,00")
    await main.get_by_role("button", name=pl("Ask for the advance")).click()

    await expect(page).to_have_url(re.compile(rf"/advances/{UUID}\?notice=advance-requested$"))
    await expect(ewa.notice()).to_have_text(
        pl("Your request is sent. The consortium's officers decide; this page shows their decision.")
    )
    await expect(ewa.heading()).to_have_text(
        pl("Advance to %(producer)s against the order of %(buyer)s", producer=PRODUCER, buyer=market.buyer_name)
    )
    await expect(main.locator("p.notice").nth(1)).to_contain_text(pl("Asked for: the consortium's officers decide"))
    await expect(main.locator("dl.facts")).to_contain_text(pl.f.money(60_000, "PLN"))
    await expect(main.get_by_role("button", name=pl("Withdraw the request"))).to_be_visible()
    await ewa.check("an advance, asked for, the producer's side", phone=True, picture="advance-producer")
    return page.url.split(ewa.live_server, 1)[1].split("?", 1)[0]


async def approve_and_pay_out(sabine: Person, advance_path: str) -> None:
    """From the header to the consortium's queue, where the request waits; she opens it, approves it
    with her reason, and confirms the bank transfer that paid it out."""
    de, page, main = sabine.words, sabine.page, sabine.main
    await page.locator("header").get_by_role("link", name=de("Working capital")).click()
    await expect(sabine.heading()).to_have_text(CONSORTIUM)
    waiting = main.locator("section[aria-labelledby=decide-heading] tbody tr")
    await expect(waiting).to_have_count(1)
    await expect(waiting).to_contain_text(de.f.money(60_000, "PLN"))
    await expect(waiting).to_contain_text(de("against the order of %(buyer)s", buyer="Stadt Görlitz"))
    await expect(main).to_contain_text(de.f.money(2 * CAPITAL["EUR"], "EUR"))  # the books: available to lend
    await sabine.check("a consortium's queue and books", phone=True, picture="consortium")
    await waiting.get_by_role("link", name=de("To %(producer)s", producer=PRODUCER)).click()

    await expect(page).to_have_url(f"{sabine.live_server}{advance_path}")
    await expect(main).to_contain_text(de("No officer has decided yet."))
    await page.locator("#f-decision_reason").fill(REASON)
    await sabine.check("an advance, to decide", phone=True)
    await main.get_by_role("button", name=de("Approve"), exact=True).click()

    await expect(page).to_have_url(f"{sabine.live_server}{advance_path}?notice=advance-approved")
    await expect(sabine.notice()).to_have_text(
        de("The advance is approved. Confirm the payout here once the bank transfer is made.")
    )
    await expect(main).to_contain_text(de("%(name)s approved it", name="Sabine Krüger"))
    await expect(main).to_contain_text(REASON)
    await page.locator("#f-payout_reference").fill(PAYOUT)
    await main.get_by_role("button", name=de("Confirm the payout")).click()

    await expect(page).to_have_url(f"{sabine.live_server}{advance_path}?notice=advance-disbursed")
    await expect(main.locator("p.notice").nth(1)).to_contain_text(de("Paid out: the buyer's payment repays it"))
    entries = main.locator("section[aria-labelledby=entries-heading] tbody tr")
    await expect(entries).to_have_count(1)
    await expect(entries).to_contain_text(de("Paid out to the producer"))
    await expect(entries).to_contain_text(PAYOUT)
    await expect(main.get_by_role("heading", name=de("Record the buyer's payment"))).to_be_visible()
    await sabine.check("an advance, paid out, the officer's side", phone=True, picture="advance-officer")
