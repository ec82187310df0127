"""The cart and the checkout in HTML: a buyer gathers goods of two producers, the cart is there again
after signing out and in, checking out by invoice places one order per producer, and what is wrong
is said where it is wrong (a form field, a cart line)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.identity import PASSWORD, Account
from tests.factories.order import ADDRESS, Market, build_market, stock_of
from tests.integration.web.pages import csrf_of, sign_in_page, submit

Client = AsyncTestClient[Any]


@pytest.fixture
async def market(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Market:
    return await build_market(client, sessions, settings)


async def signed_in(client: Client, account: Account) -> None:
    client.cookies.clear()
    answered = await sign_in_page(client, account.email, PASSWORD)
    assert answered.status_code == 303, answered.text


async def add_to_cart(client: Client, listing: dict[str, Any], quantity: str, back: str = "/cart") -> Any:
    return await submit(
        client, "/cart", "/cart/lines", {"listing_id": listing["id"], "quantity": quantity, "next": back}
    )


async def check_out(client: Client, **fields: str) -> Any:
    address = {
        "recipient": ADDRESS["recipient"],
        "street": ADDRESS["line1"],
        "postal_code": ADDRESS["postal_code"],
        "city": ADDRESS["city"],
    }
    return await submit(client, "/checkout", "/checkout", {**address, "payment_method": "invoice", **fields})


async def check_out_for(client: Client, market: Market, **fields: str) -> Any:
    return await check_out(client, buyer_organization_id=market.buyer_org["id"], **fields)


def quantity_of(html: str, listing: dict[str, Any]) -> str:
    found = re.search(rf'id="q-{listing["id"]}"[^>]*value="([^"]*)"', html, re.DOTALL)
    assert found is not None, f"no line of {listing['id']} in the cart"
    return found.group(1)


async def test_the_cart_keeps_two_producers_goods_after_signing_out_and_in(client: Client, market: Market) -> None:
    m = market
    await signed_in(client, m.buyer)

    added = await add_to_cart(client, m.honey, "15", back=f"/listings/{m.honey['id']}")
    assert added.status_code == 303
    assert added.headers["location"] == f"/listings/{m.honey['id']}?notice=added-to-cart"
    assert (await add_to_cart(client, m.cheese, "2")).status_code == 303
    assert (await add_to_cart(client, m.honey, "5")).status_code == 303  # adds up: 20 kg

    signed_out = await submit(client, "/cart", "/sign-out", {})
    assert signed_out.status_code == 303
    assert (await client.get("/cart", follow_redirects=False)).status_code == 303  # to sign in
    await signed_in(client, m.buyer)

    cart = await client.get("/cart")
    assert cart.status_code == 200
    text = cart.text
    assert m.producer_a["legal_name"] in text
    assert m.producer_b["legal_name"] in text
    assert "Linden honey" in text  # the reader's language where the listing has it
    assert '<span lang="pl">Ser koryciński</span>' in text  # else the listing's own, marked as Polish
    # Each line's button is named by what it shows (WCAG 2.5.3), then the goods in their language.
    hidden = '<span class="visually-hidden"> <span lang="pl">Ser koryciński</span></span>'
    assert f'class="link">Take out{hidden}</button>' in text
    assert 'aria-label="Take' not in text
    assert quantity_of(text, m.honey) == "20"
    assert quantity_of(text, m.cheese) == "2"
    # 20 kg of honey are at the 20 kg tier, 44.00 PLN: 880.00 PLN; 2 kg of cheese 120.00 PLN.
    assert "PLN44.00 per kg" in text
    assert "PLN880.00" in text
    assert "PLN120.00" in text
    assert 'href="/checkout"' in text


async def test_the_quantity_is_changed_and_a_line_taken_out_on_the_cart_page(client: Client, market: Market) -> None:
    m = market
    await signed_in(client, m.buyer)
    await add_to_cart(client, m.honey, "20")
    await add_to_cart(client, m.cheese, "2")

    changed = await submit(client, "/cart", f"/cart/lines/{m.honey['id']}/quantity", {"quantity": "100"})
    assert changed.status_code == 303
    cart = (await client.get(changed.headers["location"])).text
    assert quantity_of(cart, m.honey) == "100"
    assert "PLN40.50 per kg" in cart  # the 100 kg tier now
    assert "The quantity is changed." in cart

    removed = await submit(client, "/cart", f"/cart/lines/{m.cheese['id']}/remove", {})
    assert removed.status_code == 303
    cart = (await client.get("/cart")).text
    assert m.cheese["id"] not in cart
    assert m.producer_b["legal_name"] not in cart


async def test_a_quantity_the_listing_does_not_take_is_refused_with_the_reason(client: Client, market: Market) -> None:
    m = market
    await signed_in(client, m.buyer)

    refused = await add_to_cart(client, m.honey, "1", back=f"/listings/{m.honey['id']}")  # at least 2 kg

    assert refused.status_code == 422
    assert "Order at least 2 kg." in refused.text
    assert f'href="/listings/{m.honey["id"]}"' in refused.text
    assert "Your cart is empty." in refused.text  # nothing was put in

    await add_to_cart(client, m.honey, "2")
    uneven = await submit(client, "/cart", f"/cart/lines/{m.honey['id']}/quantity", {"quantity": "2.25"})
    assert uneven.status_code == 422
    assert "Order whole packs of 0.5 kg." in uneven.text


async def test_changing_the_quantity_of_goods_not_in_the_cart_is_the_not_found_page_and_tells_no_rule(
    client: Client, market: Market
) -> None:
    m = market
    await signed_in(client, m.buyer)
    await add_to_cart(client, m.cheese, "2")

    # The honey is no line of this cart: its page must not tell its minimum order or pack size.
    for quantity in ("1", "2.25"):
        refused = await submit(client, "/cart", f"/cart/lines/{m.honey['id']}/quantity", {"quantity": quantity})
        assert refused.status_code == 404
        assert refused.headers["content-type"].startswith("text/html")
        assert "This page does not exist, or it is not yours to see." in refused.text
        assert "Order at least" not in refused.text
        assert "Order whole packs" not in refused.text
    assert m.honey["id"] not in (await client.get("/cart")).text


async def test_a_german_reader_types_a_decimal_comma_on_the_listing_page(client: Client, market: Market) -> None:
    m = market
    await signed_in(client, m.buyer)
    german = {"Accept-Language": "de"}
    page = await client.get("/cart", headers=german)
    added = await client.post(
        "/cart/lines",
        data={"_csrf_token": csrf_of(page.text), "listing_id": m.honey["id"], "quantity": "2,5", "next": "/cart"},
        headers=german,
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert quantity_of((await client.get("/cart", headers=german)).text, m.honey) == "2.5"


async def test_checking_out_by_invoice_places_one_order_per_producer_and_empties_the_cart(
    client: Client, market: Market
) -> None:
    m = market
    await signed_in(client, m.buyer)
    await add_to_cart(client, m.honey, "20")
    await add_to_cart(client, m.cheese, "2")

    form = await client.get("/checkout")
    assert form.status_code == 200
    assert f'name="buyer_organization_id" value="{m.buyer_org["id"]}"' in form.text  # the only one, chosen
    assert "Sachsen, Germany" in form.text  # where the goods go, by name
    assert 'value="Görlitz"' in form.text  # the organisation's town, to start with

    placed = await check_out_for(client, m)

    assert placed.status_code == 303, placed.text
    assert placed.headers["location"].startswith("/checkouts/")
    confirmation = await client.get(placed.headers["location"])
    assert confirmation.status_code == 200
    text = confirmation.text
    assert "Your orders are placed" in text
    assert "You placed 2 orders" in text
    assert f"Order to {m.producer_a['legal_name']}" in text
    assert f"Order to {m.producer_b['legal_name']}" in text
    assert "PLN880.00" in text
    assert "PLN120.00" in text
    assert "New: waiting for the producer to accept it" in text
    assert "Invoice INV-000001" in text
    assert "Your cart is empty." in (await client.get("/cart")).text
    assert await stock_of(client, m.honey_maker, m.honey) == "230"


async def test_a_bad_postal_code_and_an_empty_city_are_named_on_the_checkout_form(
    client: Client, market: Market
) -> None:
    m = market
    await signed_in(client, m.buyer)
    await add_to_cart(client, m.honey, "20")

    refused = await check_out_for(client, m, postal_code="0" * 25, city="")

    assert refused.status_code == 422
    assert 'id="f-postal_code-error"' in refused.text
    assert "Use at most 20 characters." in refused.text
    assert 'id="f-city-error"' in refused.text
    assert "Please fill this in." in refused.text
    assert f'value="{ADDRESS["recipient"]}"' in refused.text  # what was typed stays
    assert quantity_of((await client.get("/cart")).text, m.honey) == "20"  # nothing ordered


async def test_a_refused_checkout_shows_the_cart_with_each_lines_reason_and_takes_no_stock(
    client: Client, market: Market
) -> None:
    m = market
    await signed_in(client, m.buyer)
    await add_to_cart(client, m.honey, "20")
    await add_to_cart(client, m.cheese, "45")  # 40 kg in stock

    cart = (await client.get("/cart")).text
    assert "Only 40 kg are in stock." in cart  # told before checking out

    refused = await check_out_for(client, m)

    assert refused.status_code == 409
    assert "Nothing was ordered" in refused.text
    line = refused.text.split(f'id="line-{m.cheese["id"]}"', 1)[1].split("</tr>", 1)[0]
    assert "Only 40 kg are in stock." in line
    # The honey's stock taken before the cheese was found short is back, and the cart is kept.
    assert await stock_of(client, m.honey_maker, m.honey) == "250"
    assert quantity_of((await client.get("/cart")).text, m.cheese) == "45"


async def test_the_cart_is_for_signed_in_people(client: Client, market: Market) -> None:
    answered = await client.get("/cart", follow_redirects=False)
    assert answered.status_code == 303
    assert answered.headers["location"] == "/sign-in?next=%2Fcart"

    listing_page = f"/listings/{market.honey['id']}"
    client.cookies.clear()
    adding = await submit(
        client, "/sign-in", "/cart/lines", {"listing_id": market.honey["id"], "quantity": "2", "next": listing_page}
    )
    assert adding.status_code == 303
    assert adding.headers["location"] == f"/sign-in?next={listing_page.replace('/', '%2F')}"  # back to the goods
