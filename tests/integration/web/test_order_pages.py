"""Orders in HTML: the producer's inbox with new orders first, each order's moves as forms (accept,
reject with a reason, ship with a tracking note, deliver), the buyer's side of them, invoices,
ordering the same again, and someone else's order as a 404 page."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.order import Market, build_market, place
from tests.factories.organization import create_organization
from tests.integration.web.pages import sign_in_page, submit

Client = AsyncTestClient[Any]


@pytest.fixture
async def market(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Market:
    return await build_market(client, sessions, settings)


async def signed_in(client: Client, account: Account) -> None:
    client.cookies.clear()
    answered = await sign_in_page(client, account.email, PASSWORD)
    assert answered.status_code == 303, answered.text


async def act(client: Client, order: dict[str, Any], action: str, **fields: str) -> Any:
    """Press the button of `action` on the order's page (posting its form)."""
    return await submit(client, f"/orders/{order['id']}", f"/orders/{order['id']}/{action}", fields)


async def test_the_producer_accepts_and_ships_and_the_buyer_marks_the_order_received(
    client: Client, market: Market
) -> None:
    m = market
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    await signed_in(client, m.honey_maker)

    inbox = await client.get("/orders")
    assert inbox.status_code == 200
    assert "Received as a producer" in inbox.text
    assert "Order from Stadt Görlitz" in inbox.text
    assert "New: waiting for the producer to accept it" in inbox.text
    shown = (await client.get(f"/orders/{order['id']}")).text
    assert "Accept the order" in shown
    assert "Reject the order" in shown
    assert "Mark as shipped" not in shown  # not before accepting
    assert "20 kg" in shown
    assert "Sachsen, Germany" in shown  # the delivery place by name

    accepted = await act(client, order, "accept")
    assert accepted.status_code == 303
    assert accepted.headers["location"] == f"/orders/{order['id']}?notice=order-accepted"
    page = (await client.get(accepted.headers["location"])).text
    assert "Accepted: the producer prepares it" in page
    assert "You accepted the order." in page

    shipped = await act(client, order, "ship", tracking="DHL 00340434161094042557")
    assert shipped.status_code == 303
    page = (await client.get(f"/orders/{order['id']}")).text
    assert "Shipped" in page
    assert "DHL 00340434161094042557" in page

    await signed_in(client, m.buyer)
    placed = (await client.get("/orders")).text
    assert "Placed as a buyer" in placed
    assert f"Order to {m.producer_a['legal_name']}" in placed
    shown = (await client.get(f"/orders/{order['id']}")).text
    assert "Mark as received" in shown
    assert "Cancel the order" not in shown  # shipped: too late to cancel
    received = await act(client, order, "deliver")
    assert received.status_code == 303
    page = (await client.get(f"/orders/{order['id']}")).text
    assert "<strong>Delivered</strong>" in page
    assert f'href="/orders/{order["id"]}/dispute"' in page  # something wrong: a dispute is one click away


async def test_new_orders_come_first_in_the_producers_inbox(client: Client, market: Market) -> None:
    m = market
    [first] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    [second] = (await place(client, m.buyer, m.checkout((m.jam, "3"))))["orders"]
    await signed_in(client, m.honey_maker)
    await act(client, second, "accept")

    inbox = (await client.get("/orders")).text

    # The older order waits for an answer, so it is listed before the newer one already accepted.
    assert inbox.index(f"/orders/{first['id']}") < inbox.index(f"/orders/{second['id']}")


async def test_rejecting_needs_a_reason_and_a_move_not_allowed_shows_why(client: Client, market: Market) -> None:
    m = market
    [order] = (await place(client, m.buyer, m.checkout((m.cheese, "2"))))["orders"]
    await signed_in(client, m.cheese_maker)

    refused = await act(client, order, "reject", reason="")
    assert refused.status_code == 422
    assert 'id="f-reason-error"' in refused.text

    rejected = await act(client, order, "reject", reason="The cheese of this week is sold out.")
    assert rejected.status_code == 303
    page = (await client.get(f"/orders/{order['id']}")).text
    assert "Rejected by the producer" in page
    assert "The cheese of this week is sold out." in page

    await signed_in(client, m.buyer)
    too_late = await act(client, order, "cancel")  # the form is gone; a stale page may still post it
    assert too_late.status_code == 409
    assert "Please check the form" in too_late.text
    assert "This cannot be done with the order as it is now." in too_late.text


async def test_another_organisations_member_gets_a_not_found_page_for_the_order(client: Client, market: Market) -> None:
    m = market
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    stranger = await register(client)
    await create_organization(client, stranger, kind="buyer")
    await signed_in(client, stranger)

    for path in (f"/orders/{order['id']}", f"/invoices/{order['invoice']['id']}"):
        answered = await client.get(path)
        assert answered.status_code == 404, path
        assert answered.headers["content-type"].startswith("text/html")
        assert "This page does not exist, or it is not yours to see." in answered.text
        assert "Stadt Görlitz" not in answered.text
    moved = await act_without_page(client, order, "cancel")
    assert moved.status_code == 404
    assert "Stadt Görlitz" not in (await client.get("/orders")).text


async def act_without_page(client: Client, order: dict[str, Any], action: str) -> Any:
    """Post a move as a forged form would (with a token of some page the reader may see)."""
    return await submit(client, "/orders", f"/orders/{order['id']}/{action}", {})


async def test_ordering_the_same_again_refills_the_cart(client: Client, market: Market) -> None:
    m = market
    [honey_order, cheese_order] = (await place(client, m.buyer, m.checkout((m.honey, "20"), (m.cheese, "2"))))["orders"]
    await signed_in(client, m.buyer)

    repeated = await submit(client, f"/orders/{honey_order['id']}", f"/orders/{honey_order['id']}/repeat", {})
    assert repeated.status_code == 303
    assert repeated.headers["location"] == "/cart?notice=order-repeated"
    again = await submit(client, f"/orders/{cheese_order['id']}", f"/orders/{cheese_order['id']}/repeat", {})

    cart = (await client.get(again.headers["location"])).text
    assert f'id="q-{m.honey["id"]}"' in cart
    assert f'id="q-{m.cheese["id"]}"' in cart
    assert "The goods of that order are in your cart again." in cart


async def test_the_invoice_shows_what_is_owed_and_the_producer_marks_it_paid(client: Client, market: Market) -> None:
    m = market
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    invoice_path = f"/invoices/{order['invoice']['id']}"
    await signed_in(client, m.buyer)
    seen_by_buyer = (await client.get(invoice_path)).text
    assert "Invoice INV-000001" in seen_by_buyer
    assert "Not paid yet" in seen_by_buyer
    assert "PLN880.00" in seen_by_buyer
    assert "Mark the invoice as paid" not in seen_by_buyer  # the producer's to say

    await signed_in(client, m.honey_maker)
    paid = await submit(client, invoice_path, f"{invoice_path}/paid", {"paid_on": ""})
    assert paid.status_code == 303
    page = (await client.get(invoice_path)).text
    assert "<strong>Paid</strong>" in page
    assert "Mark the invoice as paid" not in page
