"""Paying by card in a real browser, with JavaScript on a desktop and without it on a 360 px phone:
a German town hall puts two Polish producers' goods in the cart, checks out by card and lands on
Stripe's hosted payment page (the local Stripe stub, on loopback); it pays there, Stripe's signed
events arrive, and the browser comes back to the confirmation, which says the payment is being
confirmed and, once the worker has run, that both orders are paid. The honey producer then sees
the card money of her order on her organisation's card payments page: what the buyer paid, the
hub's fee and what was transferred. axe audits each of our pages on the way.

The app under test is tests/conftest.py's with card payments on (`card_server`): Stripe's API is
the stub, the webhooks are verified for real, and the app knows its own address (Stripe sends the
buyer back to it). The producers are onboarded with Stripe through the API beforehand.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.async_api import expect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from borderhub.app import create_app
from borderhub.composition import compose
from borderhub.settings import Settings
from tests.browser.conftest import OffHostRequests, OpenPage, loopback_listener, serving
from tests.browser.journeys import PRODUCER, UUID, Market, Person, build_market, person
from tests.integration.marketplace.card.support import (
    fee,
    onboard,
    post_event,
    with_cards,
)
from tests.stripe_stub import HOSTED_PAGE_PREFIX, StripeStub, event, fixtures_path
from tests.worker import drain

if not fixtures_path().exists():
    pytest.skip(f"Stripe's fixture objects are not at {fixtures_path()}", allow_module_level=True)

CONFIRMING = "Thank you — your payment is being confirmed."
PAID = "Paid: waiting for the producer to accept it"
# 20 kg of honey at 44.00 PLN and 2 kg of cheese at 60.00 PLN, each in euro at 4.25: 207.06 + 28.24.
HONEY_EUR = 20706


@dataclass(frozen=True)
class CardServer:
    """The app with card payments on, served on loopback, and how the worker runs for it."""

    url: str
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    database_url: str

    async def run_worker(self) -> None:
        """Drain the outbox, as the worker does a moment after each request: with a composition of
        its own, as a worker process has (a Stripe client belongs to the loop that first used it)."""
        await drain(self.database_url, self.sessions, compose(self.settings).registry)


@pytest.fixture(scope="module")
def stub() -> Iterator[StripeStub]:
    with StripeStub() as server:
        yield server


@pytest.fixture
async def card_server(
    settings: Settings, stub: StripeStub, engine: AsyncEngine, database_url: str
) -> AsyncIterator[CardServer]:
    """tests/conftest.py's app with Stripe pointed at the stub, served like `live_server`; it knows
    its own address, where Stripe's page sends the buyer back."""
    stub.reset()
    listener = loopback_listener()
    address = f"http://127.0.0.1:{listener.getsockname()[1]}"
    card_settings = with_cards(settings, stub, public_url=address)
    composition = compose(card_settings)
    app = create_app(card_settings, composition)
    async with serving(app, listener) as url:
        yield CardServer(url, composition.sessions(engine), card_settings, database_url)


async def test_a_german_town_hall_pays_two_polish_producers_by_card_and_the_producer_sees_the_money(
    open_page: OpenPage,
    java_script: bool,
    card_server: CardServer,
    stub: StripeStub,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    off_host_requests: OffHostRequests,
) -> None:
    live_server = card_server.url
    async with httpx.AsyncClient(base_url=live_server) as http:
        market = await build_market(http, sessions, settings)
        client: Any = http  # the card tests' helpers take any client of the API
        for maker, listing in ((market.beekeeper, market.honey), (market.cheesemaker, market.cheese)):
            await onboard(client, stub, maker, {"id": listing["organization_id"]})
    katrin = await person(open_page, live_server, "de-DE", java_script=java_script)
    await katrin.sign_in(market.buyer.email)

    await put_both_producers_goods_in_the_cart(katrin, market)
    session_id = await check_out_by_card(katrin, stub)
    await stripe_takes_the_money(card_server, stub, session_id)
    await come_back_and_see_the_orders_paid(katrin, card_server)

    ewa = await person(open_page, live_server, "pl-PL", java_script=java_script)
    await ewa.sign_in(market.beekeeper.email)
    await see_the_card_money(ewa, market)
    assert off_host_requests == []


async def put_both_producers_goods_in_the_cart(katrin: Person, market: Market) -> None:
    de = katrin.words
    for listing, quantity in ((market.honey, "20"), (market.cheese, "2")):
        await katrin.visit(f"/listings/{listing['id']}")
        await katrin.page.locator("#cart-quantity").fill(quantity)
        await katrin.main.get_by_role("button", name=de("Add to cart")).click()
        await expect(katrin.notice()).to_have_text(de("Added to your cart."))
    await katrin.page.locator("header").get_by_role("link", name=de("Cart")).click()
    await expect(katrin.main.locator("section.cart-group")).to_have_count(2)
    await katrin.check("cart of two producers, to be paid by card")


async def check_out_by_card(katrin: Person, stub: StripeStub) -> str:
    """Card chosen on the checkout form; the orders are placed and the browser is on Stripe's page.
    The Checkout Session's id."""
    de, page, main = katrin.words, katrin.page, katrin.main
    await main.get_by_role("link", name=de("Check out")).click()
    await expect(katrin.heading()).to_have_text(de("Check out"))
    await page.locator("#f-street").fill("Untermarkt 6")
    await page.locator("#f-postal_code").fill("02826")
    await main.get_by_role("radio", name=de("By card, on Stripe's secure payment page")).check()
    await katrin.check("checkout, paying by card", phone=True)
    await main.get_by_role("button", name=de("Place the orders")).click()

    on_stripe = re.compile(re.escape(f"{stub.url}{HOSTED_PAGE_PREFIX}") + r"(cs_test_\w+)$")
    await expect(page).to_have_url(on_stripe)
    found = on_stripe.search(page.url)
    assert found is not None
    return found.group(1)


async def stripe_takes_the_money(card_server: CardServer, stub: StripeStub, session_id: str) -> None:
    """The buyer pays on Stripe's page; Stripe's signed events reach the service (not through the browser)."""
    paid = stub.pay_checkout_session(session_id)
    intent = stub.objects[paid["payment_intent"]]
    async with httpx.AsyncClient(base_url=card_server.url) as http:
        client: Any = http
        for payload in (event("payment_intent.succeeded", intent), event("checkout.session.completed", paid)):
            delivered = await post_event(client, payload)
            assert delivered.status_code == 200, delivered.text


async def come_back_and_see_the_orders_paid(katrin: Person, card_server: CardServer) -> None:
    """Stripe sends the browser back to the confirmation: the payment is being confirmed; once the
    worker has run, both orders are paid."""
    de, page, main = katrin.words, katrin.page, katrin.main
    await page.reload()  # Stripe's page, paid, sends the browser on to the success address
    await expect(page).to_have_url(re.compile(rf"^{re.escape(card_server.url)}/checkouts/{UUID}\?paid=1$"))
    await expect(katrin.heading()).to_have_text(de("Your orders are placed"))
    await expect(main.get_by_role("status")).to_have_text(de(CONFIRMING))
    await katrin.check("orders placed, the card payment being confirmed", phone=True)

    await card_server.run_worker()  # the orders marked paid, each producer's share transferred
    await main.get_by_role("link", name=de("Show the latest state")).click()
    orders = main.locator("section[aria-labelledby^=order-]")
    await expect(orders).to_have_count(2)
    for index in range(2):
        await expect(orders.nth(index)).to_contain_text(de(PAID))
    await expect(main).not_to_contain_text(de(CONFIRMING))
    await katrin.check("orders placed, paid by card")


async def see_the_card_money(ewa: Person, market: Market) -> None:
    """From her organisation's page to its card payments: the honey order, what the town hall paid,
    the hub's fee and what was transferred to her Stripe account."""
    pl, main = ewa.words, ewa.main
    await ewa.visit(f"/organizations/{market.honey['organization_id']}")
    await main.get_by_role("navigation").get_by_role("link", name=pl("Card payments")).click()
    await expect(ewa.heading()).to_have_text(pl("Card payments of %(organization)s", organization=PRODUCER))
    await expect(main.locator("#account-state")).to_have_text(
        pl("Buyers can pay this organisation by card. Stripe transfers the money to its account.")
    )
    row = main.locator("tbody tr")
    await expect(row).to_have_count(1)
    await expect(row.locator("th")).to_have_text(pl("Order from %(buyer)s", buyer=market.buyer_name))
    cells = row.locator("td")
    await expect(cells.nth(1)).to_have_text(pl.f.money(HONEY_EUR, "EUR"))
    await expect(cells.nth(2)).to_have_text(pl.f.money(fee(HONEY_EUR), "EUR"))
    await expect(cells.nth(3)).to_have_text(pl.f.money(HONEY_EUR - fee(HONEY_EUR), "EUR"))
    await expect(cells.nth(4)).to_have_text(pl("Transferred to your Stripe account"))
    await ewa.check("card payments of the producer", phone=True, picture="payouts")
