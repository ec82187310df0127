"""The hub's dispute pages: a coordinator finds the disputes waiting for a decision, reads the order,
the thread and its evidence, writes to both sides and decides (a partial refund typed the reader's
way, a full refund or a rejection with its reason); others find no such page."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel.auth import Principal
from marketplace.dispute.models import DisputeOutcome
from marketplace.dispute.schemas import DisputeRead, DisputeResolution
from marketplace.dispute.service import DisputeService
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.order import Market, build_market, place
from tests.factories.organization import create_hub, platform_admin
from tests.integration.web.pages import sign_in_page, submit

Client = AsyncTestClient[Litestar]
PHOTO = "https://evidence.example.org/crate-17.jpg"


@pytest.fixture
async def market(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Market:
    return await build_market(client, sessions, settings)


async def disputed_order(client: Client, m: Market) -> tuple[dict[str, Any], dict[str, Any]]:
    """10 kg of cheese (550.00 PLN) delivered and disputed by the buyer, answered by the producer."""
    [order] = (await place(client, m.buyer, m.checkout((m.cheese, "10"))))["orders"]
    for account, action in ((m.cheese_maker, "accept"), (m.cheese_maker, "ship"), (m.buyer, "deliver")):
        response = await client.post(f"/api/v1/orders/{order['id']}/{action}", headers=account.headers)
        assert response.status_code == 200, response.text
    opened = await client.post(
        f"/api/v1/orders/{order['id']}/dispute",
        json={"reason": "damaged", "message": "Two wheels arrived crushed.", "evidence_urls": [PHOTO]},
        headers=m.buyer.headers,
    )
    assert opened.status_code == 201, opened.text
    answered = await client.post(
        f"/api/v1/orders/{order['id']}/dispute/messages",
        json={"message": "They left us whole; the carrier signed."},
        headers=m.cheese_maker.headers,
    )
    assert answered.status_code == 201, answered.text
    dispute: dict[str, Any] = opened.json()
    return order, dispute


async def signed_in(client: Client, account: Account) -> None:
    client.cookies.clear()
    answered = await sign_in_page(client, account.email, PASSWORD)
    assert answered.status_code == 303, answered.text


async def dispute_of(client: Client, m: Market, order: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"/api/v1/orders/{order['id']}/dispute", headers=m.coordinator.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_a_polish_coordinator_reads_the_dispute_and_refunds_part_typed_the_polish_way(
    client: Client, market: Market
) -> None:
    m = market
    order, dispute = await disputed_order(client, m)
    polish = await register(client, preferred_language="pl")
    appointed = await client.post(
        f"/api/v1/hubs/{m.hub['id']}/coordinators", json={"email": polish.email}, headers=m.coordinator.headers
    )
    assert appointed.status_code == 201, appointed.text
    await signed_in(client, polish)

    disputes = f"/hubs/{m.hub['id']}/disputes"
    listed = await client.get(disputes)
    assert listed.status_code == 200, listed.text
    assert '<html lang="pl">' in listed.text
    assert f'href="{disputes}/{dispute["id"]}"' in listed.text
    assert "Stadt Görlitz" in listed.text

    page = f"{disputes}/{dispute['id']}"
    shown = await client.get(page)
    assert shown.status_code == 200, shown.text
    assert "Two wheels arrived crushed." in shown.text  # the thread
    assert "They left us whole; the carrier signed." in shown.text
    assert f'href="{PHOTO}"' in shown.text  # the evidence
    assert "550,00\xa0zł" in shown.text  # the order's money in currency units, the Polish way
    assert "55000" not in shown.text

    decided = await submit(
        client,
        page,
        f"{page}/decision",
        {"outcome": "partial_refund", "refund": "12,50", "note": "Dwa krążki zgniecione: zwrot za jeden."},
    )
    assert decided.status_code == 303, decided.text
    assert decided.headers["location"] == f"{page}?notice=dispute-resolved"
    resolved = await dispute_of(client, m, order)
    assert (resolved["status"], resolved["outcome"]) == ("resolved", "partial_refund")
    assert resolved["refund"] == {"amount_minor": 1250, "currency": "PLN"}

    after = await client.get(disputes)
    assert "12,50\xa0zł" in after.text  # listed among the decided, with its refund


async def test_a_rejection_needs_a_reason_and_a_partial_refund_an_amount(client: Client, market: Market) -> None:
    m = market
    order, dispute = await disputed_order(client, m)
    await signed_in(client, m.coordinator)
    page = f"/hubs/{m.hub['id']}/disputes/{dispute['id']}"

    no_reason = await submit(client, page, f"{page}/decision", {"outcome": "rejected", "refund": "", "note": ""})
    assert no_reason.status_code == 422
    assert 'id="f-note-error"' in no_reason.text

    no_amount = await submit(
        client, page, f"{page}/decision", {"outcome": "partial_refund", "refund": "", "note": "Half of it."}
    )
    assert no_amount.status_code == 422
    assert 'id="f-refund-error"' in no_amount.text
    assert "Half of it." in no_amount.text  # what was typed is kept

    too_much = await submit(
        client, page, f"{page}/decision", {"outcome": "partial_refund", "refund": "600", "note": "All and more."}
    )
    assert too_much.status_code == 422
    assert re.search(r"less than the order&#39;s total of PLN\W?550\.00\.", too_much.text)  # in currency units

    assert (await dispute_of(client, m, order))["status"] == "answered"  # nothing decided

    rejected = await submit(
        client, page, f"{page}/decision", {"outcome": "rejected", "refund": "", "note": "The carrier signed for it."}
    )
    assert rejected.status_code == 303, rejected.text
    assert (await dispute_of(client, m, order))["outcome"] == "rejected"


async def test_a_coordinator_writes_to_both_sides_in_the_thread(client: Client, market: Market) -> None:
    m = market
    order, dispute = await disputed_order(client, m)
    await signed_in(client, m.coordinator)
    page = f"/hubs/{m.hub['id']}/disputes/{dispute['id']}"
    written = await submit(client, page, f"{page}/messages", {"message": "Please send a photo of the crate."})
    assert written.status_code == 303, written.text
    thread = await client.get(written.headers["location"])
    assert "Please send a photo of the crate." in thread.text
    assert "Hub coordinator" in thread.text
    assert [message["party"] for message in (await dispute_of(client, m, order))["messages"]][-1] == "coordinator"


async def test_a_decision_taken_meanwhile_is_shown_in_place_of_the_form_when_a_second_one_comes(
    client: Client, market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = market
    order, dispute = await disputed_order(client, m)
    await signed_in(client, m.coordinator)
    page = f"/hubs/{m.hub['id']}/disputes/{dispute['id']}"
    resolve = DisputeService.resolve

    async def decided_meanwhile(
        service: DisputeService, principal: Principal, order_id: uuid.UUID, data: DisputeResolution
    ) -> DisputeRead:
        # Another coordinator's rejection lands between the page's read and this decision.
        meanwhile = DisputeResolution(outcome=DisputeOutcome.rejected, note="The carrier signed for it.")
        await resolve(service, principal, order_id, meanwhile)
        return await resolve(service, principal, order_id, data)

    monkeypatch.setattr(DisputeService, "resolve", decided_meanwhile)
    refused = await submit(
        client, page, f"{page}/decision", {"outcome": "full_refund", "refund": "", "note": "Refund it all."}
    )

    assert refused.status_code == 409, refused.text
    assert "The dispute is already resolved." in refused.text
    assert "the dispute is rejected and nothing is refunded" in refused.text  # the decision taken
    assert f'action="{page}/decision"' not in refused.text  # no form to decide again
    assert (await dispute_of(client, m, order))["outcome"] == "rejected"


async def test_only_the_hubs_coordinators_find_its_disputes(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    m = market
    _, dispute = await disputed_order(client, m)
    disputes = f"/hubs/{m.hub['id']}/disputes"
    other = await register(client)
    other_hub = await create_hub(client, await platform_admin(client, sessions, settings), [other])

    await signed_in(client, m.cheese_maker)  # the producer of the order: not a coordinator
    refused = await client.get(f"{disputes}/{dispute['id']}")
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")

    await signed_in(client, other)
    assert (await client.get(disputes)).status_code == 403
    # Through their own hub's pages, another hub's dispute is not found.
    hidden = await client.get(f"/hubs/{other_hub['id']}/disputes/{dispute['id']}")
    assert hidden.status_code == 404
    assert "Two wheels arrived crushed." not in hidden.text

    await signed_in(client, m.coordinator)
    assert (await client.get(f"{disputes}/{uuid.uuid4()}")).status_code == 404
