"""The order lifecycle: allowed moves only, each by the side allowed to make it, audited and announced."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from kernel.audit import AuditEntry
from kernel.db import transaction
from kernel.outbox import OutboxEvent
from marketplace.identity.models import User
from marketplace.payment.models import Invoice
from tests.factories.identity import Account, register
from tests.factories.order import Market, build_market, place, stock_of
from tests.factories.organization import of_another_hub

Client = AsyncTestClient[Any]


@pytest.fixture
async def market(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Market:
    return await build_market(client, sessions, settings)


async def move(client: Client, account: Account, order: dict[str, Any], action: str, note: str | None = None) -> Any:
    body = {"note": note} if note else None
    return await client.post(f"/api/v1/orders/{order['id']}/{action}", json=body, headers=account.headers)


async def moved(client: Client, account: Account, order: dict[str, Any], action: str, note: str | None = None) -> Any:
    response = await move(client, account, order, action, note)
    assert response.status_code == 200, response.text
    return response.json()


async def test_invoice_order_runs_from_placement_to_completion(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m = market
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    assert (await moved(client, m.honey_maker, order, "accept"))["status"] == "accepted"
    shipped = await moved(client, m.honey_maker, order, "ship", "DHL 00340434161094042557")
    assert (shipped["status"], shipped["note"]) == ("shipped", "DHL 00340434161094042557")
    assert (await moved(client, m.buyer, order, "deliver"))["status"] == "delivered"
    unpaid = await move(client, m.buyer, order, "complete")
    assert unpaid.status_code == 409
    assert unpaid.json()["type"].endswith("/invoice-unpaid")
    paid = await client.post(f"/api/v1/invoices/{order['invoice']['id']}/mark-paid", headers=m.honey_maker.headers)
    assert paid.status_code == 200, paid.text
    completed = await moved(client, m.buyer, order, "complete")
    assert (completed["status"], completed["invoice"]["status"]) == ("completed", "paid")
    # Shipping does not give stock back; only the 20 kg ordered left it.
    assert await stock_of(client, m.honey_maker, m.honey) == "230"
    async with transaction(sessions) as session:
        actions = (
            await session.execute(
                select(AuditEntry.action, AuditEntry.actor_id)
                .where(AuditEntry.object_id == uuid.UUID(order["id"]))
                .order_by(AuditEntry.created_at)
            )
        ).all()
        events = (
            await session.execute(
                select(OutboxEvent.payload)
                .where(OutboxEvent.topic == "marketplace.OrderStatusChanged")
                .order_by(OutboxEvent.occurred_at, OutboxEvent.id)
            )
        ).scalars()
        moves = [(e["from_status"], e["to_status"]) for e in events if e["order_id"] == order["id"]]
    assert [action for action, _ in actions] == [
        "order.placed",
        "order.accepted",
        "order.shipped",
        "order.delivered",
        "order.completed",
    ]
    assert actions[1][1] == m.honey_maker.id
    assert moves == [
        ("pending_payment", "accepted"),
        ("accepted", "shipped"),
        ("shipped", "delivered"),
        ("delivered", "completed"),
    ]


async def test_each_move_belongs_to_one_side(client: Client, market: Market) -> None:
    m = market
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "2"))))["orders"]
    await moved(client, m.honey_maker, order, "accept")
    buyer_ships = await move(client, m.buyer, order, "ship")
    assert buyer_ships.status_code == 403
    assert buyer_ships.json()["type"].endswith("/not-your-move")
    assert "only the producer can" in buyer_ships.json()["detail"]
    coordinator_ships = await move(client, m.coordinator, order, "ship")
    assert coordinator_ships.status_code == 403
    assert (await stock_of(client, m.honey_maker, m.honey)) == "248"
    fetched = await client.get(f"/api/v1/orders/{order['id']}", headers=m.buyer.headers)
    assert fetched.json()["status"] == "accepted"


async def test_a_move_out_of_order_is_409_and_changes_nothing(client: Client, market: Market) -> None:
    m = market
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "2"))))["orders"]
    for account, action in ((m.honey_maker, "ship"), (m.buyer, "deliver"), (m.buyer, "complete")):
        response = await move(client, account, order, action)
        assert response.status_code == 409, (action, response.text)
        assert response.json()["type"].endswith("/transition-not-allowed")
    await moved(client, m.honey_maker, order, "accept")
    await moved(client, m.honey_maker, order, "ship")
    too_late = await move(client, m.buyer, order, "cancel")
    assert too_late.status_code == 409
    assert "shipped cannot become cancelled" in too_late.json()["detail"]
    assert (await client.get(f"/api/v1/orders/{order['id']}", headers=m.buyer.headers)).json()["status"] == "shipped"


async def test_a_producer_cannot_touch_another_producers_order_from_the_same_checkout(
    client: Client, market: Market
) -> None:
    m = market
    checkout = await place(client, m.buyer, m.checkout((m.honey, "2"), (m.cheese, "1")))
    cheese_order = next(o for o in checkout["orders"] if o["producer_organization_id"] == m.producer_b["id"])
    response = await move(client, m.honey_maker, cheese_order, "cancel")
    assert response.status_code == 404
    assert (await stock_of(client, m.cheese_maker, m.cheese)) == "39"


async def test_a_coordinator_cannot_move_an_order_while_their_address_is_not_proven(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m = market
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    async with transaction(sessions) as session:
        await session.execute(update(User).where(User.id == m.coordinator.id).values(email_verified_at=None))
    refused = await move(client, m.coordinator, order, "cancel")
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"].endswith("email-unverified")
    async with transaction(sessions) as session:
        await session.execute(update(User).where(User.id == m.coordinator.id).values(email_verified_at=clock.now()))
    assert (await moved(client, m.coordinator, order, "cancel"))["status"] == "cancelled"


async def test_cancelling_gives_the_stock_back_and_voids_the_invoice(client: Client, market: Market) -> None:
    m = market
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    assert (await stock_of(client, m.honey_maker, m.honey)) == "230"
    cancelled = await moved(client, m.buyer, order, "cancel", "ordered twice by mistake")
    assert (cancelled["status"], cancelled["note"], cancelled["invoice"]["status"]) == (
        "cancelled",
        "ordered twice by mistake",
        "void",
    )
    assert (await stock_of(client, m.honey_maker, m.honey)) == "250"
    # A payment recorded for the cancelled order is refused.
    paid = await client.post(f"/api/v1/invoices/{order['invoice']['id']}/mark-paid", headers=m.honey_maker.headers)
    assert paid.status_code == 409
    assert paid.json()["type"].endswith("/invoice-settled")
    again = await move(client, m.buyer, order, "cancel")
    assert again.status_code == 409
    assert (await stock_of(client, m.honey_maker, m.honey)) == "250"


async def test_rejecting_needs_a_reason_and_gives_the_stock_back(client: Client, market: Market) -> None:
    m = market
    [order] = (await place(client, m.buyer, m.checkout((m.cheese, "10"))))["orders"]
    assert (await move(client, m.buyer, order, "reject", "changed my mind")).status_code == 403
    silent = await move(client, m.cheese_maker, order, "reject")
    assert silent.status_code == 422
    assert silent.json()["errors"][0]["field"] == "$.note"
    rejected = await moved(client, m.cheese_maker, order, "reject", "the cellar flooded")
    assert (rejected["status"], rejected["note"]) == ("rejected", "the cellar flooded")
    assert (await stock_of(client, m.cheese_maker, m.cheese)) == "40"


async def test_order_lists_show_each_side_its_own_orders_with_filters(client: Client, market: Market) -> None:
    m = market
    first = await place(client, m.buyer, m.checkout((m.honey, "2"), (m.cheese, "1")))
    second = await place(client, m.buyer, m.checkout((m.jam, "3")))
    jam_order = second["orders"][0]
    await moved(client, m.honey_maker, jam_order, "accept")

    def ids(response: Any) -> set[str]:
        assert response.status_code == 200, response.text
        return {order["id"] for order in response.json()["items"]}

    everything = {o["id"] for o in first["orders"]} | {jam_order["id"]}
    buyer_url = f"/api/v1/organizations/{m.buyer_org['id']}/orders"
    assert ids(await client.get(buyer_url, headers=m.buyer.headers)) == everything
    assert ids(await client.get(f"{buyer_url}?status=accepted", headers=m.buyer.headers)) == {jam_order["id"]}
    assert ids(await client.get(f"{buyer_url}?side=producer", headers=m.buyer.headers)) == set()
    today = clock.today()
    assert (
        ids(await client.get(f"{buyer_url}?placed_from={today}&placed_to={today}", headers=m.buyer.headers))
        == everything
    )
    tomorrow = today + dt.timedelta(days=1)
    assert ids(await client.get(f"{buyer_url}?placed_from={tomorrow}", headers=m.buyer.headers)) == set()
    backwards = await client.get(f"{buyer_url}?placed_from={tomorrow}&placed_to={today}", headers=m.buyer.headers)
    assert backwards.status_code == 422
    page = (await client.get(f"{buyer_url}?per_page=2", headers=m.buyer.headers)).json()
    assert (len(page["items"]), page["total"], page["items"][0]["id"]) == (2, 3, jam_order["id"])

    producer_b_url = f"/api/v1/organizations/{m.producer_b['id']}/orders"
    cheese_ids = {o["id"] for o in first["orders"] if o["producer_organization_id"] == m.producer_b["id"]}
    assert ids(await client.get(producer_b_url, headers=m.cheese_maker.headers)) == cheese_ids
    assert (await client.get(producer_b_url, headers=m.honey_maker.headers)).status_code == 404
    assert (await client.get(buyer_url, headers=m.coordinator.headers)).status_code == 404

    hub_url = f"/api/v1/hubs/{m.hub['id']}/orders"
    assert ids(await client.get(hub_url, headers=m.coordinator.headers)) == everything
    assert (await client.get(hub_url, headers=m.buyer.headers)).status_code == 403
    assert (await client.get(f"{buyer_url}?status=lost", headers=m.buyer.headers)).status_code in (400, 422)


async def test_invoices_are_numbered_per_producer_and_listed_when_overdue(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m = market
    placed = [await place(client, m.buyer, m.checkout((m.honey, "2"), (m.cheese, "1"))) for _ in range(3)]
    honey_invoices = [
        next(o for o in c["orders"] if o["producer_organization_id"] == m.producer_a["id"])["invoice"] for c in placed
    ]
    assert [i["number"] for i in honey_invoices] == ["INV-000001", "INV-000002", "INV-000003"]
    cheese_numbers = [
        next(o for o in c["orders"] if o["producer_organization_id"] == m.producer_b["id"])["invoice"]["number"]
        for c in placed
    ]
    assert cheese_numbers == ["INV-000001", "INV-000002", "INV-000003"]
    # The first honey invoice was issued 40 days ago: 10 days past its 30-day terms.
    async with transaction(sessions) as session:
        invoice = await session.get(Invoice, uuid.UUID(honey_invoices[0]["id"]))
        assert invoice is not None
        invoice.issued_on -= dt.timedelta(days=40)
        invoice.due_on -= dt.timedelta(days=40)
    url = f"/api/v1/organizations/{m.producer_a['id']}/invoices"
    overdue = (await client.get(f"{url}?overdue=true", headers=m.honey_maker.headers)).json()
    assert [(i["number"], i["overdue"]) for i in overdue["items"]] == [("INV-000001", True)]
    received = (
        await client.get(
            f"/api/v1/organizations/{m.buyer_org['id']}/invoices?side=buyer&overdue=true", headers=m.buyer.headers
        )
    ).json()
    assert [i["id"] for i in received["items"]] == [honey_invoices[0]["id"]]
    # The buyer sees it but only the producer marks it paid, and not for a day in the future.
    invoice_url = f"/api/v1/invoices/{honey_invoices[0]['id']}"
    assert (await client.get(invoice_url, headers=m.buyer.headers)).status_code == 200
    assert (await client.get(invoice_url, headers=m.cheese_maker.headers)).status_code == 404
    assert (await client.post(f"{invoice_url}/mark-paid", headers=m.buyer.headers)).status_code == 403
    future = (clock.today() + dt.timedelta(days=2)).isoformat()
    refused = await client.post(f"{invoice_url}/mark-paid", json={"paid_on": future}, headers=m.honey_maker.headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "$.paid_on"
    paid = await client.post(f"{invoice_url}/mark-paid", headers=m.honey_maker.headers)
    assert (paid.json()["status"], paid.json()["overdue"]) == ("paid", False)
    assert (await client.get(f"{url}?overdue=true", headers=m.honey_maker.headers)).json()["items"] == []
    twice = await client.post(f"{invoice_url}/mark-paid", headers=m.honey_maker.headers)
    assert twice.status_code == 409
    outsider = await register(client)
    assert (await client.get(url, headers=outsider.headers)).status_code == 404


async def test_an_unknown_action_is_a_4xx_naming_it(client: Client, market: Market) -> None:
    m = market
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "2"))))["orders"]
    response = await move(client, m.honey_maker, order, "explode")
    assert response.status_code in (400, 404, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(f"/api/v1/orders/{order['id']}", headers=m.buyer.headers)).json()["status"] == (
        "pending_payment"
    )


async def test_an_order_reads_as_each_sides_list_shows_it_and_is_hidden_from_everyone_else(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    """The read of one order (one statement past SQLAlchemy: `OrderRepository.shown`) and the lists
    (the ORM) show the same order: its lines, VAT, an overdue invoice."""
    m = market
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "2.5"), (m.jam, "3"))))["orders"]
    async with transaction(sessions) as session:
        invoice = await session.get(Invoice, uuid.UUID(order["invoice"]["id"]))
        assert invoice is not None
        invoice.due_on = clock.today() - dt.timedelta(days=1)
    url = f"/api/v1/orders/{order['id']}"
    shown = (await client.get(url, headers=m.buyer.headers)).json()
    assert [(line["quantity"], line["total"]["amount_minor"]) for line in shown["lines"]] == [
        ("2.5", 12000),
        ("3", 3600),
    ]
    assert (shown["invoice"]["number"], shown["invoice"]["overdue"]) == ("INV-000001", True)
    assert shown["invoice"]["amount_due"] == shown["total"]
    for account, listing in (
        (m.buyer, f"/api/v1/organizations/{m.buyer_org['id']}/orders"),
        (m.honey_maker, f"/api/v1/organizations/{m.producer_a['id']}/orders"),
        (m.coordinator, f"/api/v1/hubs/{m.hub['id']}/orders"),
    ):
        assert (await client.get(url, headers=account.headers)).json() == shown
        assert (await client.get(listing, headers=account.headers)).json()["items"] == [shown]
    # The other producer of the hub, the coordinator and a member of another hub, and anyone else:
    # as if there were no such order.
    elsewhere = await of_another_hub(client, sessions, settings)
    for account in (m.cheese_maker, *elsewhere, await register(client)):
        hidden = await client.get(url, headers=account.headers)
        assert hidden.status_code == 404, hidden.text
        missing = await client.get(f"/api/v1/orders/{uuid.uuid4()}", headers=account.headers)
        assert (hidden.json()["type"], hidden.json()["detail"]) == (missing.json()["type"], missing.json()["detail"])
