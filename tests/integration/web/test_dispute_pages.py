"""The dispute pages: the buyer contests a delivered order, the producer reads it where the messages
lead (`/disputes/<id>`) and answers; nobody else finds the page."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.order import Market, build_market, place
from tests.integration.web.pages import sign_in_page, submit

Client = AsyncTestClient[Litestar]
PHOTO = "https://evidence.example.org/crate-17.jpg"


@pytest.fixture
async def market(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Market:
    return await build_market(client, sessions, settings)


async def delivered_order(client: Client, m: Market) -> dict[str, Any]:
    [order] = (await place(client, m.buyer, m.checkout((m.cheese, "10"))))["orders"]
    for account, action in ((m.cheese_maker, "accept"), (m.cheese_maker, "ship"), (m.buyer, "deliver")):
        response = await client.post(f"/api/v1/orders/{order['id']}/{action}", headers=account.headers)
        assert response.status_code == 200, response.text
    return order


async def signed_in(client: Client, account: Account) -> None:
    client.cookies.clear()
    answered = await sign_in_page(client, account.email, PASSWORD)
    assert answered.status_code == 303, answered.text


async def test_a_buyer_disputes_a_delivered_order_and_the_producer_reads_and_answers_it(
    client: Client, market: Market
) -> None:
    m = market
    order = await delivered_order(client, m)
    await signed_in(client, m.buyer)

    form_page = f"/orders/{order['id']}/dispute"
    form = await client.get(form_page)
    assert "The goods arrived damaged" in form.text  # the reasons in words
    opened = await submit(
        client,
        form_page,
        form_page,
        {"reason": "damaged", "message": "Two wheels arrived crushed.", "evidence_urls": PHOTO},
    )
    assert opened.status_code == 303, opened.text
    dispute_page = opened.headers["location"].split("?")[0]
    assert dispute_page.startswith("/disputes/")
    shown = await client.get(opened.headers["location"])
    assert "Your dispute is opened." in shown.text
    assert "Open: waiting for the producer" in shown.text
    # Going to the order's dispute form again leads to the dispute itself.
    again = await client.get(form_page, follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (303, dispute_page)

    await signed_in(client, m.cheese_maker)
    seen = await client.get(dispute_page)
    assert seen.status_code == 200, seen.text
    assert "Two wheels arrived crushed." in seen.text
    assert f'href="{PHOTO}"' in seen.text
    assert "Stadt Görlitz" in seen.text  # who wrote: the buyer by name
    answered = await submit(
        client, dispute_page, f"{dispute_page}/messages", {"message": "They left us whole; the carrier signed."}
    )
    assert answered.status_code == 303, answered.text
    thread = await client.get(answered.headers["location"])
    assert "Your message is added to the dispute." in thread.text
    assert "They left us whole; the carrier signed." in thread.text
    assert "Answered by the producer" in thread.text

    await signed_in(client, m.buyer)
    read_by_buyer = await client.get(dispute_page)
    assert "They left us whole; the carrier signed." in read_by_buyer.text


async def test_a_dispute_without_a_message_shows_the_form_again_with_the_fields_problems(
    client: Client, market: Market
) -> None:
    m = market
    order = await delivered_order(client, m)
    await signed_in(client, m.buyer)

    form_page = f"/orders/{order['id']}/dispute"
    refused = await submit(
        client, form_page, form_page, {"reason": "", "message": "", "evidence_urls": "http://not-secure.example"}
    )
    assert refused.status_code == 422
    for field in ("reason", "message", "evidence_urls"):
        assert f'id="f-{field}-error"' in refused.text, field
    assert "http://not-secure.example" in refused.text  # what was typed is kept


async def test_a_stranger_gets_a_not_found_page_for_the_dispute_and_the_order(client: Client, market: Market) -> None:
    m = market
    order = await delivered_order(client, m)
    stranger = await register(client)
    await signed_in(client, m.buyer)
    form_page = f"/orders/{order['id']}/dispute"
    opened = await submit(client, form_page, form_page, {"reason": "late", "message": "A week late."})
    dispute_page = opened.headers["location"].split("?")[0]

    await signed_in(client, stranger)
    for path in (dispute_page, form_page):
        hidden = await client.get(path)
        assert hidden.status_code == 404, path
        assert hidden.headers["content-type"].startswith("text/html")
        assert "A week late." not in hidden.text
