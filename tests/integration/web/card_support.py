"""What the card pages' tests do as the buyer and as Stripe: sign in, fill the cart with two
producers' goods, check out by card and land on the Stripe stub's hosted page, and Stripe's signed
webhooks (the fixtures of the service with card payments on are in this folder's conftest.py)."""

from __future__ import annotations

import urllib.parse
from typing import Any

import httpx
from litestar.testing import AsyncTestClient

from tests.factories.identity import PASSWORD, Account
from tests.factories.order import ADDRESS, Market
from tests.integration.marketplace.card.support import post_event
from tests.integration.web.pages import sign_in_page, submit
from tests.stripe_stub import HOSTED_PAGE_PREFIX, StripeStub

Client = AsyncTestClient[Any]


async def signed_in(client: Client, account: Account) -> None:
    client.cookies.clear()
    answered = await sign_in_page(client, account.email, PASSWORD)
    assert answered.status_code == 303, answered.text


async def cart_of_two_producers(client: Client, m: Market) -> None:
    for listing, quantity in ((m.honey, "20"), (m.cheese, "2")):
        added = await submit(client, "/cart", "/cart/lines", {"listing_id": listing["id"], "quantity": quantity})
        assert added.status_code == 303, added.text


async def check_out(client: Client, m: Market, payment_method: str) -> httpx.Response:
    return await submit(
        client,
        "/checkout",
        "/checkout",
        {
            "buyer_organization_id": m.buyer_org["id"],
            "recipient": ADDRESS["recipient"],
            "street": ADDRESS["line1"],
            "postal_code": ADDRESS["postal_code"],
            "city": ADDRESS["city"],
            "payment_method": payment_method,
        },
    )


async def by_card_on_stripes_page(client: Client, stub: StripeStub, m: Market) -> tuple[str, str]:
    """The buyer checks out the two producers' goods by card: the checkout's id and the session's id."""
    await signed_in(client, m.buyer)
    await cart_of_two_producers(client, m)
    return await placed_by_card(client, stub, m)


async def placed_by_card(client: Client, stub: StripeStub, m: Market) -> tuple[str, str]:
    """The cart checked out by card, the browser sent to Stripe's page: the checkout's and the session's ids."""
    placed = await check_out(client, m, "stripe")
    assert placed.status_code == 303, placed.text
    page_url = placed.headers["location"]
    assert page_url.startswith(f"{stub.url}{HOSTED_PAGE_PREFIX}cs_test_")  # Stripe's page, not ours
    session_id = page_url.removeprefix(f"{stub.url}{HOSTED_PAGE_PREFIX}")
    checkout_id = stub.objects[session_id]["client_reference_id"]
    return checkout_id, session_id


async def open_stripes_page(url: str, method: str = "GET") -> httpx.Response:
    """The session's page on the stub, as the buyer's browser opens it (not following redirects)."""
    async with httpx.AsyncClient() as browser:
        return await browser.request(method, url)


async def stripe_sends(client: Client, payload: dict[str, Any]) -> httpx.Response:
    """Stripe's signed webhook, as Stripe posts it: without the buyer's cookies."""
    cookies = httpx.Cookies(client.cookies)
    client.cookies.clear()
    try:
        return await post_event(client, payload)
    finally:
        client.cookies = cookies


def path_of(url: str) -> str:
    split = urllib.parse.urlsplit(url)
    return f"{split.path}?{split.query}" if split.query else split.path
