"""Disputes: the buyer contests a delivered order, the producer answers, a hub coordinator decides."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from alembic import command
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import migrate
from kernel.audit import AuditEntry
from kernel.db import transaction
from kernel.outbox import OutboxEvent
from tests.factories.dashboard import period_trade
from tests.factories.identity import Account, register, sign_in_again
from tests.factories.order import EUR_PLN, Market, build_market, place

Client = AsyncTestClient[Any]
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


async def open_dispute(client: Client, account: Account, order: dict[str, Any]) -> Any:
    body = {"reason": "damaged", "message": "Two wheels arrived crushed.", "evidence_urls": [PHOTO]}
    return await client.post(f"/api/v1/orders/{order['id']}/dispute", json=body, headers=account.headers)


async def test_a_dispute_runs_from_the_buyer_to_a_partial_refund(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m = market
    order = await delivered_order(client, m)
    opened = await open_dispute(client, m.buyer, order)
    assert opened.status_code == 201, opened.text
    assert (opened.json()["status"], opened.json()["messages"][0]["evidence_urls"]) == ("open", [PHOTO])
    url = f"/api/v1/orders/{order['id']}"
    assert (await client.get(url, headers=m.buyer.headers)).json()["status"] == "disputed"
    answered = await client.post(
        f"{url}/dispute/messages",
        json={"message": "They left us whole; the carrier signed for them."},
        headers=m.cheese_maker.headers,
    )
    assert answered.status_code == 201
    assert answered.json()["status"] == "answered"
    assert [msg["party"] for msg in answered.json()["messages"]] == ["buyer", "producer"]
    resolved = await client.post(
        f"{url}/dispute/resolve",
        json={"outcome": "partial_refund", "refund_minor": 11000, "note": "Two of ten kilograms refunded."},
        headers=m.coordinator.headers,
    )
    assert resolved.status_code == 200, resolved.text
    dispute = resolved.json()
    assert (dispute["status"], dispute["outcome"], dispute["refund"]) == (
        "resolved",
        "partial_refund",
        {"amount_minor": 11000, "currency": "PLN"},
    )
    assert dispute["messages"][-1]["party"] == "coordinator"
    final = (await client.get(url, headers=m.buyer.headers)).json()
    assert final["status"] == "completed"
    invoice = (await client.get(f"/api/v1/invoices/{order['invoice']['id']}", headers=m.buyer.headers)).json()
    assert (invoice["status"], invoice["credited"]["amount_minor"], invoice["amount"]["amount_minor"]) == (
        "issued",
        11000,
        55000,
    )
    async with transaction(sessions) as session:
        actions = set(
            (await session.execute(select(AuditEntry.action).where(AuditEntry.hub_id == uuid.UUID(m.hub["id"]))))
            .scalars()
            .all()
        )
    assert {"dispute.opened", "dispute.message", "dispute.resolved", "order.disputed"} <= actions


def in_euro(amount_minor: int) -> int:
    """PLN minor units in the hub's reporting currency at the market's rate, as the dashboards convert."""
    return int((Decimal(amount_minor) / EUR_PLN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def resolve(client: Client, m: Market, order: dict[str, Any], body: dict[str, Any]) -> None:
    assert (await open_dispute(client, m.buyer, order)).status_code == 201
    resolved = await client.post(
        f"/api/v1/orders/{order['id']}/dispute/resolve", json=body, headers=m.coordinator.headers
    )
    assert resolved.status_code == 200, resolved.text


async def figures(client: Client, m: Market, order: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The order and its invoice as the buyer reads them."""
    read = (await client.get(f"/api/v1/orders/{order['id']}", headers=m.buyer.headers)).json()
    invoice = (await client.get(f"/api/v1/invoices/{order['invoice']['id']}", headers=m.buyer.headers)).json()
    return read, invoice


def pln(amount_minor: int) -> dict[str, Any]:
    return {"amount_minor": amount_minor, "currency": "PLN"}


async def test_a_partial_refund_leaves_order_invoice_and_dashboards_at_what_is_still_owed_when_unpaid(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m = market
    order = await delivered_order(client, m)
    assert (await period_trade(client, sessions, m.hub, m.coordinator))["value_minor"] == in_euro(55000)
    await resolve(client, m, order, {"outcome": "partial_refund", "refund_minor": 11000, "note": "Two kilograms."})
    read, invoice = await figures(client, m, order)
    assert (read["status"], read["total"], read["credited"], read["net_total"]) == (
        "completed",
        pln(55000),
        pln(11000),
        pln(44000),
    )
    # The invoice is a legal document: it keeps its amount, the credit stands against it, 440.00 is still owed.
    assert (invoice["status"], invoice["amount"], invoice["credited"], invoice["amount_due"]) == (
        "issued",
        pln(55000),
        pln(11000),
        pln(44000),
    )
    assert (read["invoice"]["status"], read["invoice"]["amount_due"]) == ("issued", pln(44000))
    trade = await period_trade(client, sessions, m.hub, m.coordinator)
    assert (trade["orders"], trade["value_minor"]) == (1, in_euro(44000))
    # The buyer pays the rest; the producer records it.
    paid = await client.post(f"/api/v1/invoices/{invoice['id']}/mark-paid", json={}, headers=m.cheese_maker.headers)
    assert paid.status_code == 200, paid.text
    assert (paid.json()["status"], paid.json()["amount_due"]) == ("paid", pln(0))
    async with transaction(sessions) as session:
        [event] = (
            await session.execute(select(OutboxEvent.payload).where(OutboxEvent.topic == "marketplace.InvoicePaid"))
        ).scalars()
    assert event["amount_minor"] == 44000


async def test_a_refund_on_a_paid_invoice_is_owed_back_and_the_order_counts_what_is_left(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m = market
    order = await delivered_order(client, m)
    paid = await client.post(
        f"/api/v1/invoices/{order['invoice']['id']}/mark-paid", json={}, headers=m.cheese_maker.headers
    )
    assert paid.status_code == 200, paid.text
    await resolve(client, m, order, {"outcome": "partial_refund", "refund_minor": 5000, "note": "One wheel."})
    read, invoice = await figures(client, m, order)
    assert (read["status"], read["net_total"]) == ("completed", pln(50000))
    assert (invoice["status"], invoice["credited"], invoice["amount_due"]) == ("paid", pln(5000), pln(0))
    # The buyer paid all 550.00 and the goods are worth 500.00: the producer owes 50.00 back.
    assert (invoice["paid"], invoice["owed_back"]) == (pln(55000), pln(5000))
    assert (await period_trade(client, sessions, m.hub, m.coordinator))["value_minor"] == in_euro(50000)


async def test_nothing_is_owed_back_when_the_credit_came_before_the_payment(client: Client, market: Market) -> None:
    m = market
    order = await delivered_order(client, m)
    await resolve(client, m, order, {"outcome": "partial_refund", "refund_minor": 11000, "note": "Two kilograms."})
    _, unpaid = await figures(client, m, order)
    assert (unpaid["paid"], unpaid["owed_back"]) == (None, pln(0))
    paid = await client.post(f"/api/v1/invoices/{unpaid['id']}/mark-paid", json={}, headers=m.cheese_maker.headers)
    assert paid.status_code == 200, paid.text
    # The buyer paid the 440.00 still due, never the 110.00 credited: nothing goes back.
    _, invoice = await figures(client, m, order)
    assert (invoice["status"], invoice["credited"], invoice["paid"], invoice["owed_back"]) == (
        "paid",
        pln(11000),
        pln(44000),
        pln(0),
    )
    assert paid.json() == invoice


async def test_invoices_paid_before_they_kept_what_was_paid_are_taken_as_paid_in_full(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    """Before migration 0017 a credit never reduced what was due, so an invoice already paid was paid
    in full: a credit made after it is owed back. The database refuses a paid invoice without it."""
    m = market
    order = await delivered_order(client, m)
    assert (
        await client.post(
            f"/api/v1/invoices/{order['invoice']['id']}/mark-paid", json={}, headers=m.cheese_maker.headers
        )
    ).status_code == 200
    await resolve(client, m, order, {"outcome": "partial_refund", "refund_minor": 5000, "note": "One wheel."})
    unpaid = await delivered_order(client, m)
    config = migrate.alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "0016")
    await asyncio.to_thread(command.upgrade, config, "head")
    # The app's connections hold statements prepared against the tables as they were.
    await client.app.state.engine.dispose()
    # Going back past 0021 ended every session (its table went): the buyer signs in again.
    m = dataclasses.replace(m, buyer=await sign_in_again(client, m.buyer))

    _, invoice = await figures(client, m, order)
    assert (invoice["status"], invoice["paid"], invoice["owed_back"]) == ("paid", pln(55000), pln(5000))
    _, still_issued = await figures(client, m, unpaid)
    assert (still_issued["status"], still_issued["paid"], still_issued["owed_back"]) == ("issued", None, pln(0))
    # A paid invoice without what was paid, an unpaid one with it.
    for paid_minor, invoice_id in ((None, invoice["id"]), (1, still_issued["id"])):
        async with sessions() as session:
            with pytest.raises(IntegrityError, match="paid_minor_when_paid"):
                await session.execute(
                    text("UPDATE marketplace.invoice SET paid_minor = :paid WHERE id = :id"),
                    {"paid": paid_minor, "id": uuid.UUID(invoice_id)},
                )


async def test_a_full_refund_voids_the_unpaid_invoice_and_the_order_is_no_longer_trade(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m = market
    kept = await delivered_order(client, m)
    order = await delivered_order(client, m)
    before = await period_trade(client, sessions, m.hub, m.coordinator)
    assert (before["orders"], before["value_minor"]) == (2, 2 * in_euro(55000))
    await resolve(client, m, order, {"outcome": "full_refund", "note": "The whole delivery spoiled in transit."})
    read, invoice = await figures(client, m, order)
    assert (read["status"], read["credited"], read["net_total"]) == ("completed", pln(55000), pln(0))
    assert (invoice["status"], invoice["amount"], invoice["credited"], invoice["amount_due"]) == (
        "void",
        pln(55000),
        pln(55000),
        pln(0),
    )
    after = await period_trade(client, sessions, m.hub, m.coordinator)
    assert (after["orders"], after["value_minor"]) == (1, in_euro(55000))
    assert (await figures(client, m, kept))[0]["net_total"] == pln(55000)


async def test_only_the_buyer_opens_and_only_on_a_delivered_order(client: Client, market: Market) -> None:
    m = market
    [fresh] = (await place(client, m.buyer, m.checkout((m.cheese, "1"))))["orders"]
    early = await open_dispute(client, m.buyer, fresh)
    assert early.status_code == 409
    assert early.json()["type"].endswith("/transition-not-allowed")
    order = await delivered_order(client, m)
    by_producer = await open_dispute(client, m.cheese_maker, order)
    assert by_producer.status_code == 403
    stranger = await open_dispute(client, await register(client), order)
    assert stranger.status_code == 404
    assert (await open_dispute(client, m.buyer, order)).status_code == 201
    again = await open_dispute(client, m.buyer, order)
    assert again.status_code == 409


async def test_only_a_coordinator_resolves_once_with_a_refund_that_fits(client: Client, market: Market) -> None:
    m = market
    order = await delivered_order(client, m)
    await open_dispute(client, m.buyer, order)
    url = f"/api/v1/orders/{order['id']}/dispute/resolve"
    by_buyer = await client.post(url, json={"outcome": "full_refund", "note": "mine"}, headers=m.buyer.headers)
    assert by_buyer.status_code == 403
    # Completing the order directly would leave the dispute open.
    shortcut = await client.post(f"/api/v1/orders/{order['id']}/complete", headers=m.coordinator.headers)
    assert shortcut.status_code == 409
    for body in (
        {"outcome": "partial_refund", "note": "x"},
        {"outcome": "partial_refund", "refund_minor": 55000, "note": "x"},
        {"outcome": "rejected", "refund_minor": 100, "note": "x"},
    ):
        response = await client.post(url, json=body, headers=m.coordinator.headers)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == "$.refund_minor"
    rejected = await client.post(
        url, json={"outcome": "rejected", "note": "The photos show intact wheels."}, headers=m.coordinator.headers
    )
    assert (rejected.status_code, rejected.json()["refund"]["amount_minor"]) == (200, 0)
    twice = await client.post(url, json={"outcome": "full_refund", "note": "x"}, headers=m.coordinator.headers)
    assert twice.status_code == 409
    late = await client.post(
        f"/api/v1/orders/{order['id']}/dispute/messages", json={"message": "But!"}, headers=m.buyer.headers
    )
    assert late.status_code == 409
    other_order = await delivered_order(client, m)
    assert (await client.get(f"/api/v1/orders/{other_order['id']}/dispute", headers=m.buyer.headers)).status_code == 404
